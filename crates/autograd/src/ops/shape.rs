//! Shape ops: they move elements around without changing them, so each backward
//! moves the gradient back the same way (the inverse permutation, the reverse
//! flip, the slice written back into zeros, the broadcast summed back).

use tensor::{Axes, Axis, Element, IndexPlan, Spans, Tensor};

use crate::backward_through_vjp;
use crate::error::{or_panic, AutogradError, Result};
use crate::op::{BackwardContext, Grads, Op};
use crate::operand::Operand;
use crate::tape::Var;
use smallvec::smallvec;

/// Axis `d` of the output is axis `axes[d]` of the input; backward applies the
/// inverse permutation.
pub struct PermuteOp(pub Vec<usize>);

impl<E: Element> Op<E> for PermuteOp {
    fn name(&self) -> String {
        format!("permute({:?})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_permute(&self.0)
    }
    backward_through_vjp!();
}

impl PermuteOp {
    /// The gradient permuted back by the inverse permutation.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let mut inverse: smallvec::SmallVec<[usize; 6]> = smallvec![0; self.0.len()];
        for (d, &a) in self.0.iter().enumerate() {
            inverse[a] = d;
        }
        smallvec![Some(ctx.grad_output.permute(&inverse))]
    }
}

/// Same elements, new shape (also squeeze and unsqueeze); backward reshapes back.
pub struct ReshapeOp {
    /// The printed name (`reshape`, `squeeze`, `unsqueeze`).
    pub name: &'static str,
    /// The output shape.
    pub shape: Vec<usize>,
}

impl<E: Element> Op<E> for ReshapeOp {
    fn name(&self) -> String {
        format!("{}({:?})", self.name, self.shape)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_reshape(&self.shape)
    }
    backward_through_vjp!();
}

impl ReshapeOp {
    /// The gradient reshaped to the input's shape.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.reshape(ctx.input(0).value().shape()))]
    }
}

/// Elements `start, start+step, …` below `end` along `axis`; backward writes the
/// gradient into those places of a zero tensor of the input's shape.
pub struct SliceOp {
    /// The sliced axis.
    pub axis: usize,
    /// First index taken.
    pub start: usize,
    /// Indices taken are below this.
    pub end: usize,
    /// Distance between taken indices.
    pub step: usize,
}

impl<E: Element> Op<E> for SliceOp {
    fn name(&self) -> String {
        format!("slice(axis={}, {}..{} step {})", self.axis, self.start, self.end, self.step)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_slice(self.axis, self.start, self.end, self.step)
    }
    backward_through_vjp!();
}

impl SliceOp {
    /// The gradient written into the sliced places of zeros of the input's shape.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let shape = ctx.input(0).value().shape();
        smallvec![Some(ctx.grad_output.slice_scatter(shape, self.axis, self.start, self.end, self.step))]
    }
}

/// Reverses `axis`; backward reverses the gradient the same way.
pub struct FlipOp(pub usize);

impl<E: Element> Op<E> for FlipOp {
    fn name(&self) -> String {
        format!("flip({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_flip(self.0)
    }
    backward_through_vjp!();
}

impl FlipOp {
    /// The gradient flipped back.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.flip(self.0))]
    }
}

/// Broadcasts to a larger shape; backward sums the copies' gradients back.
pub struct BroadcastOp(pub Vec<usize>);

impl<E: Element> Op<E> for BroadcastOp {
    fn name(&self) -> String {
        format!("broadcast_to({:?})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_broadcast_to(&self.0)
    }
    backward_through_vjp!();
}

impl BroadcastOp {
    /// The copies' gradients summed back to the input's shape.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.sum_to_shape(ctx.input(0).value().shape()))]
    }
}

/// Joins inputs along `axis`; backward hands each input its own stretch of the gradient.
pub struct ConcatOp(pub usize);

impl<E: Element> Op<E> for ConcatOp {
    fn name(&self) -> String {
        format!("concat(axis={})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        let owned: Vec<Tensor<E>> = x.iter().map(|&t| t.clone()).collect();
        Tensor::try_concat(&owned, self.0)
    }
    backward_through_vjp!();
}

impl ConcatOp {
    /// Each input's own stretch of the gradient.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let mut start = 0;
        ctx.inputs
            .iter()
            .map(|input| {
                let len = input.value().shape()[self.0];
                let part = ctx.grad_output.slice(self.0, start, start + len, 1);
                start += len;
                Some(part)
            })
            .collect()
    }
}

/// Sums broadcast copies down to `shape` (the backward of a broadcast, recorded
/// when a gradient is itself differentiated); backward broadcasts back.
pub struct SumToShapeOp(pub Vec<usize>);

