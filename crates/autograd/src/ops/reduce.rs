//! Reductions: sum, mean and max over axes.
//!
//! Backward spreads each output's gradient back over the elements it summarised:
//! all of them equally for sum (and mean, divided by the count), only the
//! maximal ones for max.

use tensor::{Axes, Element, Tensor};

use crate::error::{or_panic, Result};
use crate::op::{BackwardContext, InputGrads, Op};
use crate::tape::Var;
use smallvec::smallvec;

/// The gradient of a reduced output, reshaped with the reduced axes kept as size 1
/// and broadcast back to the input's shape.
fn spread<E: Element>(grad: &Tensor<E>, input: &Tensor<E>, axes: &[usize]) -> Tensor<E> {
    let kept: Vec<usize> =
        input.shape().iter().enumerate().map(|(d, &n)| if axes.contains(&d) { 1 } else { n }).collect();
    grad.reshape(&kept).broadcast_to(input.shape())
}

/// Σ over `axes`. ∂/∂xᵢ = 1 for every summed element.
pub struct SumOp {
    /// The reduced axes.
    pub axes: Vec<usize>,
    /// Whether the reduced axes stay as size 1.
    pub keepdim: bool,
}

impl<E: Element> Op<E> for SumOp {
    fn name(&self) -> String {
        format!("sum(axes={:?})", self.axes)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_sum(&self.axes, self.keepdim)
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(spread(ctx.grad_output, ctx.input(0), &self.axes))]
    }
}

/// Mean over `axes`. ∂/∂xᵢ = 1/n for each of the n averaged elements.
pub struct MeanOp {
    /// The reduced axes.
    pub axes: Vec<usize>,
    /// Whether the reduced axes stay as size 1.
    pub keepdim: bool,
}

impl<E: Element> Op<E> for MeanOp {
    fn name(&self) -> String {
        format!("mean(axes={:?})", self.axes)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_mean(&self.axes, self.keepdim)
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let input = ctx.input(0);
        let count: usize = self.axes.iter().map(|&a| input.shape()[a]).product();
        smallvec![Some(spread(ctx.grad_output, input, &self.axes) * (E::ONE / E::from_usize(count)))]
    }
}

/// Max over `axes`. ∂/∂xᵢ = 1 where xᵢ is the maximum (shared equally among
/// ties), 0 elsewhere.
pub struct MaxOp {
    /// The reduced axes.
    pub axes: Vec<usize>,
    /// Whether the reduced axes stay as size 1.
    pub keepdim: bool,
}

impl<E: Element> Op<E> for MaxOp {
    fn name(&self) -> String {
        format!("max(axes={:?})", self.axes)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_max(&self.axes, self.keepdim)
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let input = ctx.input(0);
        let is_max = input.equal(&spread(ctx.output, input, &self.axes));
        let ties = spread(&is_max.sum(&self.axes, self.keepdim), input, &self.axes);
        let grad = spread(ctx.grad_output, input, &self.axes);
        smallvec![Some(&(&is_max * &grad) / &ties)]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Sum over `axes` (negative ones count from the back).
    #[track_caller]
    pub fn try_sum(&self, axes: impl Axes, keepdim: bool) -> Result<Var<'t, E>> {
        let axes = axes.resolve("sum", self.shape())?.to_vec();
        self.tape.apply(SumOp { axes, keepdim }, &[self])
    }
    /// Sum over `axes`; panics on a bad axis.
    #[track_caller]
    pub fn sum(&self, axes: impl Axes, keepdim: bool) -> Var<'t, E> {
        or_panic(self.try_sum(axes, keepdim))
    }
    /// Mean over `axes` (negative ones count from the back).
    #[track_caller]
    pub fn try_mean(&self, axes: impl Axes, keepdim: bool) -> Result<Var<'t, E>> {
        let axes = axes.resolve("mean", self.shape())?.to_vec();
        self.tape.apply(MeanOp { axes, keepdim }, &[self])
    }
    /// Mean over `axes`; panics on a bad axis.
    #[track_caller]
    pub fn mean(&self, axes: impl Axes, keepdim: bool) -> Var<'t, E> {
        or_panic(self.try_mean(axes, keepdim))
    }
    /// Maximum over `axes` (negative ones count from the back).
    #[track_caller]
    pub fn try_max(&self, axes: impl Axes, keepdim: bool) -> Result<Var<'t, E>> {
        let axes = axes.resolve("max", self.shape())?.to_vec();
        self.tape.apply(MaxOp { axes, keepdim }, &[self])
    }
    /// Maximum over `axes`; panics on a bad or empty axis.
    #[track_caller]
    pub fn max(&self, axes: impl Axes, keepdim: bool) -> Var<'t, E> {
        or_panic(self.try_max(axes, keepdim))
    }
    /// Sum of all elements, as a 0-d value.
    #[track_caller]
    pub fn sum_all(&self) -> Var<'t, E> {
        self.sum((0..self.value.ndim()).collect::<Vec<_>>(), false)
    }
    /// Mean of all elements, as a 0-d value.
    #[track_caller]
    pub fn mean_all(&self) -> Var<'t, E> {
        self.mean((0..self.value.ndim()).collect::<Vec<_>>(), false)
    }
}
