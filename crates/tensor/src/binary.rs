//! Element-wise functions of two (or three) tensors, with NumPy broadcasting.
//!
//! Same-shaped contiguous operands run as a flat zipped loop; everything else
//! broadcasts both layouts to the output shape (stride 0 on repeated axes) and
//! walks them together.

use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::layout::{broadcast_shapes, walk, Layout};
use crate::tensor::Tensor;

impl<E: Element> Tensor<E> {
    /// Combines two tensors element by element after broadcasting them to a common
    /// shape. `op` names the operation in errors. Same-shaped contiguous operands
    /// of many elements are split over [`threads()`](crate::kernels::threads) threads.
    pub fn try_zip_with(
        &self,
        rhs: &Tensor<E>,
        op: &'static str,
        f: impl Fn(E, E) -> E + Sync,
    ) -> Result<Self> {
        // Same shape and same gap-free layout (e.g. both contiguous, or both the same
        // transposed view): one flat loop in memory order, result in that layout.
        if self.shape() == rhs.shape() && self.strides() == rhs.strides() {
            if let (Some(ra), Some(rb)) = (self.layout.dense_range(), rhs.layout.dense_range()) {
                let (a, b) = (&self.storage[ra], &rhs.storage[rb]);
                let layout = Layout { offset: 0, ..self.layout.clone() };
                return Ok(Tensor::build_with_layout(layout, |out| {
                    crate::kernels::simd::zip_into(out, a, b, f)
                }));
            }
        }
        let shape = broadcast_shapes(self.shape(), rhs.shape(), op)?;
        let lhs_layout = self.layout.broadcast_to(&shape, op)?;
        let rhs_layout = rhs.layout.broadcast_to(&shape, op)?;
        let (a, b) = (&self.storage, &rhs.storage);
        let rank = shape.len();
        if rank > 0
            && shape[rank - 1] > 0
            && lhs_layout.strides()[rank - 1] == 1
            && rhs_layout.strides()[rank - 1] == 1
        {
            // Both unit-stride along the last axis (a bias row added to every
            // row of a minibatch): a vectorized loop per row.
            let row = shape[rank - 1];
            return Ok(Tensor::build(&shape, |out| {
                walk(
                    &shape[..rank - 1],
                    [&lhs_layout.strides()[..rank - 1], &rhs_layout.strides()[..rank - 1]],
                    [lhs_layout.offset(), rhs_layout.offset()],
                    |[i, j]| crate::kernels::simd::zip_into(out, &a[i..i + row], &b[j..j + row], &f),
                )
            }));
        }
        Ok(Tensor::build(&shape, |out| {
            walk(
                &shape,
                [lhs_layout.strides(), rhs_layout.strides()],
                [lhs_layout.offset(), rhs_layout.offset()],
                |[i, j]| out.push(f(a[i], b[j])),
            )
        }))
    }

    /// Updates `self` in place: each element becomes `f(self, rhs)`, with `rhs`
    /// broadcast to `self`'s shape. Writes straight into the storage when this
    /// tensor is its only user and contiguous (an optimizer updating a weight
    /// allocates nothing); otherwise it first makes a private contiguous copy.
    ///
    /// A large update (a weight of a million elements) is split over
    /// [`threads()`](crate::kernels::threads) threads, each updating its own stretch.
    pub fn try_zip_assign(&mut self, rhs: &Tensor<E>, f: impl Fn(E, E) -> E + Sync) -> Result<()> {
        let rhs = rhs.try_broadcast_to(self.shape())?;
        let data = self.unique_contiguous_mut();
        match rhs.as_slice() {
            Some(r) => zip_assign_split(data, r, f),
            None => {
                // A broadcast rhs (a bias added to every row): walk its layout.
                let (r, mut k) = (&rhs.storage, 0);
                walk(rhs.shape(), [rhs.strides()], [rhs.layout.offset()], |[j]| {
                    data[k] = f(data[k], r[j]);
                    k += 1;
                });
            }
        }
        Ok(())
    }

    /// In-place update (see [`try_zip_assign`](Tensor::try_zip_assign)); panics if
    /// `rhs` does not broadcast to `self`'s shape.
    #[track_caller]
    pub fn zip_assign(&mut self, rhs: &Tensor<E>, f: impl Fn(E, E) -> E + Sync) {
        or_panic(self.try_zip_assign(rhs, f))
    }

    /// Element-by-element combination after broadcasting; panics if the shapes do not broadcast.
    #[track_caller]
    pub fn zip_with(&self, rhs: &Tensor<E>, f: impl Fn(E, E) -> E + Sync) -> Self {
        or_panic(self.try_zip_with(rhs, "zip_with", f))
    }

