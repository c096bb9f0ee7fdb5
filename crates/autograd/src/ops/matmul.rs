//! Matrix product.

use tensor::{Element, Tensor};

use crate::backward_through_vjp;
use crate::error::{or_panic, Result};
use crate::op::{BackwardContext, Grads, Op};
use crate::operand::Operand;
use crate::tape::Var;
use smallvec::smallvec;

/// C = A·B over the last two axes (batch axes broadcast).
///
/// With ∂C/∂Y = G: ∂C/∂A = G·Bᵀ and ∂C/∂B = Aᵀ·G — each entry a_ik meets b_kj in
/// every y_ij of row i. Batch axes that were broadcast are summed back.
pub struct MatMulOp;

impl<E: Element> Op<E> for MatMulOp {
    fn name(&self) -> String {
        "matmul".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_matmul(x[1])
    }
    backward_through_vjp!();
}

impl MatMulOp {
    /// ∂C/∂A = G·Bᵀ, ∂C/∂B = Aᵀ·G, broadcast batch axes summed back.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (a, b, g) = (ctx.input(0), ctx.input(1), ctx.grad_output);
        smallvec![
            ctx.needs(0).then(|| g.matmul(&b.t()).sum_to_shape(a.value().shape())),
            ctx.needs(1).then(|| a.t().matmul(g).sum_to_shape(b.value().shape())),
        ]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Matrix product of the last two axes.
    #[track_caller]
    pub fn try_matmul(&self, rhs: &Var<'t, E>) -> Result<Var<'t, E>> {
        self.tape.apply(MatMulOp, &[self, rhs])
    }

    /// Matrix product; panics if the shapes do not fit.
    #[track_caller]
    pub fn matmul(&self, rhs: &Var<'t, E>) -> Var<'t, E> {
        or_panic(self.try_matmul(rhs))
    }
}
