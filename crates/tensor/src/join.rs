//! Joining tensors: `concat` along an existing axis, `stack` along a new one.

use crate::axis::Axis;
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::layout::walk;
use crate::tensor::Tensor;

impl<E: Element> Tensor<E> {
    /// Joins tensors along `axis`; all other axes must agree.
    pub fn try_concat(tensors: &[Tensor<E>], axis: impl Axis) -> Result<Self> {
        let op = "concat";
        let first =
            tensors.first().ok_or_else(|| TensorError::invalid(op, &[], "needs at least one tensor"))?;
        let axis = axis.resolve(op, first.shape())?;
        for t in tensors {
            let fits = t.ndim() == first.ndim()
                && t.shape().iter().zip(first.shape()).enumerate().all(|(d, (a, b))| d == axis || a == b);
            if !fits {
                return Err(TensorError::mismatch(
                    op,
                    first.shape(),
                    t.shape(),
                    format!("all axes but {axis} must agree"),
                ));
            }
        }
        let mut shape: Vec<usize> = first.shape().to_vec();
        shape[axis] = tensors.iter().map(|t| t.shape()[axis]).sum();
        // Row-major output: for each index of the axes before `axis`, append each
        // tensor's block of that row in turn.
        let outer: usize = shape[..axis].iter().product();
        let mut data = Vec::with_capacity(shape.iter().product());
        let parts: Vec<Vec<E>> = tensors.iter().map(|t| t.to_vec()).collect();
        for row in 0..outer {
            for (t, part) in tensors.iter().zip(&parts) {
                let block: usize = t.shape()[axis..].iter().product();
                data.extend_from_slice(&part[row * block..(row + 1) * block]);
            }
        }
        Ok(Tensor::from_contiguous(data, &shape))
    }

    /// Joins tensors along `axis`; panics if their shapes disagree.
    #[track_caller]
    pub fn concat(tensors: &[Tensor<E>], axis: impl Axis) -> Self {
        or_panic(Self::try_concat(tensors, axis))
    }

    /// Stacks same-shaped tensors along a new axis inserted at `axis`.
    pub fn try_stack(tensors: &[Tensor<E>], axis: impl Axis) -> Result<Self> {
        let shape = tensors.first().map_or(&[][..], |t| t.shape());
        let axis = axis.resolve_insertion("stack", shape)?;
        let expanded = tensors.iter().map(|t| t.try_unsqueeze(axis)).collect::<Result<Vec<_>>>()?;
        if let Some(first) = tensors.first() {
            if let Some(other) = tensors.iter().find(|t| t.shape() != first.shape()) {
                return Err(TensorError::mismatch(
                    "stack",
                    first.shape(),
                    other.shape(),
                    "all shapes must be equal",
                ));
            }
        }
        Self::try_concat(&expanded, axis)
    }

    /// Stacks same-shaped tensors along a new axis; panics if their shapes differ.
    #[track_caller]
    pub fn stack(tensors: &[Tensor<E>], axis: impl Axis) -> Self {
        or_panic(Self::try_stack(tensors, axis))
    }

    /// A copy of `self` whose region `self.slice(axis, start, end, step)` holds
    /// `values` instead (the inverse of [`slice`](Tensor::slice); autograd uses it
    /// to route a slice's gradient back into the full shape).
    pub fn try_slice_assign(
        &self,
        axis: usize,
        start: usize,
        end: usize,
        step: usize,
        values: &Tensor<E>,
    ) -> Result<Self> {
        let mut out = self.contiguous_copy();
        let region = out.try_slice(axis, start, end, step)?;
        if region.shape() != values.shape() {
            return Err(TensorError::mismatch(
                "slice_assign",
                region.shape(),
                values.shape(),
                "region and values differ",
            ));
        }
        // Where the region's elements sit in `out`; then `out` is the only user of its buffer.
        let (region_strides, region_offset) = (region.layout.strides.clone(), region.layout.offset);
        drop(region);
        let (dst, src) = (out.unique_contiguous_mut(), &values.storage);
        walk(
            values.shape(),
            [values.strides(), &region_strides],
            [values.layout.offset, region_offset],
            |[i, j]| dst[j] = src[i],
        );
        Ok(out)
    }

    /// Slice assignment; panics if the region is out of range or `values` does not fit it.
    #[track_caller]
    pub fn slice_assign(
        &self,
        axis: usize,
        start: usize,
        end: usize,
        step: usize,
        values: &Tensor<E>,
    ) -> Self {
        or_panic(self.try_slice_assign(axis, start, end, step, values))
    }
}
