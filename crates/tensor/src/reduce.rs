//! Reductions over one or several axes (sum, mean, max, min, var, argmax) and
//! their whole-tensor forms.
//!
//! One mechanism serves them all: the output is given the input's shape with
//! stride 0 on the reduced axes, so walking input and output together visits,
//! for each output element, exactly the input elements that fold into it.

use smallvec::SmallVec;

use crate::axis::{Axes, Axis};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::layout::{contiguous_strides, walk, Shape, Strides};
use crate::tensor::Tensor;

/// The reduced shape with size-1 axes kept, plus output strides over the input's
/// shape that are 0 on reduced axes.
struct Reduction {
    keepdim_shape: Shape,
    out_strides: Strides,
    reduced: SmallVec<[bool; 6]>,
}

impl<E: Element> Tensor<E> {
    fn plan_reduction(&self, op: &'static str, axes: &[usize]) -> Result<Reduction> {
        let mut reduced: SmallVec<[bool; 6]> = SmallVec::from_elem(false, self.ndim());
        for &axis in axes {
            if axis >= self.ndim() {
                return Err(TensorError::axis(op, axis as isize, self.shape()));
            }
            if std::mem::replace(&mut reduced[axis], true) {
                return Err(TensorError::invalid(op, self.shape(), format!("axis {axis} is listed twice")));
            }
        }
        let keepdim_shape: Shape =
            self.shape().iter().zip(&reduced).map(|(&n, &r)| if r { 1 } else { n }).collect();
        let mut out_strides = contiguous_strides(&keepdim_shape);
        for (stride, &r) in out_strides.iter_mut().zip(&reduced) {
            if r {
                *stride = 0;
            }
        }
        Ok(Reduction { keepdim_shape, out_strides, reduced })
    }

    /// Folds the elements of each reduced group into one value starting from `init`.
    fn fold_axes(
        &self,
        op: &'static str,
        axes: &[usize],
        keepdim: bool,
        init: E,
        fold: impl Fn(E, E) -> E,
    ) -> Result<Self> {
        let plan = self.plan_reduction(op, axes)?;
        let data = &self.storage;
        Ok(Tensor::build(&plan.final_shape(keepdim), |out| {
            out.resize(plan.keepdim_shape.iter().product(), init);
            if let Some(rows) = self.leading_rows(&plan.reduced) {
                // Folding whole rows in order is the walk below, element for
                // element, as a loop over a slice that the compiler vectorizes.
                for row in rows {
                    out.iter_mut().zip(row).for_each(|(o, &v)| *o = fold(*o, v));
                }
                return;
            }
            walk(self.shape(), [self.strides(), &plan.out_strides], [self.layout.offset, 0], |[i, j]| {
                out[j] = fold(out[j], data[i])
            });
        }))
    }

