//! Views: new layouts over the same storage, copying nothing.
//!
//! Each op here only rewrites shape, strides and offset. `reshape` is the one
//! exception, and only when the layout cannot express the new shape.

use smallvec::SmallVec;

use crate::axis::{Axes, Axis};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::layout::{Layout, Shape, Strides};
use crate::tensor::Tensor;

impl<E: Element> Tensor<E> {
    /// Reorders the axes: axis `d` of the result is axis `axes[d]` of `self`.
    pub fn try_permute(&self, axes: impl Axes) -> Result<Self> {
        let axes = &axes.resolve("permute", self.shape())?[..];
        let mut seen = vec![false; self.ndim()];
        let valid = axes.len() == self.ndim()
            && axes.iter().all(|&a| a < self.ndim() && !std::mem::replace(&mut seen[a], true));
        if !valid {
            return Err(TensorError::invalid(
                "permute",
                self.shape(),
                format!("{axes:?} is not a permutation of 0..{}", self.ndim()),
            ));
        }
        let shape: Shape = axes.iter().map(|&a| self.shape()[a]).collect();
        let strides: Strides = axes.iter().map(|&a| self.strides()[a]).collect();
        Ok(self.with_layout(Layout { shape, strides, offset: self.layout.offset }))
    }

    /// Reorders the axes; panics unless `axes` is a permutation of `0..ndim`.
    #[track_caller]
    pub fn permute(&self, axes: impl Axes) -> Self {
        or_panic(self.try_permute(axes))
    }

    /// Swaps two axes.
    pub fn try_transpose(&self, a: impl Axis, b: impl Axis) -> Result<Self> {
        let (a, b) = (a.resolve("transpose", self.shape())?, b.resolve("transpose", self.shape())?);
        let mut layout = self.layout.clone();
        layout.shape.swap(a, b);
        layout.strides.swap(a, b);
        Ok(self.with_layout(layout))
    }

    /// Swaps two axes; panics if either is out of range.
    #[track_caller]
    pub fn transpose(&self, a: impl Axis, b: impl Axis) -> Self {
        or_panic(self.try_transpose(a, b))
    }

    /// Swaps the last two axes (the matrix transpose); a no-op below two dimensions.
    pub fn t(&self) -> Self {
        match self.ndim() {
            0 | 1 => self.clone(),
            n => self.transpose(n - 2, n - 1),
        }
    }

    /// Elements `start .. start + len` along `axis`.
    pub fn try_narrow(&self, axis: impl Axis, start: usize, len: usize) -> Result<Self> {
        self.try_slice(axis, start, start + len, 1)
    }

    /// Elements `start .. start + len` along `axis`; panics when out of range.
    #[track_caller]
    pub fn narrow(&self, axis: impl Axis, start: usize, len: usize) -> Self {
        or_panic(self.try_narrow(axis, start, len))
    }

    /// Elements `start, start + step, ...` below `end` along `axis` (Python's
    /// `start:end:step` with a positive step).
    pub fn try_slice(&self, axis: impl Axis, start: usize, end: usize, step: usize) -> Result<Self> {
        let axis = axis.resolve("slice", self.shape())?;
        let size = self.shape()[axis];
        if step == 0 || start > end || end > size {
            return Err(TensorError::invalid(
                "slice",
                self.shape(),
                format!("range {start}..{end} step {step} does not fit axis {axis} of size {size}"),
            ));
        }
        let mut layout = self.layout.clone();
        let stride = layout.strides[axis];
        if end > start {
            layout.offset = (layout.offset as isize + start as isize * stride) as usize;
        }
        layout.shape[axis] = (end - start).div_ceil(step);
        layout.strides[axis] = stride * step as isize;
        Ok(self.with_layout(layout))
    }

    /// Strided slice along `axis`; panics when out of range or `step` is 0.
    #[track_caller]
    pub fn slice(&self, axis: impl Axis, start: usize, end: usize, step: usize) -> Self {
        or_panic(self.try_slice(axis, start, end, step))
    }

