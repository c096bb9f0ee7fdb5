//! The activation functions the paper compares (sigmoid, tanh, softsign), the
//! rectifiers and the identity — each defined **once**, here: its function f and
//! its derivative f', side by side. The tape's op, `nn::Activation`, the probes'
//! layer Jacobians and the studies all use these definitions.
//!
//! Every backward is ∂C/∂s = ∂C/∂z · f'(s): the f'(s) factor of the paper's
//! eq. 2, the one that makes saturated units pass no gradient. How f' is written
//! (in terms of s or of z, generic over numbers and recorded values) is explained
//! in [`elementwise`](super::elementwise).

use tensor::{Arith, Element, Tensor};

use super::elementwise::ElementwiseOp;
pub use super::elementwise::{ElementwiseFn, SlopeFrom};
use crate::tape::Var;

/// z = σ(s) = 1/(1+e^−s). f'(s) = σ(s)(1 − σ(s)) = z(1 − z), at most 1/4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sigmoid;

impl<E: Element> ElementwiseFn<E> for Sigmoid {
    fn name(&self) -> String {
        "sigmoid".into()
    }
    fn f(&self, s: E) -> E {
        tensor::sigmoid(s)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Output
    }
    fn slope<X: Arith<E>>(&self, z: &X) -> X {
        z.mul(&z.subtracted_from(E::ONE))
    }
}

/// z = tanh(s). f'(s) = 1 − tanh²(s) = 1 − z².
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tanh;

impl<E: Element> ElementwiseFn<E> for Tanh {
    fn name(&self) -> String {
        "tanh".into()
    }
    fn f(&self, s: E) -> E {
        s.tanh()
    }
    /// The tensor crate's tanh, vectorized for f32.
    fn forward(&self, s: &Tensor<E>) -> Tensor<E> {
        s.tanh()
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Output
    }
    fn slope<X: Arith<E>>(&self, z: &X) -> X {
        z.mul(z).subtracted_from(E::ONE)
    }
}

/// z = s/(1+|s|). f'(s) = 1/(1+|s|)²: the tails decay polynomially, not exponentially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Softsign;

impl<E: Element> ElementwiseFn<E> for Softsign {
    fn name(&self) -> String {
        "softsign".into()
    }
    fn f(&self, s: E) -> E {
        tensor::softsign(s)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, s: &X) -> X {
        s.abs().add_scalar(E::ONE).powi(-2)
    }
}

/// z = max(s, 0). f'(s) = 1 for s > 0, else 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relu;

impl<E: Element> ElementwiseFn<E> for Relu {
    fn name(&self) -> String {
        "relu".into()
    }
    fn f(&self, s: E) -> E {
        if s > E::ZERO {
            s
        } else {
            E::ZERO
        }
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, s: &X) -> X {
        s.piecewise_constant(|s| if s > E::ZERO { E::ONE } else { E::ZERO })
    }
}

/// z = s for s > 0, slope·s otherwise. f'(s) = 1 or slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu<E>(pub E);

impl<E: Element> ElementwiseFn<E> for LeakyRelu<E> {
    fn name(&self) -> String {
        format!("leaky_relu({})", self.0)
    }
    fn f(&self, s: E) -> E {
        if s > E::ZERO {
            s
        } else {
            self.0 * s
        }
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, s: &X) -> X {
        let leak = self.0;
        s.piecewise_constant(|s| if s > E::ZERO { E::ONE } else { leak })
    }
}

/// z = s (a linear layer's output, e.g. logits before a softmax). f'(s) = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity;

impl<E: Element> ElementwiseFn<E> for Identity {
    fn name(&self) -> String {
        "identity".into()
    }
    fn f(&self, s: E) -> E {
        s
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, s: &X) -> X {
        s.piecewise_constant(|_| E::ONE)
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Applies an activation, recording it on the tape.
    #[track_caller]
    pub fn activate<A: ElementwiseFn<E>>(&self, activation: A) -> Var<'t, E> {
        self.apply(ElementwiseOp(activation))
    }
    /// Logistic sigmoid.
    #[track_caller]
    pub fn sigmoid(&self) -> Var<'t, E> {
        self.activate(Sigmoid)
    }
    /// Hyperbolic tangent.
    #[track_caller]
    pub fn tanh(&self) -> Var<'t, E> {
        self.activate(Tanh)
    }
    /// Softsign x/(1+|x|).
    #[track_caller]
    pub fn softsign(&self) -> Var<'t, E> {
        self.activate(Softsign)
    }
    /// Rectified linear unit.
    #[track_caller]
    pub fn relu(&self) -> Var<'t, E> {
        self.activate(Relu)
    }
    /// Leaky rectifier with the given negative slope.
    #[track_caller]
    pub fn leaky_relu(&self, slope: E) -> Var<'t, E> {
        self.activate(LeakyRelu(slope))
    }
}
