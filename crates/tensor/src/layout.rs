//! How a tensor's elements sit in its storage: shape, strides and offset.
//!
//! Element `[i0, i1, ..]` of a tensor lives at `offset + Σ i_d · strides[d]` in the
//! storage. Views (transpose, slice, broadcast, flip) only change these numbers,
//! never the data: that is what makes them free.

use smallvec::SmallVec;

use crate::error::{Result, TensorError};

/// A list of dimension sizes, stored inline for up to six dimensions.
pub type Shape = SmallVec<[usize; 6]>;
/// Per-dimension steps in elements; negative for flipped axes, 0 for broadcast ones.
pub type Strides = SmallVec<[isize; 6]>;

/// Shape, strides and offset of a tensor inside its storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub(crate) shape: Shape,
    pub(crate) strides: Strides,
    pub(crate) offset: usize,
}

/// Row-major (C order) strides for a shape: the last axis moves fastest.
pub fn contiguous_strides(shape: &[usize]) -> Strides {
    let mut strides: Strides = SmallVec::from_elem(0, shape.len());
    let mut step = 1isize;
    for (stride, &size) in strides.iter_mut().zip(shape).rev() {
        *stride = step;
        step *= size.max(1) as isize;
    }
    strides
}

impl Layout {
    /// A row-major layout starting at offset 0.
    pub fn contiguous(shape: &[usize]) -> Self {
        Layout { shape: shape.into(), strides: contiguous_strides(shape), offset: 0 }
    }

    /// The sizes of the dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The step in elements along each dimension.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// Storage index of the first logical element.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the elements are in row-major order with no gaps, so that the
    /// tensor is the storage slice `offset .. offset + numel`.
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1isize;
        for (&size, &stride) in self.shape.iter().zip(&self.strides).rev() {
            if size != 1 && stride != expected {
                return false;
            }
            expected *= size as isize;
        }
        true
    }

    /// The storage range when the elements fill a gap-free block in some axis order
    /// (row-major, a transposed or permuted view of it; no flips, no broadcast).
    /// Element-wise ops then run over the block directly, in memory order, and give
    /// their result this same layout.
    pub(crate) fn dense_range(&self) -> Option<std::ops::Range<usize>> {
        let mut axes: SmallVec<[(isize, usize); 6]> =
            self.strides.iter().zip(&self.shape).filter(|(_, &n)| n != 1).map(|(&s, &n)| (s, n)).collect();
        axes.sort_unstable();
        let mut expected = 1isize;
        for (stride, size) in axes {
            if stride != expected {
                return None;
            }
            expected *= size as isize;
        }
        Some(self.offset..self.offset + self.numel())
    }

    /// Storage index of the element at a multi-index (unchecked arithmetic; the
    /// caller has validated the index).
    pub(crate) fn index_to_offset(&self, index: &[usize]) -> usize {
        let mut at = self.offset as isize;
        for (&i, &stride) in index.iter().zip(&self.strides) {
            at += i as isize * stride;
        }
        at as usize
    }

    /// This layout seen with `target` shape under NumPy broadcasting: missing
    /// leading axes and axes of size 1 get stride 0.
    pub fn broadcast_to(&self, target: &[usize], op: &'static str) -> Result<Layout> {
        let extra = target.len().checked_sub(self.shape.len()).ok_or_else(|| {
            TensorError::mismatch(op, &self.shape, target, "cannot broadcast to fewer dimensions")
        })?;
        let mut strides: Strides = SmallVec::from_elem(0, target.len());
        for (d, (&size, &stride)) in self.shape.iter().zip(&self.strides).enumerate() {
            let want = target[extra + d];
            if size == want {
                strides[extra + d] = stride;
            } else if size != 1 {
                return Err(TensorError::mismatch(
                    op,
                    &self.shape,
                    target,
                    format!("axis {d} has size {size}, which is neither 1 nor {want}"),
                ));
            }
        }
        Ok(Layout { shape: target.into(), strides, offset: self.offset })
    }

    /// Strides for viewing this layout with a new shape of the same size without
    /// copying, or `None` when the elements are not laid out to allow it (as
    /// NumPy's no-copy reshape: groups of old axes that merge into new ones must
    /// be contiguous with each other).
    pub(crate) fn reshape_strides(&self, new_shape: &[usize]) -> Option<Strides> {
        if self.is_contiguous() || self.numel() == 0 {
            return Some(contiguous_strides(new_shape));
        }
        // Axes of size 1 never constrain the layout.
        let (old_shape, old_strides): (Vec<usize>, Vec<isize>) =
            self.shape.iter().zip(&self.strides).filter(|(&s, _)| s != 1).map(|(&s, &t)| (s, t)).unzip();
        let mut new_strides: Strides = SmallVec::from_elem(1, new_shape.len());
        let (mut old_start, mut new_start) = (0, 0);
        while old_start < old_shape.len() && new_start < new_shape.len() {
            // Grow a group of old axes and a group of new axes until their sizes match.
            let (mut old_end, mut new_end) = (old_start + 1, new_start + 1);
            let (mut old_size, mut new_size) = (old_shape[old_start], new_shape[new_start]);
            while old_size != new_size {
                if new_size < old_size {
                    new_size *= new_shape[new_end];
                    new_end += 1;
                } else {
                    old_size *= old_shape[old_end];
                    old_end += 1;
                }
            }
            // The old group must be one contiguous run to be split differently.
            for k in old_start..old_end - 1 {
                if old_strides[k] != old_strides[k + 1] * old_shape[k + 1] as isize {
                    return None;
                }
            }
            new_strides[new_end - 1] = old_strides[old_end - 1];
            for k in (new_start + 1..new_end).rev() {
                new_strides[k - 1] = new_strides[k] * new_shape[k] as isize;
            }
            old_start = old_end;
            new_start = new_end;
        }
        Some(new_strides)
    }
}

