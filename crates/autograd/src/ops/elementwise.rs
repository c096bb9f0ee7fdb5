//! Element-wise functions y = f(x), each defined once by its f and its f'.
//!
//! Backward is ∂C/∂x = ∂C/∂y · f'(x). Some derivatives are cheapest in terms of
//! the output y = f(x) (sigmoid: y(1 − y), tanh: 1 − y², exp: y), the others in
//! terms of the input x; [`SlopeFrom`] says which, so backward reads the tensor it
//! needs and recomputes nothing.
//!
//! f' is written as a formula generic over [`Arith`], so it runs on one number at
//! a time inside a single fused loop in ordinary backward, and on recorded values
//! when the gradient must be differentiated again — its own derivative (f'') then
//! comes from the ops the formula records, with no second formula to write.
//! The activations are in [`activation`](super::activation), exp, ln, powers and
//! the rest in [`unary`](super::unary).

use tensor::{Arith, Element, Tensor};

use crate::backward_through_vjp;
use crate::op::{BackwardContext, Grads, Op};
use crate::operand::Operand;
use smallvec::smallvec;

/// Which value an element-wise function's derivative is written in terms of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeFrom {
    /// f' as a function of the input x.
    Input,
    /// f' as a function of the output y = f(x).
    Output,
}

/// An element-wise function y = f(x) and its derivative. `Sync`, because a pass
/// over a long tensor is split over threads (`tensor::set_threads`).
pub trait ElementwiseFn<E: Element>: Copy + Sync + 'static {
    /// Short name printed in the tape, e.g. `"tanh"`.
    fn name(&self) -> String;
    /// f(x) for one value.
    fn f(&self, x: E) -> E;
    /// What [`slope`](Self::slope) takes: x or y.
    fn slope_from(&self) -> SlopeFrom;
    /// f'(x), written in terms of x or of y = f(x) as [`slope_from`](Self::slope_from)
    /// says, for a number or for many (a tensor, a recorded value).
    fn slope<X: Arith<E>>(&self, at: &X) -> X;

    /// f over a tensor (a type may override it with a faster whole-tensor version).
    fn forward(&self, x: &Tensor<E>) -> Tensor<E> {
        x.map(|v| self.f(v))
    }

    /// f'(x) for one value x.
    fn derivative_at(&self, x: E) -> E {
        match self.slope_from() {
            SlopeFrom::Input => self.slope(&x),
            SlopeFrom::Output => self.slope(&self.f(x)),
        }
    }

    /// f'(x) element-wise (e.g. for the layer Jacobians diag(f'(s))·W).
    fn derivative(&self, x: &Tensor<E>) -> Tensor<E> {
        x.map(|v| self.derivative_at(v))
    }
}

/// The tape's op for any element-wise function: forward is f, backward
/// multiplies ∂C/∂y by f' read from the input or the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElementwiseOp<F>(pub F);

impl<E: Element, F: ElementwiseFn<E>> Op<E> for ElementwiseOp<F> {
    fn name(&self) -> String {
        self.0.name()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(self.0.forward(x[0]))
    }
    backward_through_vjp!();
}

impl<F> ElementwiseOp<F> {
    /// ∂C/∂x = ∂C/∂y ⊙ f'(x).
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T>
    where
        F: ElementwiseFn<E>,
    {
        let at = match self.0.slope_from() {
            SlopeFrom::Input => ctx.input(0),
            SlopeFrom::Output => ctx.output,
        };
        smallvec![Some(ctx.grad_output.chain(at, &self.0))]
    }
}
