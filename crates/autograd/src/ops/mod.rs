//! The differentiable ops, one file per family. In each file, every op's
//! `forward` and `backward` sit side by side, with the `Var` method that records it.

pub mod activation;
pub mod arith;
pub mod elementwise;
pub mod loss;
pub mod matmul;
pub mod reduce;
pub mod shape;
pub mod unary;