impl<E: Element> Op<E> for SumToShapeOp {
    fn name(&self) -> String {
        format!("sum_to_shape({:?})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_sum_to_shape(&self.0)
    }
    backward_through_vjp!();
}

impl SumToShapeOp {
    /// The gradient broadcast to the input's shape.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.broadcast_to(ctx.input(0).value().shape()))]
    }
}

/// Zeros of `shape` with the input written at `start, start+step, …` below `end`
/// along `axis` (the backward of a slice, recorded when a gradient is itself
/// differentiated); backward takes that slice of the gradient.
pub struct SliceScatterOp {
    /// The output's shape.
    pub shape: Vec<usize>,
    /// The axis written along.
    pub axis: usize,
    /// First index written.
    pub start: usize,
    /// Indices written are below this.
    pub end: usize,
    /// Distance between written indices.
    pub step: usize,
}

impl<E: Element> Op<E> for SliceScatterOp {
    fn name(&self) -> String {
        format!("slice_scatter(axis={}, {}..{} step {})", self.axis, self.start, self.end, self.step)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Tensor::zeros(&self.shape).try_slice_assign(self.axis, self.start, self.end, self.step, x[0])
    }
    backward_through_vjp!();
}

impl SliceScatterOp {
    /// The written places of the gradient.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.slice(self.axis, self.start, self.end, self.step))]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Reorders the axes (see [`Tensor::permute`]; negative ones count from the back).
    #[track_caller]
    pub fn try_permute(&self, axes: impl Axes) -> Result<Var<'t, E>> {
        let axes = axes.resolve("permute", self.shape())?.to_vec();
        self.tape.apply(PermuteOp(axes), &[self])
    }
    /// Reorders the axes; panics unless `axes` is a permutation.
    #[track_caller]
    pub fn permute(&self, axes: impl Axes) -> Var<'t, E> {
        or_panic(self.try_permute(axes))
    }
    /// Swaps two axes.
    #[track_caller]
    pub fn try_transpose(&self, a: impl Axis, b: impl Axis) -> Result<Var<'t, E>> {
        let (a, b) = (a.resolve("transpose", self.shape())?, b.resolve("transpose", self.shape())?);
        let mut axes: Vec<usize> = (0..self.value.ndim()).collect();
        axes.swap(a, b);
        self.try_permute(&axes)
    }
    /// Swaps two axes; panics if either is out of range.
    #[track_caller]
    pub fn transpose(&self, a: impl Axis, b: impl Axis) -> Var<'t, E> {
        or_panic(self.try_transpose(a, b))
    }
    /// Swaps the last two axes (a no-op below two dimensions).
    #[track_caller]
    pub fn t(&self) -> Var<'t, E> {
        match self.value.ndim() {
            0 | 1 => self.clone(),
            n => self.transpose(n - 2, n - 1),
        }
    }
    /// Same elements, new shape (see [`Tensor::reshape`]).
    #[track_caller]
    pub fn try_reshape(&self, shape: &[usize]) -> Result<Var<'t, E>> {
        self.tape.apply(ReshapeOp { name: "reshape", shape: shape.to_vec() }, &[self])
    }
    /// Reshape; panics if the sizes differ.
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Var<'t, E> {
        or_panic(self.try_reshape(shape))
    }
    /// Removes a size-1 axis.
    #[track_caller]
    pub fn try_squeeze(&self, axis: impl Axis) -> Result<Var<'t, E>> {
        let shape = self.value.try_squeeze(axis)?.shape().to_vec();
        self.tape.apply(ReshapeOp { name: "squeeze", shape }, &[self])
    }
    /// Removes a size-1 axis; panics otherwise.
    #[track_caller]
    pub fn squeeze(&self, axis: impl Axis) -> Var<'t, E> {
        or_panic(self.try_squeeze(axis))
    }
    /// Inserts a size-1 axis at `axis` (`-1` appends one).
    #[track_caller]
    pub fn try_unsqueeze(&self, axis: impl Axis) -> Result<Var<'t, E>> {
        let shape = self.value.try_unsqueeze(axis)?.shape().to_vec();
        self.tape.apply(ReshapeOp { name: "unsqueeze", shape }, &[self])
    }
    /// Inserts a size-1 axis; panics if `axis > ndim`.
    #[track_caller]
    pub fn unsqueeze(&self, axis: impl Axis) -> Var<'t, E> {
        or_panic(self.try_unsqueeze(axis))
    }
    /// Strided slice along `axis` (see [`Tensor::slice`]).
    #[track_caller]
    pub fn try_slice(&self, axis: impl Axis, start: usize, end: usize, step: usize) -> Result<Var<'t, E>> {
        let axis = axis.resolve("slice", self.shape())?;
        self.tape.apply(SliceOp { axis, start, end, step }, &[self])
    }
    /// Strided slice; panics when out of range.
    #[track_caller]
    pub fn slice(&self, axis: impl Axis, start: usize, end: usize, step: usize) -> Var<'t, E> {
        or_panic(self.try_slice(axis, start, end, step))
    }
    /// Elements `start .. start + len` along `axis`; panics when out of range.
    #[track_caller]
    pub fn narrow(&self, axis: impl Axis, start: usize, len: usize) -> Var<'t, E> {
        self.slice(axis, start, start + len, 1)
    }
    /// Reverses `axis`; panics if it is out of range.
    #[track_caller]
    pub fn flip(&self, axis: impl Axis) -> Var<'t, E> {
        let axis = or_panic(axis.resolve("flip", self.shape()).map_err(Into::into));
        self.apply(FlipOp(axis))
    }
    /// Broadcasts to `shape`.
    #[track_caller]
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Var<'t, E>> {
        self.tape.apply(BroadcastOp(shape.to_vec()), &[self])
    }
    /// Broadcasts to `shape`; panics if incompatible.
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Var<'t, E> {
        or_panic(self.try_broadcast_to(shape))
    }

    /// Joins values along `axis`.
    #[track_caller]
    pub fn try_concat(parts: &[Var<'t, E>], axis: impl Axis) -> Result<Var<'t, E>> {
        let first = parts.first().ok_or_else(|| {
            AutogradError::Tensor(tensor::TensorError::InvalidArgument {
                op: "concat",
                shape: vec![],
                detail: "needs at least one value".into(),
            })
        })?;
        let axis = axis.resolve("concat", first.shape())?;
        let refs: Vec<&Var<'t, E>> = parts.iter().collect();
        first.tape.apply(ConcatOp(axis), &refs)
    }
    /// Joins values along `axis`; panics if the shapes disagree or `parts` is empty.
    #[track_caller]
    pub fn concat(parts: &[Var<'t, E>], axis: impl Axis) -> Var<'t, E> {
        or_panic(Self::try_concat(parts, axis))
    }
    /// Stacks same-shaped values along a new axis `axis`.
    #[track_caller]
    pub fn try_stack(parts: &[Var<'t, E>], axis: impl Axis) -> Result<Var<'t, E>> {
        let axis = axis.resolve_insertion("stack", parts.first().map_or(&[][..], |p| p.shape()))?;
        if let Some(first) = parts.first() {
            if let Some(other) = parts.iter().find(|p| p.shape() != first.shape()) {
                return Err(tensor::TensorError::ShapeMismatch {
                    op: "stack",
                    lhs: first.shape().to_vec(),
                    rhs: other.shape().to_vec(),
                    detail: "all shapes must be equal".into(),
                }
                .into());
            }
        }
        let expanded = parts.iter().map(|p| p.try_unsqueeze(axis)).collect::<Result<Vec<_>>>()?;
        Self::try_concat(&expanded, axis)
    }
    /// Stacks values along a new axis; panics if their shapes differ.
    #[track_caller]
    pub fn stack(parts: &[Var<'t, E>], axis: impl Axis) -> Var<'t, E> {
        or_panic(Self::try_stack(parts, axis))
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// NumPy-style indexing: `v.i((.., 1..3))` is `v[:, 1:3]`, `v.i((0, ..))` is
    /// `v[0, :]` (see [`tensor::index`]). Records one slice per narrowed axis and
    /// one squeeze per integer index, so backward routes the gradient back into place.
    #[track_caller]
    pub fn try_i(&self, spans: impl Spans) -> Result<Var<'t, E>> {
        let plan = IndexPlan::new(spans, self.shape())?;
        let mut view = self.clone();
        for &(axis, start, end) in &plan.slices {
            view = view.try_slice(axis, start, end, 1)?;
        }
        for &axis in &plan.squeezed {
            view = view.try_squeeze(axis)?;
        }
        Ok(view)
    }
    /// NumPy-style indexing; panics when a span does not fit.
    #[track_caller]
    pub fn i(&self, spans: impl Spans) -> Var<'t, E> {
        or_panic(self.try_i(spans))
    }
    /// Same as [`broadcast_to`](Var::broadcast_to) (PyTorch's name).
    #[track_caller]
    pub fn expand(&self, shape: &[usize]) -> Var<'t, E> {
        self.broadcast_to(shape)
    }
}
