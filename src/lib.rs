//! # gradlab
//!
//! Automatic differentiation you can read, built from scratch, and a runnable
//! reproduction of Glorot & Bengio (2010). This facade re-exports the layers:
//!
//! * [`tensor`] — N-d strided tensors (f32/f64), views, broadcasting, matmul;
//! * [`autograd`] — the tape and reverse-mode differentiation;
//! * [`nn`] — layers, activations, losses, initializers, optimizers, probes.

pub use autograd;
pub use nn;
pub use tensor;
pub use tensor::{Tensor, TensorError, TensorRng};

/// The README's Rust example, compiled and run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExample;
