//! The networks the paper compares: an activation, an initialization and a depth.

use nn::{Activation, Init};
use serde::{Deserialize, Serialize};

/// One of the paper's network types (a row of Table 1, a curve of Fig. 11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The paper's name: "Tanh", "Tanh N" (normalized init), "Sigmoid depth 4", ...
    pub name: String,
    /// Hidden activation.
    pub activation: Activation,
    /// Weight initialization of every layer.
    pub init: Init,
    /// Number of hidden layers.
    pub depth: usize,
}

impl Model {
    fn new(name: &str, activation: Activation, init: Init, depth: usize) -> Self {
        Model { name: name.to_string(), activation, init, depth }
    }

    /// A file-name-safe key, e.g. `tanh-n-d5`.
    pub fn key(&self) -> String {
        let init = if self.init == Init::Normalized { "-n" } else { "" };
        format!("{}{init}-d{}", self.activation.name(), self.depth)
    }

    /// Layer widths for this model with `width` hidden units.
    pub fn widths(&self, inputs: usize, width: usize, classes: usize) -> Vec<usize> {
        [vec![inputs], vec![width; self.depth], vec![classes]].concat()
    }
}

/// The Shapeset-3x2 models of Fig. 11 (and the Shapeset column of Table 1), in
/// the figure's legend order: Sigmoid depth 5 and 4, Tanh, Softsign, Softsign N, Tanh N.
pub fn shapeset_models() -> Vec<Model> {
    vec![
        Model::new("Sigmoid depth 5", Activation::Sigmoid, Init::Standard, 5),
        Model::new("Sigmoid depth 4", Activation::Sigmoid, Init::Standard, 4),
        Model::new("Tanh", Activation::Tanh, Init::Standard, 5),
        Model::new("Softsign", Activation::Softsign, Init::Standard, 5),
        Model::new("Softsign N", Activation::Softsign, Init::Normalized, 5),
        Model::new("Tanh N", Activation::Tanh, Init::Normalized, 5),
    ]
}

/// The models of Table 1's image columns and Fig. 12 (depth 5).
pub fn image_models() -> Vec<Model> {
    vec![
        Model::new("Softsign", Activation::Softsign, Init::Standard, 5),
        Model::new("Softsign N", Activation::Softsign, Init::Normalized, 5),
        Model::new("Tanh", Activation::Tanh, Init::Standard, 5),
        Model::new("Tanh N", Activation::Tanh, Init::Normalized, 5),
        Model::new("Sigmoid", Activation::Sigmoid, Init::Standard, 5),
    ]
}
