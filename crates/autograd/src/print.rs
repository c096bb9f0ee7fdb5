//! Seeing the graph: the tape as a table, and as Graphviz DOT — bare, or with
//! each node's value and (after backward) its gradient, as micrograd's `draw_dot`.

use std::fmt;

use tensor::{Element, Tensor};

use crate::tape::{Gradients, Node, Tape};

fn kind<E: Element>(node: &Node<E>) -> String {
    match &node.op {
        Some(op) => op.name(),
        None if node.requires_grad => "param".into(),
        None => "constant".into(),
    }
}

/// A short text for a tensor: its elements when there are at most four, else
/// its mean and standard deviation (with the element count).
pub(crate) fn summary<E: Element>(t: &Tensor<E>) -> String {
    let values: Vec<f64> = t.iter().map(E::to_f64).collect();
    match values.len() {
        0 => "(empty)".into(),
        1 => format!("{:.4}", values[0]),
        2..=4 => format!("[{}]", values.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(", ")),
        n => {
            let mean = values.iter().sum::<f64>() / n as f64;
            let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
            format!("mean {mean:.4} std {std:.4} ({n} values)")
        }
    }
}

/// The tape with each node's value and, when given, the gradients of one
/// backward pass beside them. Made by [`Tape::annotated`]; prints as a table
/// (`Display`) and exports DOT ([`Annotated::to_dot`]).
pub struct Annotated<'a, E: Element> {
    tape: &'a Tape<E>,
    grads: Option<&'a Gradients<E>>,
}

impl<E: Element> Tape<E> {
    /// The tape with values (and gradients, if `grads` is given) shown per node.
    /// A gradient appears for every node backward kept: parameters, values
    /// marked [`keep_grad`](crate::Var::keep_grad), or all of them after
    /// [`Tape::set_keep_all_grads`].
    ///
    /// ```
    /// use autograd::Tape;
    /// use tensor::Tensor;
    ///
    /// let tape = Tape::<f64>::new();
    /// tape.set_keep_all_grads(true);
    /// let a = tape.param(Tensor::scalar(2.0)).named("a");
    /// let b = tape.param(Tensor::scalar(-3.0)).named("b");
    /// let c = (&a * &b).named("c");
    /// let grads = tape.backward(&c).unwrap();
    /// let table = tape.annotated(Some(&grads)).to_string();
    /// assert!(table.contains("-6.0000")); // c's value
    /// assert!(tape.annotated(Some(&grads)).to_dot().contains("grad -3.0000")); // ∂c/∂a = b
    /// ```
    pub fn annotated<'a>(&'a self, grads: Option<&'a Gradients<E>>) -> Annotated<'a, E> {
        Annotated { tape: self, grads }
    }

    /// The graph in Graphviz DOT: one box per node (op and shape), an arrow from
    /// each input to its op. Parameters are drawn filled. Render with
    /// `dot -Tsvg graph.dot > graph.svg`. For values and gradients in the boxes,
    /// use [`annotated`](Tape::annotated)`(Some(&grads)).to_dot()`.
    pub fn to_dot(&self) -> String {
        self.dot(|_, _| None)
    }

    /// DOT with `extra(index, node)` lines added under each box's op and shape.
    fn dot(&self, extra: impl Fn(usize, &Node<E>) -> Option<String>) -> String {
        let mut dot =
            String::from("digraph tape {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        for (i, node) in self.nodes.borrow().iter().enumerate() {
            let mut label = match &node.label {
                Some(l) => format!("#{i} {l}\\n{}\\n{:?}", kind(node), node.value.shape()),
                None => format!("#{i} {}\\n{:?}", kind(node), node.value.shape()),
            };
            if let Some(more) = extra(i, node) {
                label.push_str("\\n");
                label.push_str(&more);
            }
            let style = if node.op.is_none() && node.requires_grad {
                ", style=filled, fillcolor=lightblue"
            } else {
                ""
            };
            dot.push_str(&format!("  n{i} [label=\"{}\"{style}];\n", label.replace('"', "\\\"")));
            for p in &node.parents {
                dot.push_str(&format!("  n{p} -> n{i};\n"));
            }
        }
        dot.push_str("}\n");
        dot
    }

    /// The table, with `columns(node, index)` appended to each row after a header `extra_header`.
    fn table(
        &self,
        f: &mut fmt::Formatter<'_>,
        extra_header: &str,
        columns: impl Fn(usize, &Node<E>) -> String,
    ) -> fmt::Result {
        let header = format!(
            "{:>4}  {:<28} {:<14} {:<9} {:<18} {extra_header}",
            "#", "op", "shape", "parents", "label"
        );
        writeln!(f, "{}", header.trim_end())?;
        for (i, node) in self.nodes.borrow().iter().enumerate() {
            let parents = if node.parents.is_empty() {
                "-".to_string()
            } else {
                node.parents.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
            };
            let shape = format!("{:?}", node.value.shape());
            let line = format!(
                "{i:>4}  {:<28} {shape:<14} {parents:<9} {:<18} {}",
                kind(node),
                node.label.as_deref().unwrap_or(""),
                columns(i, node)
            );
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

impl<E: Element> fmt::Display for Tape<E> {
    /// One line per node: index, op, output shape, parents, and label if any.
    ///
    /// ```text
    ///   #  op                      shape        parents  label
    ///   0  constant                [1, 2]       -        x
    ///   1  param                   [2, 1]       -        w
    ///   2  matmul                  [1, 1]       0, 1
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.table(f, "", |_, _| String::new())
    }
}

impl<E: Element> Annotated<'_, E> {
    fn gradient_text(&self, index: usize) -> Option<String> {
        self.grads.and_then(|g| g.at(index)).map(summary)
    }

    /// DOT as [`Tape::to_dot`], each box also showing the node's value and its gradient.
    pub fn to_dot(&self) -> String {
        self.tape.dot(|i, node| {
            let value = format!("value {}", summary(&node.value));
            Some(match self.gradient_text(i) {
                Some(g) => format!("{value}\\ngrad {g}"),
                None => value,
            })
        })
    }
}

impl<E: Element> fmt::Display for Annotated<'_, E> {
    /// The tape's table with two more columns: each node's value and gradient.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = format!("{:<36} gradient", "value");
        self.tape.table(f, &header, |i, node| {
            format!("{:<36} {}", summary(&node.value), self.gradient_text(i).unwrap_or_else(|| "-".into()))
        })
    }
}
