//! The differentiable ops, one file per family. In each file, every op's
//! `forward` and `backward` sit side by side, with the `Var` method that records it.

pub mod activation;
pub mod arith;
pub mod loss;
pub mod matmul;
pub mod reduce;
pub mod shape;
pub mod unary;

use tensor::{Element, Tensor};

/// ∂C/∂x = ∂C/∂y · f'(…) for an element-wise op: zips the output gradient with a
/// same-shaped tensor (the input or the output) through `local`, the derivative
/// written in terms of that tensor's element.
pub(crate) fn chain<E: Element>(grad: &Tensor<E>, with: &Tensor<E>, local: impl Fn(E) -> E) -> Tensor<E> {
    grad.zip_with(with, move |g, v| g * local(v))
}
