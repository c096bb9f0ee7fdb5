//! Element-wise functions: exp, ln, sqrt, abs, clamp.
//!
//! Each backward is ∂C/∂x = ∂C/∂y · f'(x), with f' written next to f.

use tensor::{Element, Tensor};

use super::chain;
use crate::op::{BackwardContext, InputGrads, Op};
use crate::tape::Var;
use smallvec::smallvec;

/// y = eˣ. f'(x) = eˣ = y.
pub struct ExpOp;

impl<E: Element> Op<E> for ExpOp {
    fn name(&self) -> String {
        "exp".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].exp())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(chain(ctx.grad_output, ctx.output, |y| y))]
    }
}

/// y = ln x. f'(x) = 1/x.
pub struct LnOp;

impl<E: Element> Op<E> for LnOp {
    fn name(&self) -> String {
        "ln".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].ln())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(chain(ctx.grad_output, ctx.input(0), |x| E::ONE / x))]
    }
}

/// y = √x. f'(x) = 1/(2√x) = 1/(2y).
pub struct SqrtOp;

impl<E: Element> Op<E> for SqrtOp {
    fn name(&self) -> String {
        "sqrt".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].sqrt())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let two = E::from_f64(2.0);
        smallvec![Some(chain(ctx.grad_output, ctx.output, |y| E::ONE / (two * y)))]
    }
}

/// y = |x|. f'(x) = sign(x) (0 at the kink x = 0, as PyTorch).
pub struct AbsOp;

impl<E: Element> Op<E> for AbsOp {
    fn name(&self) -> String {
        "abs".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].abs())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let sign = |x: E| {
            if x > E::ZERO {
                E::ONE
            } else if x < E::ZERO {
                -E::ONE
            } else {
                E::ZERO
            }
        };
        smallvec![Some(chain(ctx.grad_output, ctx.input(0), sign))]
    }
}

/// y = min(max(x, low), high). f'(x) = 1 inside [low, high], 0 outside.
pub struct ClampOp<E> {
    /// Lower bound.
    pub low: E,
    /// Upper bound.
    pub high: E,
}

impl<E: Element> Op<E> for ClampOp<E> {
    fn name(&self) -> String {
        format!("clamp({}, {})", self.low, self.high)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].clamp(self.low, self.high))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let (low, high) = (self.low, self.high);
        smallvec![Some(chain(ctx.grad_output, ctx.input(0), |x| if x >= low && x <= high {
            E::ONE
        } else {
            E::ZERO
        },))]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// eˣ.
    #[track_caller]
    pub fn exp(&self) -> Var<'t, E> {
        self.apply(ExpOp)
    }
    /// Natural logarithm.
    #[track_caller]
    pub fn ln(&self) -> Var<'t, E> {
        self.apply(LnOp)
    }
    /// Square root.
    #[track_caller]
    pub fn sqrt(&self) -> Var<'t, E> {
        self.apply(SqrtOp)
    }
    /// |x|.
    #[track_caller]
    pub fn abs(&self) -> Var<'t, E> {
        self.apply(AbsOp)
    }
    /// Limits every element to `[low, high]`.
    #[track_caller]
    pub fn clamp(&self, low: E, high: E) -> Var<'t, E> {
        self.apply(ClampOp { low, high })
    }
}
