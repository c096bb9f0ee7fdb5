//! The activation functions the paper compares (sigmoid, tanh, softsign), the
//! rectifiers and the identity — each defined **once**, here: its function f and
//! its derivative f', side by side. The tape's op, `nn::Activation`, the probes'
//! layer Jacobians and the studies all use these definitions.
//!
//! Every backward is ∂C/∂s = ∂C/∂z · f'(s): the f'(s) factor of the paper's
//! eq. 2, the one that makes saturated units pass no gradient. Some derivatives
//! are cheapest in terms of the output z = f(s) (sigmoid: z(1 − z), tanh:
//! 1 − z²), the others in terms of the input s; [`SlopeFrom`] says which, so
//! backward reads the tensor it needs and recomputes nothing.

use tensor::{Element, Tensor};

use super::chain;
use crate::op::{BackwardContext, InputGrads, Op};
use crate::tape::Var;
use smallvec::smallvec;

/// Which value an activation's derivative is written in terms of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeFrom {
    /// f' as a function of the input s.
    Input,
    /// f' as a function of the output z = f(s).
    Output,
}

/// An element-wise activation z = f(s) and its derivative.
pub trait ActivationFn<E: Element>: Copy + 'static {
    /// Short name printed in the tape, e.g. `"tanh"`.
    fn name(&self) -> String;
    /// f(s) for one value.
    fn f(&self, s: E) -> E;
    /// What [`slope`](Self::slope) takes: s or z.
    fn slope_from(&self) -> SlopeFrom;
    /// f'(s), written in terms of s or of z = f(s) as [`slope_from`](Self::slope_from) says.
    fn slope(&self, at: E) -> E;

    /// f over a tensor (a type may override it with a faster whole-tensor version).
    fn forward(&self, s: &Tensor<E>) -> Tensor<E> {
        s.map(|v| self.f(v))
    }

    /// f'(s) for one value s.
    fn derivative_at(&self, s: E) -> E {
        match self.slope_from() {
            SlopeFrom::Input => self.slope(s),
            SlopeFrom::Output => self.slope(self.f(s)),
        }
    }

    /// f'(s) element-wise (e.g. for the layer Jacobians diag(f'(s))·W).
    fn derivative(&self, s: &Tensor<E>) -> Tensor<E> {
        s.map(|v| self.derivative_at(v))
    }
}

/// z = σ(s) = 1/(1+e^−s). f'(s) = σ(s)(1 − σ(s)) = z(1 − z), at most 1/4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sigmoid;

impl<E: Element> ActivationFn<E> for Sigmoid {
    fn name(&self) -> String {
        "sigmoid".into()
    }
    fn f(&self, s: E) -> E {
        tensor::sigmoid(s)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Output
    }
    fn slope(&self, z: E) -> E {
        z * (E::ONE - z)
    }
}

/// z = tanh(s). f'(s) = 1 − tanh²(s) = 1 − z².
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tanh;

impl<E: Element> ActivationFn<E> for Tanh {
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
    fn slope(&self, z: E) -> E {
        E::ONE - z * z
    }
}

/// z = s/(1+|s|). f'(s) = 1/(1+|s|)²: the tails decay polynomially, not exponentially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Softsign;

impl<E: Element> ActivationFn<E> for Softsign {
    fn name(&self) -> String {
        "softsign".into()
    }
    fn f(&self, s: E) -> E {
        tensor::softsign(s)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope(&self, s: E) -> E {
        let d = E::ONE + s.abs();
        E::ONE / (d * d)
    }
}

/// z = max(s, 0). f'(s) = 1 for s > 0, else 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relu;

impl<E: Element> ActivationFn<E> for Relu {
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
    fn slope(&self, s: E) -> E {
        if s > E::ZERO {
            E::ONE
        } else {
            E::ZERO
        }
    }
}

/// z = s for s > 0, slope·s otherwise. f'(s) = 1 or slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu<E>(pub E);

impl<E: Element> ActivationFn<E> for LeakyRelu<E> {
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
    fn slope(&self, s: E) -> E {
        if s > E::ZERO {
            E::ONE
        } else {
            self.0
        }
    }
}

/// z = s (a linear layer's output, e.g. logits before a softmax). f'(s) = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity;

impl<E: Element> ActivationFn<E> for Identity {
    fn name(&self) -> String {
        "identity".into()
    }
    fn f(&self, s: E) -> E {
        s
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope(&self, _s: E) -> E {
        E::ONE
    }
}

/// The tape's op for any activation: forward is f, backward multiplies ∂C/∂z by
/// f' read from the input or the output, whichever the activation is written in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationOp<A>(pub A);

impl<E: Element, A: ActivationFn<E>> Op<E> for ActivationOp<A> {
    fn name(&self) -> String {
        self.0.name()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(self.0.forward(x[0]))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let at = match self.0.slope_from() {
            SlopeFrom::Input => ctx.input(0),
            SlopeFrom::Output => ctx.output,
        };
        let activation = self.0;
        smallvec![Some(chain(ctx.grad_output, at, move |v| activation.slope(v)))]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Applies an activation, recording it on the tape.
    #[track_caller]
    pub fn activate<A: ActivationFn<E>>(&self, activation: A) -> Var<'t, E> {
        self.apply(ActivationOp(activation))
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
