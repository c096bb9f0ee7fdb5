//! The activation functions the paper compares (sigmoid, tanh, softsign) and the
//! rectifiers. Each backward is ∂C/∂s = ∂C/∂z · f'(s): the f'(s) factor of the
//! paper's eq. 2, the one that makes saturated units pass no gradient.

use tensor::{Element, Tensor};

use super::chain;
use crate::op::{BackwardContext, InputGrads, Op};
use crate::tape::Var;
use smallvec::smallvec;

/// z = σ(s) = 1/(1+e^−s). f'(s) = σ(s)(1 − σ(s)) = z(1 − z), at most 1/4.
pub struct SigmoidOp;

impl<E: Element> Op<E> for SigmoidOp {
    fn name(&self) -> String {
        "sigmoid".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].sigmoid())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(chain(ctx.grad_output, ctx.output, |z| z * (E::ONE - z)))]
    }
}

/// z = tanh(s). f'(s) = 1 − tanh²(s) = 1 − z².
pub struct TanhOp;

impl<E: Element> Op<E> for TanhOp {
    fn name(&self) -> String {
        "tanh".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].tanh())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(chain(ctx.grad_output, ctx.output, |z| E::ONE - z * z))]
    }
}

/// z = s/(1+|s|). f'(s) = 1/(1+|s|)²: the tails decay polynomially, not exponentially.
pub struct SoftsignOp;

impl<E: Element> Op<E> for SoftsignOp {
    fn name(&self) -> String {
        "softsign".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].softsign())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(chain(ctx.grad_output, ctx.input(0), |s| {
            let d = E::ONE + s.abs();
            E::ONE / (d * d)
        }))]
    }
}

/// z = max(s, 0). f'(s) = 1 for s > 0, else 0.
pub struct ReluOp;

impl<E: Element> Op<E> for ReluOp {
    fn name(&self) -> String {
        "relu".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].relu())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(chain(ctx.grad_output, ctx.input(0), |s| if s > E::ZERO { E::ONE } else { E::ZERO }))]
    }
}

/// z = s for s > 0, slope·s otherwise. f'(s) = 1 or slope.
pub struct LeakyReluOp<E>(pub E);

impl<E: Element> Op<E> for LeakyReluOp<E> {
    fn name(&self) -> String {
        format!("leaky_relu({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].leaky_relu(self.0))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let slope = self.0;
        smallvec![Some(chain(ctx.grad_output, ctx.input(0), |s| if s > E::ZERO { E::ONE } else { slope }))]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Logistic sigmoid.
    pub fn sigmoid(&self) -> Var<'t, E> {
        self.apply(SigmoidOp)
    }
    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Var<'t, E> {
        self.apply(TanhOp)
    }
    /// Softsign x/(1+|x|).
    pub fn softsign(&self) -> Var<'t, E> {
        self.apply(SoftsignOp)
    }
    /// Rectified linear unit.
    pub fn relu(&self) -> Var<'t, E> {
        self.apply(ReluOp)
    }
    /// Leaky rectifier with the given negative slope.
    pub fn leaky_relu(&self, slope: E) -> Var<'t, E> {
        self.apply(LeakyReluOp(slope))
    }
}
