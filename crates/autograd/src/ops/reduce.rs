//! Reductions: sum, mean and max over axes.
//!
//! Backward spreads each output's gradient back over the elements it summarised:
//! all of them equally for sum (and mean, divided by the count), only the
//! maximal ones for max.

use tensor::{Axes, Element, Tensor};

use crate::backward_through_vjp;
use crate::error::{or_panic, Result};
use crate::op::{BackwardContext, Grads, Op};
use crate::operand::Operand;
use crate::tape::Var;
use smallvec::smallvec;

/// The gradient of a reduced output, reshaped with the reduced axes kept as size 1
/// and broadcast back to the input's shape.
fn spread<E: Element, T: Operand<E>>(grad: &T, input_shape: &[usize], axes: &[usize]) -> T {
    let kept: Vec<usize> =
        input_shape.iter().enumerate().map(|(d, &n)| if axes.contains(&d) { 1 } else { n }).collect();
    grad.reshape(&kept).broadcast_to(input_shape)
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
    backward_through_vjp!();
}

impl SumOp {
    /// Every summed element receives its sum's gradient.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(spread(ctx.grad_output, ctx.input(0).value().shape(), &self.axes))]
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
    backward_through_vjp!();
}

impl MeanOp {
    /// Every averaged element receives 1/n of its mean's gradient.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let shape = ctx.input(0).value().shape();
        let count: usize = self.axes.iter().map(|&a| shape[a]).product();
        smallvec![Some(spread(ctx.grad_output, shape, &self.axes).scale(E::ONE / E::from_usize(count)))]
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
    backward_through_vjp!();
}

impl MaxOp {
    /// The gradient goes to the maximal elements, shared among ties. Which
    /// elements those are is constant between ties, so the weights are a constant.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (input, output) = (ctx.input(0).value(), ctx.output.value());
        let is_max = input.equal(&spread(output, input.shape(), &self.axes));
        let ties = spread(&is_max.sum(&self.axes, self.keepdim), input.shape(), &self.axes);
        let weights = ctx.grad_output.constant(&is_max / &ties);
        smallvec![Some(spread(ctx.grad_output, input.shape(), &self.axes).mul(&weights))]
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
    ///
    /// Its gradient goes to the elements that attain the maximum; where several
    /// tie, it is split equally among them (PyTorch's `amax`; `torch.max` with
    /// a dim gives it all to one index instead). Either is a valid subgradient:
    /// the maximum is not differentiable at a tie.
    #[track_caller]
    pub fn try_max(&self, axes: impl Axes, keepdim: bool) -> Result<Var<'t, E>> {
        let axes = axes.resolve("max", self.shape())?.to_vec();
        self.tape.apply(MaxOp { axes, keepdim }, &[self])
    }
    /// Maximum over `axes`; panics on a bad or empty axis. Ties share the
    /// gradient equally (see [`try_max`](Var::try_max)).
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
