//! Printing tensors the way NumPy does: nested brackets, aligned columns, and
//! `...` in place of the middle of long axes.

use std::fmt;

use crate::element::Element;
use crate::tensor::Tensor;

/// Tensors with more elements than this are summarised.
const SUMMARY_THRESHOLD: usize = 1000;
/// How many leading and trailing entries a summarised axis shows.
const EDGE_ITEMS: usize = 3;

impl<E: Element> fmt::Display for Tensor<E> {
    /// `[[1.0000, 2.0000],\n [3.0000, 4.0000]]`; the precision follows `{:.N}` (default 4).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = f.precision().unwrap_or(4);
        let values = self.to_vec();
        let texts: Vec<String> = values.iter().map(|v| format!("{:.*}", precision, v)).collect();
        let width = texts.iter().map(String::len).max().unwrap_or(0);
        let summarise = self.numel() > SUMMARY_THRESHOLD;
        let mut out = String::new();
        write_axis(&mut out, self.shape(), &texts, 0, width, summarise);
        f.write_str(&out)
    }
}

impl<E: Element> fmt::Debug for Tensor<E> {
    /// The values as in `Display`, followed by shape, element type and strides.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor({self}, shape={:?}, dtype={}, strides={:?})", self.shape(), E::NAME, self.strides())
    }
}

/// Writes the sub-tensor of `shape` whose row-major values are `texts`; `depth`
/// is the number of enclosing brackets (for indentation).
fn write_axis(
    out: &mut String,
    shape: &[usize],
    texts: &[String],
    depth: usize,
    width: usize,
    summarise: bool,
) {
    let Some((&len, inner)) = shape.split_first() else {
        out.push_str(&format!("{:>width$}", texts[0]));
        return;
    };
    let block: usize = inner.iter().product();
    let separator = if inner.is_empty() {
        ", ".to_string()
    } else {
        format!(",{}{}", "\n".repeat(inner.len()), " ".repeat(depth + 1))
    };
    out.push('[');
    let elide = summarise && len > 2 * EDGE_ITEMS;
    for i in 0..len {
        if elide && i == EDGE_ITEMS {
            out.push_str("...");
            out.push_str(&separator);
        }
        if elide && (EDGE_ITEMS..len - EDGE_ITEMS).contains(&i) {
            continue;
        }
        write_axis(out, inner, &texts[i * block..(i + 1) * block], depth + 1, width, summarise);
        if i + 1 < len {
            out.push_str(&separator);
        }
    }
    out.push(']');
}
