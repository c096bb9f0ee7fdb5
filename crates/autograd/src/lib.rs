//! # gradlab's `autograd`: reverse-mode differentiation on a tape
//!
//! Backpropagation is the chain rule applied in the right order. Forward, every
//! operation on a [`Var`] is appended to a [`Tape`] — a Wengert list: each entry
//! holds its op, the indices of its inputs and its output value. Inputs always
//! come first, so the list is already in topological order. Backward walks it
//! once from the end: each op turns ∂C/∂output into ∂C/∂input for its inputs
//! (its [`Op::backward`], the vector–Jacobian product), and a value used several
//! times adds up what it receives.
//!
//! ```
//! use autograd::Tape;
//! use tensor::Tensor;
//!
//! let tape = Tape::<f64>::new();
//! let x = tape.constant(Tensor::from_vec(vec![1.0, -2.0], &[1, 2])).named("x");
//! let w = tape.param(Tensor::from_vec(vec![0.5, 0.25], &[2, 1])).named("w");
//! let s = x.matmul(&w).keep_grad().named("s"); // keep ∂C/∂s, as the paper studies
//! let loss = s.tanh().sum_all();
//! let grads = tape.backward(&loss).unwrap();
//! // ∂C/∂s = 1 − tanh²(s), and ∂C/∂w = xᵀ · ∂C/∂s.
//! let ds = 1.0 - (0.0f64).tanh().powi(2);
//! assert_eq!(grads.wrt(&s).item(), ds);
//! assert_eq!(grads.wrt(&w).to_vec(), vec![1.0 * ds, -2.0 * ds]);
//! print!("{tape}");
//! ```
//!
//! * Every op lives in [`ops`], one file per family, its forward and backward
//!   side by side with its derivative in the doc comment. Your own ops implement
//!   [`Op`] exactly as the built-in ones do and are recorded by [`Tape::apply`].
//! * A dropped tape keeps its node list for the thread's next tape, and backward
//!   reuses its bookkeeping, so a training loop records without allocating.
//! * [`Tape::no_grad`] evaluates without recording anything.
//! * [`Tape::set_anomaly_detection`] stops at the first NaN or infinity and names the op.
//! * The tape prints as a table (`Display`) and exports Graphviz ([`Tape::to_dot`]);
//!   [`Tape::annotated`] adds each node's value and gradient to both.
//! * [`gradcheck`] compares the tape with finite differences for any function;
//!   [`strategies`] gives the proptest strategies gradlab tests its ops with.
//! * Gradients of gradients: each op's vector–Jacobian product is written once,
//!   generic over [`Operand`] (a [`Tensor`](tensor::Tensor) or a [`Var`]).
//!   [`Tape::grad`] runs the rules on recorded values, so the gradient is itself
//!   on the tape and can be differentiated again, to any order. On top of it:
//!   [`vjp`], [`jvp`] (forward mode), [`hvp`], [`hessian`], and the checks
//!   [`gradgradcheck`] and [`jvpcheck`].
//!
//! Errors follow the `tensor` crate: `try_` methods return [`Result`]; the plain
//! ones (and the operators) panic with the same message.

mod error;
mod gradcheck;
mod higher;
mod jacobian;
mod op;
mod operand;
pub mod ops;
mod print;
mod recycle;
#[cfg(feature = "proptest")]
pub mod strategies;
mod tape;

pub use error::{AutogradError, Result};
pub use gradcheck::{
    gradcheck, gradgradcheck, jvpcheck, GradcheckError, GradcheckOptions, GradcheckReport, JvpReport,
};
pub use higher::{hessian, hvp, jvp, vjp};
pub use jacobian::jacobian;
pub use op::{BackwardContext, Grads, InputGrads, Op};
pub use operand::Operand;
pub use print::Annotated;
/// Builds an op's [`InputGrads`] like `vec!` (re-exported from `smallvec`).
pub use smallvec::smallvec;
pub use tape::{Gradients, Tape, Var};