    /// When the tensor is contiguous and the reduced axes are its leading
    /// ones (a bias gradient: `[batch, n]` summed to `[n]`), its rows of the
    /// kept axes' size, first to last.
    fn leading_rows(&self, reduced: &[bool]) -> Option<std::slice::ChunksExact<'_, E>> {
        let leading = reduced.iter().take_while(|&&r| r).count();
        let width: usize = self.shape()[leading..].iter().product();
        let data = self.as_slice()?;
        (reduced[leading..].iter().all(|&r| !r) && width > 0).then(|| data.chunks_exact(width))
    }

    fn reduced_count(&self, axes: &[usize]) -> usize {
        axes.iter().map(|&a| self.shape().get(a).copied().unwrap_or(1)).product()
    }

    fn check_nonempty(&self, op: &'static str, axes: &[usize]) -> Result<()> {
        if self.reduced_count(axes) == 0 {
            return Err(TensorError::invalid(
                op,
                self.shape(),
                format!("cannot reduce over empty axes {axes:?}"),
            ));
        }
        Ok(())
    }

    /// Sum over `axes`; `keepdim` keeps them as size-1 axes.
    pub fn try_sum(&self, axes: impl Axes, keepdim: bool) -> Result<Self> {
        let axes = &axes.resolve("sum", self.shape())?[..];
        self.fold_axes("sum", axes, keepdim, E::ZERO, |acc, v| acc + v)
    }

    /// Sum over `axes`; panics on a bad axis.
    #[track_caller]
    pub fn sum(&self, axes: impl Axes, keepdim: bool) -> Self {
        or_panic(self.try_sum(axes, keepdim))
    }

    /// Mean over `axes`.
    pub fn try_mean(&self, axes: impl Axes, keepdim: bool) -> Result<Self> {
        let axes = &axes.resolve("mean", self.shape())?[..];
        let count = E::from_usize(self.reduced_count(axes));
        Ok(self.try_sum(axes, keepdim)? / count)
    }

    /// Mean over `axes`; panics on a bad axis.
    #[track_caller]
    pub fn mean(&self, axes: impl Axes, keepdim: bool) -> Self {
        or_panic(self.try_mean(axes, keepdim))
    }

    /// Maximum over `axes` (NaN if any element of a group is NaN).
    pub fn try_max(&self, axes: impl Axes, keepdim: bool) -> Result<Self> {
        let axes = &axes.resolve("max", self.shape())?[..];
        self.check_nonempty("max", axes)?;
        self.fold_axes("max", axes, keepdim, E::from_f64(f64::NEG_INFINITY), |acc, v| {
            if v > acc || v.is_nan() {
                v
            } else {
                acc
            }
        })
    }

    /// Maximum over `axes`; panics on a bad or empty axis.
    #[track_caller]
    pub fn max(&self, axes: impl Axes, keepdim: bool) -> Self {
        or_panic(self.try_max(axes, keepdim))
    }

    /// Minimum over `axes` (NaN if any element of a group is NaN).
    pub fn try_min(&self, axes: impl Axes, keepdim: bool) -> Result<Self> {
        let axes = &axes.resolve("min", self.shape())?[..];
        self.check_nonempty("min", axes)?;
        self.fold_axes("min", axes, keepdim, E::from_f64(f64::INFINITY), |acc, v| {
            if v < acc || v.is_nan() {
                v
            } else {
                acc
            }
        })
    }

    /// Minimum over `axes`; panics on a bad or empty axis.
    #[track_caller]
    pub fn min(&self, axes: impl Axes, keepdim: bool) -> Self {
        or_panic(self.try_min(axes, keepdim))
    }

    /// Population variance (divides by the count, NumPy's default `ddof = 0`) over
    /// `axes`, computed in two passes (mean first) for accuracy.
    pub fn try_var(&self, axes: impl Axes, keepdim: bool) -> Result<Self> {
        let axes = &axes.resolve("var", self.shape())?[..];
        let mean = self.try_mean(axes, true)?;
        self.try_sub(&mean)?.square().try_mean(axes, keepdim)
    }

    /// Population variance over `axes`; panics on a bad axis.
    #[track_caller]
    pub fn var(&self, axes: impl Axes, keepdim: bool) -> Self {
        or_panic(self.try_var(axes, keepdim))
    }

    /// Index of the largest element along `axis` (the first one on ties; a NaN
    /// wins), one per position of the other axes, in row-major order: on a
    /// `[batch, classes]` tensor, `argmax(-1)` is the predicted class of each row.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let scores = Tensor::<f32>::from_vec(vec![0.1, 0.7, 0.2, 0.5, 0.3, 0.9], &[2, 3]);
    /// assert_eq!(scores.argmax(-1), vec![1, 2]);
    /// assert_eq!(scores.argmax(0), vec![1, 0, 1]);
    /// ```
    pub fn try_argmax(&self, axis: impl Axis) -> Result<Vec<usize>> {
        let op = "argmax";
        let axis = axis.resolve(op, self.shape())?;
        let plan = self.plan_reduction(op, &[axis])?;
        self.check_nonempty(op, &[axis])?;
        // A third walked "layout" whose offset is the position along `axis`.
        let mut axis_position: Strides = SmallVec::from_elem(0, self.ndim());
        axis_position[axis] = 1;
        let numel_out = plan.keepdim_shape.iter().product();
        let mut best = vec![E::from_f64(f64::NEG_INFINITY); numel_out];
        let mut best_at = vec![usize::MAX; numel_out];
        let data = &self.storage;
        walk(
            self.shape(),
            [self.strides(), &plan.out_strides, &axis_position],
            [self.layout.offset, 0, 0],
            |[i, j, k]| {
                let v = data[i];
                if best_at[j] == usize::MAX || v > best[j] || (v.is_nan() && !best[j].is_nan()) {
                    best[j] = v;
                    best_at[j] = k;
                }
            },
        );
        Ok(best_at)
    }

    /// Index of the largest element along `axis`; panics on a bad or empty axis.
    #[track_caller]
    pub fn argmax(&self, axis: impl Axis) -> Vec<usize> {
        or_panic(self.try_argmax(axis))
    }

    /// Sums a broadcast result back to `shape`: adds over the leading axes that
    /// broadcasting created and over the axes where `shape` has size 1. This is the
    /// adjoint of [`broadcast_to`](Tensor::broadcast_to), used by every
    /// broadcasting op's backward.
    pub fn try_sum_to_shape(&self, shape: &[usize]) -> Result<Self> {
        let op = "sum_to_shape";
        let extra = self.ndim().checked_sub(shape.len()).ok_or_else(|| {
            TensorError::mismatch(op, self.shape(), shape, "target has more axes than the tensor")
        })?;
        let mut axes: SmallVec<[usize; 6]> = (0..extra).collect();
        for (d, &n) in shape.iter().enumerate() {
            let have = self.shape()[extra + d];
            if n == 1 && have != 1 {
                axes.push(extra + d);
            } else if n != have {
                return Err(TensorError::mismatch(
                    op,
                    self.shape(),
                    shape,
                    format!("axis {d} is neither equal nor 1"),
                ));
            }
        }
        if axes.is_empty() {
            return Ok(self.clone());
        }
        self.try_sum(&axes, true)?.try_reshape(shape)
    }

    /// Sums a broadcast result back to `shape`; panics if `self` is not a broadcast of it.
    #[track_caller]
    pub fn sum_to_shape(&self, shape: &[usize]) -> Self {
        or_panic(self.try_sum_to_shape(shape))
    }

    fn all_axes(&self) -> SmallVec<[usize; 6]> {
        (0..self.ndim()).collect()
    }

    /// Sum of all elements.
    pub fn sum_all(&self) -> E {
        self.sum(self.all_axes(), false).item()
    }

    /// Mean of all elements (NaN for an empty tensor).
    pub fn mean_all(&self) -> E {
        self.mean(self.all_axes(), false).item()
    }

    /// Largest element; panics on an empty tensor.
    #[track_caller]
    pub fn max_all(&self) -> E {
        self.max(self.all_axes(), false).item()
    }

    /// Smallest element; panics on an empty tensor.
    #[track_caller]
    pub fn min_all(&self) -> E {
        self.min(self.all_axes(), false).item()
    }

    /// Population variance of all elements.
    pub fn var_all(&self) -> E {
        self.var(self.all_axes(), false).item()
    }

    /// Flat row-major index of the largest element; panics on an empty tensor.
    #[track_caller]
    pub fn argmax_all(&self) -> usize {
        let values = self.to_vec();
        assert!(!values.is_empty(), "argmax_all: the tensor is empty");
        // Indices kept as usize here, so they stay exact past 2^24 even for f32.
        (1..values.len()).fold(0, |best, i| {
            let (v, b) = (values[i], values[best]);
            if v > b || (v.is_nan() && !b.is_nan()) {
                i
            } else {
                best
            }
        })
    }
}

impl Reduction {
    fn final_shape(&self, keepdim: bool) -> Shape {
        if keepdim {
            self.keepdim_shape.clone()
        } else {
            self.keepdim_shape.iter().zip(&self.reduced).filter(|(_, &r)| !r).map(|(&n, _)| n).collect()
        }
    }
}
