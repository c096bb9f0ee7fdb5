//! The networks the paper compares: an activation, an initialization and a depth.

use nn::{Activation, Init};
use serde::{Deserialize, Serialize};

/// The paper's network types, by name (a row of Table 1, a curve of Fig. 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ModelId {
    /// Sigmoid, standard init, 5 hidden layers ("Sigmoid" on image data).
    SigmoidDepth5,
    /// Sigmoid, standard init, 4 hidden layers.
    SigmoidDepth4,
    /// Tanh, standard init (eq. 1).
    Tanh,
    /// Softsign, standard init.
    Softsign,
    /// Softsign, normalized init (eq. 16).
    SoftsignN,
    /// Tanh, normalized init.
    TanhN,
}

impl ModelId {
    /// Activation, initialization and depth of this network type.
    fn parts(self) -> (Activation, Init, usize) {
        match self {
            ModelId::SigmoidDepth5 => (Activation::Sigmoid, Init::Standard, 5),
            ModelId::SigmoidDepth4 => (Activation::Sigmoid, Init::Standard, 4),
            ModelId::Tanh => (Activation::Tanh, Init::Standard, 5),
            ModelId::Softsign => (Activation::Softsign, Init::Standard, 5),
            ModelId::SoftsignN => (Activation::Softsign, Init::Normalized, 5),
            ModelId::TanhN => (Activation::Tanh, Init::Normalized, 5),
        }
    }

    /// The paper's name. On image data every network has depth 5, and the
    /// paper calls the sigmoid one just "Sigmoid".
    pub fn name(self, on_images: bool) -> &'static str {
        match self {
            ModelId::SigmoidDepth5 if on_images => "Sigmoid",
            ModelId::SigmoidDepth5 => "Sigmoid depth 5",
            ModelId::SigmoidDepth4 => "Sigmoid depth 4",
            ModelId::Tanh => "Tanh",
            ModelId::Softsign => "Softsign",
            ModelId::SoftsignN => "Softsign N",
            ModelId::TanhN => "Tanh N",
        }
    }

    /// The network whose [`Model::key`] on Shapeset is `key` (`tanh-n-d5`, `sigmoid-d4`).
    pub fn from_key(key: &str) -> Option<ModelId> {
        SHAPESET_MODELS.into_iter().find(|m| m.model(false).key() == key)
    }

    /// True for the sigmoid networks.
    pub fn is_sigmoid(self) -> bool {
        matches!(self, ModelId::SigmoidDepth5 | ModelId::SigmoidDepth4)
    }

    /// The network, named as on Shapeset or on image data.
    pub fn model(self, on_images: bool) -> Model {
        let (activation, init, depth) = self.parts();
        Model { name: self.name(on_images).to_string(), activation, init, depth }
    }
}

/// One of the paper's network types, as saved in a run's part files.
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
    /// Which of the paper's network types this is (`None` for another network).
    pub fn id(&self) -> Option<ModelId> {
        SHAPESET_MODELS.into_iter().find(|id| id.parts() == (self.activation, self.init, self.depth))
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
/// the figure's legend order.
pub const SHAPESET_MODELS: [ModelId; 6] = [
    ModelId::SigmoidDepth5,
    ModelId::SigmoidDepth4,
    ModelId::Tanh,
    ModelId::Softsign,
    ModelId::SoftsignN,
    ModelId::TanhN,
];

/// The models of Table 1's image columns and Fig. 12 (all depth 5), in the table's order.
pub const IMAGE_MODELS: [ModelId; 5] =
    [ModelId::Softsign, ModelId::SoftsignN, ModelId::Tanh, ModelId::TanhN, ModelId::SigmoidDepth5];

/// The Shapeset models as networks.
pub fn shapeset_models() -> Vec<Model> {
    SHAPESET_MODELS.iter().map(|id| id.model(false)).collect()
}

/// The image-data models as networks.
pub fn image_models() -> Vec<Model> {
    IMAGE_MODELS.iter().map(|id| id.model(true)).collect()
}