    /// `self + rhs`, broadcasting. (The `+` operator is the panicking form.)
    pub fn try_add(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "add", |a, b| a + b)
    }

    /// `self - rhs`, broadcasting.
    pub fn try_sub(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "sub", |a, b| a - b)
    }

    /// `self * rhs` element-wise, broadcasting.
    pub fn try_mul(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "mul", |a, b| a * b)
    }

    /// `self / rhs` element-wise, broadcasting.
    pub fn try_div(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "div", |a, b| a / b)
    }

    /// `self ^ rhs` element-wise, broadcasting.
    pub fn try_pow(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "pow", |a, b| a.powf(b))
    }

    /// Element-wise power; panics if the shapes do not broadcast.
    #[track_caller]
    pub fn pow(&self, rhs: &Tensor<E>) -> Self {
        or_panic(self.try_pow(rhs))
    }

    /// Element-wise maximum, broadcasting.
    pub fn try_maximum(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "maximum", |a, b| if b > a { b } else { a })
    }

    /// Element-wise maximum; panics if the shapes do not broadcast.
    #[track_caller]
    pub fn maximum(&self, rhs: &Tensor<E>) -> Self {
        or_panic(self.try_maximum(rhs))
    }

    /// Element-wise minimum, broadcasting.
    pub fn try_minimum(&self, rhs: &Tensor<E>) -> Result<Self> {
        self.try_zip_with(rhs, "minimum", |a, b| if b < a { b } else { a })
    }

    /// Element-wise minimum; panics if the shapes do not broadcast.
    #[track_caller]
    pub fn minimum(&self, rhs: &Tensor<E>) -> Self {
        or_panic(self.try_minimum(rhs))
    }

    /// Picks `on_true` where `self` (a mask) is non-zero and `on_false` elsewhere;
    /// all three broadcast together.
    pub fn try_select(&self, on_true: &Tensor<E>, on_false: &Tensor<E>) -> Result<Self> {
        let op = "select";
        let shape = broadcast_shapes(self.shape(), on_true.shape(), op)?;
        let shape = broadcast_shapes(&shape, on_false.shape(), op)?;
        let layouts = [
            self.layout.broadcast_to(&shape, op)?,
            on_true.layout.broadcast_to(&shape, op)?,
            on_false.layout.broadcast_to(&shape, op)?,
        ];
        let (m, a, b) = (&self.storage, &on_true.storage, &on_false.storage);
        Ok(Tensor::build(&shape, |out| {
            walk(
                &shape,
                [layouts[0].strides(), layouts[1].strides(), layouts[2].strides()],
                [layouts[0].offset(), layouts[1].offset(), layouts[2].offset()],
                |[i, j, k]| out.push(if m[i] != E::ZERO { a[j] } else { b[k] }),
            )
        }))
    }

    /// Mask-driven choice (NumPy's `where`); panics if the shapes do not broadcast.
    #[track_caller]
    pub fn select(&self, on_true: &Tensor<E>, on_false: &Tensor<E>) -> Self {
        or_panic(self.try_select(on_true, on_false))
    }
}

/// Comparisons give masks: tensors of the same element type holding 1 where the
/// comparison holds and 0 elsewhere, ready to multiply with or to pass to
/// [`Tensor::select`].
macro_rules! comparison {
    ($try_name:ident, $name:ident, $op:tt, $doc:literal) => {
        impl<E: Element> Tensor<E> {
            #[doc = concat!("Mask of `self ", $doc, " rhs` (1 or 0), broadcasting.")]
            pub fn $try_name(&self, rhs: &Tensor<E>) -> Result<Self> {
                self.try_zip_with(rhs, stringify!($name), |a, b| if a $op b { E::ONE } else { E::ZERO })
            }

            #[doc = concat!("Mask of `self ", $doc, " rhs` (1 or 0); panics if the shapes do not broadcast.")]
            #[track_caller]
            pub fn $name(&self, rhs: &Tensor<E>) -> Self {
                or_panic(self.$try_name(rhs))
            }
        }
    };
}

comparison!(try_lt, lt, <, "<");
comparison!(try_le, le, <=, "<=");
comparison!(try_gt, gt, >, ">");
comparison!(try_ge, ge, >=, ">=");
comparison!(try_equal, equal, ==, "==");
comparison!(try_not_equal, not_equal, !=, "!=");

/// `data[i] = f(data[i], rhs[i])` over [`threads()`](crate::kernels::threads) threads
/// when `data` is long, each on its own stretch (an optimizer's step: see
/// [`simd::zip_assign`](crate::kernels::simd::zip_assign) for how a long one is read).
fn zip_assign_split<E: Element>(data: &mut [E], rhs: &[E], f: impl Fn(E, E) -> E + Sync) {
    let out = crate::kernels::threads::Shared(data.as_mut_ptr());
    crate::kernels::threads::split_range(data.len(), &|range| {
        let out = &out;
        // SAFETY: each part writes only its own range of `data`, which
        // outlives `split_range`; the parts' ranges do not overlap.
        let mine = unsafe { std::slice::from_raw_parts_mut(out.0.add(range.start), range.len()) };
        crate::kernels::simd::zip_assign(mine, &rhs[range], &f);
    });
}
