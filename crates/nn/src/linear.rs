//! A fully connected layer s = z·W + b.

use autograd::{Tape, Var};
use tensor::{Element, Tensor, TensorRng};

use crate::init::Init;

/// A fully connected layer, stored as the paper writes it: s = z·W + b with z a
/// row vector (one example per row of a batch), so W is `[n_in, n_out]` and
/// b is `[n_out]`. (PyTorch stores the transpose, `[n_out, n_in]`.)
#[derive(Debug, Clone, PartialEq)]
pub struct Linear<E: Element> {
    /// Weights, `[n_in, n_out]`.
    pub weight: Tensor<E>,
    /// Biases, `[n_out]`.
    pub bias: Tensor<E>,
}

impl<E: Element> Linear<E> {
    /// A layer with weights from `init` and biases from `bias_init`, drawn from `rng`.
    pub fn new(n_in: usize, n_out: usize, init: Init, bias_init: Init, rng: &mut TensorRng) -> Self {
        Linear {
            weight: init.sample(&[n_in, n_out], n_in, n_out, rng),
            bias: bias_init.sample(&[n_out], n_in, n_out, rng),
        }
    }

    /// Input width.
    pub fn n_in(&self) -> usize {
        self.weight.shape()[0]
    }

    /// Output width.
    pub fn n_out(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Puts the parameters on `tape` as leaves that need gradients.
    pub fn on<'t>(&self, tape: &'t Tape<E>) -> BoundLinear<'t, E> {
        BoundLinear { weight: tape.param(self.weight.clone()), bias: tape.param(self.bias.clone()) }
    }
}

/// A [`Linear`] layer's parameters as values on a tape.
#[derive(Clone)]
pub struct BoundLinear<'t, E: Element> {
    /// W on the tape.
    pub weight: Var<'t, E>,
    /// b on the tape.
    pub bias: Var<'t, E>,
}

impl<'t, E: Element> BoundLinear<'t, E> {
    /// s = x·W + b for a batch `x` of shape `[batch, n_in]`.
    #[track_caller]
    pub fn forward(&self, x: &Var<'t, E>) -> Var<'t, E> {
        &x.matmul(&self.weight) + &self.bias
    }
}
