//! The hidden-unit nonlinearities the paper compares, and the rectifiers.

use autograd::Var;
use serde::{Deserialize, Serialize};
use tensor::{Element, Tensor};

/// An element-wise activation function f, applied as z = f(s).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Activation {
    /// 1/(1+e^−s), range (0, 1).
    Sigmoid,
    /// tanh(s), range (−1, 1).
    Tanh,
    /// s/(1+|s|), range (−1, 1), polynomial tails (Bergstra et al. 2009).
    Softsign,
    /// max(s, 0).
    Relu,
    /// s for s > 0, slope·s otherwise.
    LeakyRelu(f64),
    /// s (a linear layer; the output layer before softmax).
    Identity,
}

impl Activation {
    /// Applies f on the tape.
    pub fn apply<'t, E: Element>(&self, s: &Var<'t, E>) -> Var<'t, E> {
        match *self {
            Activation::Sigmoid => s.sigmoid(),
            Activation::Tanh => s.tanh(),
            Activation::Softsign => s.softsign(),
            Activation::Relu => s.relu(),
            Activation::LeakyRelu(slope) => s.leaky_relu(E::from_f64(slope)),
            Activation::Identity => s.clone(),
        }
    }

    /// f'(s), element-wise (for the layer Jacobians diag(f'(s))·W).
    pub fn derivative<E: Element>(&self, s: &Tensor<E>) -> Tensor<E> {
        match *self {
            Activation::Sigmoid => s.map(|v| {
                let z = tensor::sigmoid(v);
                z * (E::ONE - z)
            }),
            Activation::Tanh => s.map(|v| {
                let z = v.tanh();
                E::ONE - z * z
            }),
            Activation::Softsign => s.map(|v| {
                let d = E::ONE + v.abs();
                E::ONE / (d * d)
            }),
            Activation::Relu => s.map(|v| if v > E::ZERO { E::ONE } else { E::ZERO }),
            Activation::LeakyRelu(slope) => s.map(|v| if v > E::ZERO { E::ONE } else { E::from_f64(slope) }),
            Activation::Identity => s.map(|_| E::ONE),
        }
    }

    /// The range the outputs live in, where it is bounded (for histograms).
    pub fn output_range(&self) -> Option<(f64, f64)> {
        match self {
            Activation::Sigmoid => Some((0.0, 1.0)),
            Activation::Tanh | Activation::Softsign => Some((-1.0, 1.0)),
            _ => None,
        }
    }

    /// Lower-case name, as used in reports and file names.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softsign => "softsign",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
            Activation::Identity => "identity",
        }
    }
}
