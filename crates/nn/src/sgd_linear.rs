//! A linear layer that takes its own SGD step during backward — the fused
//! training step's building block.
//!
//! In the plain step, backward stores ∂C/∂W for every layer and the optimizer
//! later reads it back beside W and writes W: for the paper's 1000×1000 layers
//! that is three more passes over 4 MB per layer, and the weights are long out
//! of the cache by the time the optimizer comes. Here, as soon as backward
//! reaches the layer, it
//!
//! 1. computes ∂C/∂z = ∂C/∂s·Wᵀ with the old weight (what the next layer down needs),
//! 2. then updates W ← W − lr·zᵀ·∂C/∂s in place with one rank-k product (k = the
//!    minibatch), and b ← b − lr·Σ ∂C/∂s,
//!
//! while W is still in the cache from step 1. ∂C/∂W is never stored. The result
//! is the plain step's (the tests hold them equal), but the tape it runs on can
//! take only one backward: a second one would see the updated weights, so it
//! panics instead.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use autograd::{smallvec, BackwardContext, InputGrads, Op};
use tensor::{Element, Tensor};

use crate::linear::Linear;

/// s = z·W + b whose backward applies plain SGD (learning rate `lr`) to W and b.
///
/// Its inputs are z and b, the bias as a parameter leaf: that makes the tape run
/// this op's backward even for the first layer (whose z is data), and gives the
/// tape ∂C/∂b like any layer's. W lives only in the shared layer, so the update
/// can write into W's buffer.
pub(crate) struct SgdLinear<E: Element> {
    /// The layer, shared with the step that gets it back after backward.
    pub(crate) layer: Rc<RefCell<Linear<E>>>,
    /// The learning rate.
    pub(crate) lr: E,
    /// Set once backward has updated the layer.
    pub(crate) stepped: Cell<bool>,
}

impl<E: Element> Op<E> for SgdLinear<E> {
    fn name(&self) -> String {
        format!("linear+sgd(lr={})", self.lr.to_f64())
    }

    fn forward(&self, inputs: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        let mut s = inputs[0].try_matmul(&self.layer.borrow().weight)?;
        s.try_zip_assign(inputs[1], |x, b| x + b)?;
        Ok(s)
    }

    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        assert!(
            !self.stepped.replace(true),
            "the fused step's tape takes one backward: it updates the weights"
        );
        let mut layer = self.layer.borrow_mut();
        let (z, grad_s) = (ctx.input(0), ctx.grad_output);
        // With the old weight, before the update below.
        let grad_z = ctx.needs(0).then(|| grad_s.matmul(&layer.weight.t()));
        layer.weight.addmm_assign(&z.t(), grad_s, -self.lr, E::ONE);
        let grad_b = grad_s.sum([0], false);
        let lr = self.lr;
        layer.bias.zip_assign(&grad_b, |b, g| b - lr * g);
        smallvec![grad_z, Some(grad_b)]
    }
}
