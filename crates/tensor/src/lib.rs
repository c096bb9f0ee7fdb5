//! # gradlab's `tensor`: N-dimensional strided arrays of `f32` or `f64`
//!
//! A [`Tensor<E>`] is a shared buffer plus a [`Layout`] — shape, strides (in
//! elements, signed) and offset. That split is the whole trick of the crate:
//!
//! * **Views copy nothing.** [`transpose`](Tensor::transpose), [`permute`](Tensor::permute),
//!   [`narrow`](Tensor::narrow)/[`slice`](Tensor::slice) (with a step), [`flip`](Tensor::flip)
//!   (a negative stride), [`broadcast_to`](Tensor::broadcast_to) (stride 0),
//!   [`squeeze`](Tensor::squeeze)/[`unsqueeze`](Tensor::unsqueeze) only rewrite the layout.
//!   [`reshape`](Tensor::reshape) is a view whenever the layout allows and a copy
//!   otherwise; [`contiguous`](Tensor::contiguous) makes a copy explicitly.
//! * **Element-wise ops broadcast like NumPy.** Operands that fill their storage
//!   without gaps in the same layout (contiguous, or the same transposed view) run
//!   as flat loops in memory order that the compiler vectorizes, and the result
//!   keeps that layout; every other combination goes through one general strided
//!   walk, correct for offsets, stride 0 and negative strides.
//! * **`matmul` hands the views' strides to matrixmultiply's GEMM**, so a transposed
//!   operand is never copied; the two shapes of minibatch training — few rows
//!   (`x·W`, `g·Wᵀ`) and a short inner dimension (`zᵀ·g`) — take streaming kernels
//!   of this crate instead, and [`Tensor::addmm_assign`] updates a weight in place.
//! * **Buffers are recycled.** When the last tensor using a buffer is dropped,
//!   the buffer goes to its thread's pool and the next tensor of its size class
//!   takes it, so a training loop's later steps allocate nothing.
//!
//! ```
//! use tensor::Tensor;
//! let x = Tensor::<f64>::arange(0.0, 6.0, 1.0).reshape(&[2, 3]);
//! let col_means = x.mean(&[0], false);            // [1.5, 2.5, 3.5]
//! let centered = &x - &col_means;                 // broadcasts over rows
//! assert_eq!(centered.sum_all(), 0.0);
//! println!("{centered}");
//! ```
//!
//! ## What a learner can skip: the kernels
//!
//! Everything that makes products fast lives in [`kernels`]: the plan that
//! picks a path for each product and the instruction set it runs with
//! ([`kernels::plan`]; `GRADLAB_ISA=avx512|avx2|portable` forces one the CPU
//! has), the small-row, rank-update and packed-GEMM kernels, the SIMD helpers
//! and the thread pool. The rest of the crate — `tensor.rs`, `layout.rs`,
//! `view.rs`, `binary.rs`, `reduce.rs` and `matmul.rs`'s front end — is the
//! teaching layer, and reads without them.
//!
//! ## Errors: panicking ops with `try_` twins
//!
//! Every op that can fail on its arguments (shapes that do not broadcast, a
//! matmul whose inner dimensions differ, an axis out of range, a slice past the
//! end) comes in two forms: `try_x` returns [`Result`] with a [`TensorError`]
//! that names the op and shows both shapes, and `x` panics with that same message.
//! The `x` form is literally `try_x` plus unwrap, so the two cannot disagree.
//!
//! Why: a shape error in numeric code is a bug in the program, not a condition to
//! recover from, and formulas read best without `?` on every line (operators
//! like `&a + &b` cannot return `Result` anyway). Code that must not panic —
//! anything checking user input, or a library validating shapes it was handed —
//! uses the `try_` forms. Ops that cannot fail (element-wise unary functions,
//! `t()`, constructors of a given shape) have only the plain form.
//!
//! ## Reproducible randomness
//!
//! [`TensorRng`] and the `rand_*` constructors draw from ChaCha8, whose stream is
//! fixed by its specification: the same seed gives the same tensor on every run
//! and every machine.

mod arith;
mod axis;
mod binary;
mod display;
mod element;
mod error;
pub mod index;
mod join;
pub mod kernels;
mod layout;
mod math;
mod matmul;
mod operators;
mod random;
mod reduce;
mod storage;
mod tensor;
mod unary;
mod view;

pub use arith::Arith;
pub use axis::{Axes, Axis};
pub use element::Element;
pub use error::{Result, TensorError};
pub use index::{End, IndexPlan, IntoSpan, Span, Spans};
pub use kernels::threads::{set_threads, threads, ThreadsGuard};
pub use layout::{broadcast_shapes, contiguous_strides, Layout, Shape, Strides};
pub use random::{RngPosition, TensorRng};
pub use storage::{pooled_bytes, trim_pool};
pub use tensor::Tensor;
pub use unary::{sigmoid, softsign};
#[cfg(feature = "proptest")]
pub mod strategies;