/// The shape two operands broadcast to under NumPy rules: align trailing axes;
/// sizes must be equal or one of them 1.
pub fn broadcast_shapes(lhs: &[usize], rhs: &[usize], op: &'static str) -> Result<Shape> {
    let rank = lhs.len().max(rhs.len());
    let mut out: Shape = SmallVec::from_elem(0, rank);
    for d in 0..rank {
        let l = if d + lhs.len() >= rank { lhs[d + lhs.len() - rank] } else { 1 };
        let r = if d + rhs.len() >= rank { rhs[d + rhs.len() - rank] } else { 1 };
        out[d] = match (l, r) {
            _ if l == r => l,
            (1, _) => r,
            (_, 1) => l,
            _ => {
                return Err(TensorError::mismatch(
                    op,
                    lhs,
                    rhs,
                    format!("cannot broadcast: sizes {l} and {r} at aligned axis {d}"),
                ))
            }
        };
    }
    Ok(out)
}

/// Calls `visit` with the storage offsets of `N` same-shaped layouts, element by
/// element in row-major logical order. The workhorse of every strided op.
///
/// The innermost axis runs as a tight loop; outer axes advance like an odometer.
#[inline]
pub(crate) fn walk<const N: usize>(
    shape: &[usize],
    strides: [&[isize]; N],
    offsets: [usize; N],
    mut visit: impl FnMut([usize; N]),
) {
    if shape.contains(&0) {
        return;
    }
    let Some(last) = shape.len().checked_sub(1) else {
        visit(offsets);
        return;
    };
    let inner_len = shape[last];
    let inner_step: [isize; N] = std::array::from_fn(|k| strides[k][last]);
    let mut index: Shape = SmallVec::from_elem(0, last);
    let mut base: [isize; N] = offsets.map(|o| o as isize);
    loop {
        let mut at = base;
        for _ in 0..inner_len {
            visit(at.map(|o| o as usize));
            for k in 0..N {
                at[k] += inner_step[k];
            }
        }
        // Odometer step over the outer axes, from the second-to-last outwards.
        let mut d = last;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            for k in 0..N {
                base[k] += strides[k][d];
            }
            if index[d] < shape[d] {
                break;
            }
            for k in 0..N {
                base[k] -= strides[k][d] * shape[d] as isize;
            }
            index[d] = 0;
        }
    }
}
