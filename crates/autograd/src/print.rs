//! Seeing the graph: the tape as a table, and as Graphviz DOT.

use std::fmt;

use tensor::Element;

use crate::tape::{Node, Tape};

fn kind<E: Element>(node: &Node<E>) -> String {
    match &node.op {
        Some(op) => op.name(),
        None if node.requires_grad => "param".into(),
        None => "constant".into(),
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
        writeln!(f, "{:>4}  {:<28} {:<14} {:<9} label", "#", "op", "shape", "parents")?;
        for (i, node) in self.nodes.borrow().iter().enumerate() {
            let parents = if node.parents.is_empty() {
                "-".to_string()
            } else {
                node.parents.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
            };
            let shape = format!("{:?}", node.value.shape());
            writeln!(
                f,
                "{i:>4}  {:<28} {shape:<14} {parents:<9} {}",
                kind(node),
                node.label.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

impl<E: Element> Tape<E> {
    /// The graph in Graphviz DOT: one box per node (op and shape), an arrow from
    /// each input to its op. Parameters are drawn filled. Render with
    /// `dot -Tsvg graph.dot > graph.svg`.
    pub fn to_dot(&self) -> String {
        let mut dot =
            String::from("digraph tape {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        for (i, node) in self.nodes.borrow().iter().enumerate() {
            let label = match &node.label {
                Some(l) => format!("#{i} {l}\\n{}\\n{:?}", kind(node), node.value.shape()),
                None => format!("#{i} {}\\n{:?}", kind(node), node.value.shape()),
            };
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
}
