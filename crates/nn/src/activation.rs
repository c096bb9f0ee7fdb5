//! The hidden-unit nonlinearities the paper compares, and the rectifiers, as a
//! value a model can hold. Their f and f' are defined once, in
//! `autograd::ops::activation`; this enum names them and dispatches.

use autograd::ops::activation::{ElementwiseFn, Identity, LeakyRelu, Relu, Sigmoid, Softsign, Tanh};
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

/// Runs `$body` with `$f` bound to the [`ElementwiseFn`] that defines `$activation`.
macro_rules! with_definition {
    ($activation:expr, $f:ident => $body:expr) => {
        match $activation {
            Activation::Sigmoid => {
                let $f = Sigmoid;
                $body
            }
            Activation::Tanh => {
                let $f = Tanh;
                $body
            }
            Activation::Softsign => {
                let $f = Softsign;
                $body
            }
            Activation::Relu => {
                let $f = Relu;
                $body
            }
            Activation::LeakyRelu(slope) => {
                let $f = LeakyRelu(E::from_f64(slope));
                $body
            }
            Activation::Identity => {
                let $f = Identity;
                $body
            }
        }
    };
}

impl Activation {
    /// Applies f on the tape. (The identity records nothing: it returns `s`.)
    pub fn apply<'t, E: Element>(&self, s: &Var<'t, E>) -> Var<'t, E> {
        if *self == Activation::Identity {
            return s.clone();
        }
        with_definition!(*self, f => s.activate(f))
    }

    /// f(s) element-wise, without a tape.
    pub fn forward<E: Element>(&self, s: &Tensor<E>) -> Tensor<E> {
        with_definition!(*self, f => f.forward(s))
    }

    /// f'(s), element-wise (for the layer Jacobians diag(f'(s))·W).
    pub fn derivative<E: Element>(&self, s: &Tensor<E>) -> Tensor<E> {
        with_definition!(*self, f => f.derivative(s))
    }

    /// f'(s) at one value s.
    pub fn derivative_at<E: Element>(&self, s: E) -> E {
        with_definition!(*self, f => f.derivative_at(s))
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