    /// Reverses the order along `axis` (a negative stride, no copy).
    pub fn try_flip(&self, axis: impl Axis) -> Result<Self> {
        let axis = axis.resolve("flip", self.shape())?;
        let mut layout = self.layout.clone();
        let (size, stride) = (layout.shape[axis], layout.strides[axis]);
        if size > 0 {
            layout.offset = (layout.offset as isize + (size as isize - 1) * stride) as usize;
        }
        layout.strides[axis] = -stride;
        Ok(self.with_layout(layout))
    }

    /// Reverses the order along `axis`; panics if the axis is out of range.
    #[track_caller]
    pub fn flip(&self, axis: impl Axis) -> Self {
        or_panic(self.try_flip(axis))
    }

    /// Views `self` with a larger shape under NumPy broadcasting (stride 0 on the
    /// repeated axes).
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Self> {
        Ok(self.with_layout(self.layout.broadcast_to(shape, "broadcast_to")?))
    }

    /// Broadcasting view; panics if the shapes are not compatible.
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Self {
        or_panic(self.try_broadcast_to(shape))
    }

    /// Same as [`broadcast_to`](Tensor::broadcast_to) (PyTorch's name).
    #[track_caller]
    pub fn expand(&self, shape: &[usize]) -> Self {
        self.broadcast_to(shape)
    }

    /// Removes `axis`, which must have size 1.
    pub fn try_squeeze(&self, axis: impl Axis) -> Result<Self> {
        let axis = axis.resolve("squeeze", self.shape())?;
        if self.shape()[axis] != 1 {
            return Err(TensorError::invalid(
                "squeeze",
                self.shape(),
                format!("axis {axis} does not have size 1"),
            ));
        }
        let mut layout = self.layout.clone();
        layout.shape.remove(axis);
        layout.strides.remove(axis);
        Ok(self.with_layout(layout))
    }

    /// Removes a size-1 axis; panics otherwise.
    #[track_caller]
    pub fn squeeze(&self, axis: impl Axis) -> Self {
        or_panic(self.try_squeeze(axis))
    }

    /// Inserts an axis of size 1 before position `axis` (`axis == ndim`, or `-1`, appends).
    pub fn try_unsqueeze(&self, axis: impl Axis) -> Result<Self> {
        let axis = axis.resolve_insertion("unsqueeze", self.shape())?;
        let mut layout = self.layout.clone();
        layout.shape.insert(axis, 1);
        layout.strides.insert(axis, 0);
        Ok(self.with_layout(layout))
    }

    /// Inserts a size-1 axis; panics if `axis > ndim`.
    #[track_caller]
    pub fn unsqueeze(&self, axis: impl Axis) -> Self {
        or_panic(self.try_unsqueeze(axis))
    }

    /// The same elements with a new shape of equal size, in row-major order.
    ///
    /// Returns a view sharing storage whenever the layout allows it (always for
    /// contiguous tensors); otherwise, e.g. flattening a transposed matrix, it copies
    /// into a fresh contiguous buffer. Use [`shares_storage_with`](Tensor::shares_storage_with)
    /// to tell which happened.
    pub fn try_reshape(&self, shape: &[usize]) -> Result<Self> {
        let numel: usize = shape.iter().product();
        if numel != self.numel() {
            return Err(TensorError::mismatch(
                "reshape",
                self.shape(),
                shape,
                format!("{} elements cannot be viewed as {numel}", self.numel()),
            ));
        }
        match self.layout.reshape_strides(shape) {
            Some(strides) => {
                let layout =
                    Layout { shape: SmallVec::from_slice(shape), strides, offset: self.layout.offset };
                Ok(self.with_layout(layout))
            }
            None => Ok(self.contiguous_copy().with_layout(Layout::contiguous(shape))),
        }
    }

    /// Reshape; panics if the sizes differ.
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Self {
        or_panic(self.try_reshape(shape))
    }

    /// All elements as a 1-d tensor (a view when possible, as `reshape`).
    pub fn flatten(&self) -> Self {
        self.reshape(&[self.numel()])
    }
}
