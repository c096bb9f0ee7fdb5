//! Softmax, log-softmax and the losses built on them.
//!
//! All shift by the maximum before exponentiating (log-sum-exp), so logits of
//! ±10⁴ give finite values and finite gradients.

use tensor::{Axis, Element, Tensor, TensorError};

use crate::error::{or_panic, Result};
use smallvec::smallvec;

use super::activation::Sigmoid;
use crate::backward_through_vjp;
use crate::op::{BackwardContext, Grads, Op};
use crate::operand::Operand;
use crate::tape::Var;

/// log softmax along `axis`: x − max − ln Σ e^(x − max).
pub(crate) fn try_log_softmax<E: Element>(x: &Tensor<E>, axis: usize) -> tensor::Result<Tensor<E>> {
    let shifted = x.try_sub(&x.try_max([axis], true)?)?;
    let log_sum = shifted.exp().try_sum([axis], true)?.ln();
    shifted.try_sub(&log_sum)
}

/// log softmax along an axis known to exist.
pub(crate) fn log_softmax<E: Element>(x: &Tensor<E>, axis: usize) -> Tensor<E> {
    or_panic(try_log_softmax(x, axis).map_err(Into::into))
}

/// y = e^x / Σ e^x along `axis`. Backward: ∂C/∂x = y ⊙ (g − Σ g⊙y).
pub struct SoftmaxOp(pub usize);

impl<E: Element> Op<E> for SoftmaxOp {
    fn name(&self) -> String {
        format!("softmax(axis={})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(try_log_softmax(x[0], self.0)?.exp())
    }
    backward_through_vjp!();
}

impl SoftmaxOp {
    /// ∂C/∂x = y ⊙ (g − Σ g⊙y).
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (y, g) = (ctx.output, ctx.grad_output);
        let dot = g.mul(y).sum(&[self.0], true);
        smallvec![Some(y.mul(&g.sub(&dot)))]
    }
}

/// y = log softmax(x) along `axis`. Backward: ∂C/∂x = g − softmax(x) ⊙ Σ g.
pub struct LogSoftmaxOp(pub usize);

impl<E: Element> Op<E> for LogSoftmaxOp {
    fn name(&self) -> String {
        format!("log_softmax(axis={})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        try_log_softmax(x[0], self.0)
    }
    backward_through_vjp!();
}

impl LogSoftmaxOp {
    /// ∂C/∂x = g − e^y ⊙ Σ g.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (y, g) = (ctx.output, ctx.grad_output);
        smallvec![Some(g.sub(&y.exp().mul(&g.sum(&[self.0], true))))]
    }
}

/// Mean over the batch of −Σⱼ yⱼ·log softmax(logits)ⱼ, from `[batch, classes]`
/// logits (input 0) and targets y of the same shape (input 1, a constant: one-hot
/// rows for class labels, or any distributions) — softmax and cross-entropy
/// fused, so the gradient is the famous (softmax − y)/batch, exact and finite.
/// (For target rows that do not sum to 1 it is (softmax·Σy − y)/batch; the
/// targets' own gradient, when they are not constants, is −log softmax/batch.)
pub struct SoftmaxCrossEntropyOp;

impl<E: Element> Op<E> for SoftmaxCrossEntropyOp {
    fn name(&self) -> String {
        "softmax_cross_entropy".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        let (logits, targets) = (x[0], x[1]);
        if logits.ndim() != 2 || logits.shape() != targets.shape() {
            return Err(TensorError::ShapeMismatch {
                op: "softmax_cross_entropy",
                lhs: logits.shape().to_vec(),
                rhs: targets.shape().to_vec(),
                detail: "logits and targets must both be [batch, classes]".into(),
            });
        }
        let picked = try_log_softmax(logits, 1)?.try_mul(targets)?.sum_all();
        Ok(Tensor::scalar(-picked / E::from_usize(logits.shape()[0])))
    }
    backward_through_vjp!();
}

impl SoftmaxCrossEntropyOp {
    /// ∂C/∂logits = g·(softmax·Σy − y)/batch, ∂C/∂y = −g·log softmax/batch.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (logits, targets) = (ctx.input(0), ctx.input(1));
        let scale = ctx.grad_output.scale(E::ONE / E::from_usize(logits.value().shape()[0]));
        smallvec![
            ctx.needs(0).then(|| {
                let mass = targets.sum(&[1], true);
                logits.softmax(1).mul(&mass).sub(targets).mul(&scale)
            }),
            ctx.needs(1).then(|| logits.log_softmax(1).mul(&scale).neg()),
        ]
    }
}

/// Binary cross-entropy of sigmoid outputs, computed from the pre-activations
/// ("logits") s for stability: per element
/// −y ln σ(s) − (1−y) ln(1−σ(s)) = max(s, 0) − s·y + ln(1 + e^−|s|),
/// summed over outputs and averaged over the batch (axis 0) — Nielsen's
/// `CrossEntropyCost`. Backward: (σ(s) − y)/batch, his output delta a − y.
pub struct SigmoidCrossEntropyOp<E: Element> {
    /// Targets in [0, 1], same shape as the logits.
    pub targets: Tensor<E>,
}

impl<E: Element> Op<E> for SigmoidCrossEntropyOp<E> {
    fn name(&self) -> String {
        "sigmoid_cross_entropy".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        let s = x[0];
        if s.shape() != self.targets.shape() || s.ndim() == 0 {
            return Err(TensorError::ShapeMismatch {
                op: "sigmoid_cross_entropy",
                lhs: s.shape().to_vec(),
                rhs: self.targets.shape().to_vec(),
                detail: "logits and targets must have the same shape, batch first".into(),
            });
        }
        let per_element =
            s.zip_with(&self.targets, |s, y| s.max(E::ZERO) - s * y + (E::ONE + (-s.abs()).exp()).ln());
        Ok(Tensor::scalar(per_element.sum_all() / E::from_usize(s.shape()[0])))
    }
    backward_through_vjp!();
}

impl<E: Element> SigmoidCrossEntropyOp<E> {
    /// ∂C/∂s = g·(σ(s) − y)/batch.
    pub fn vjp<T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let s = ctx.input(0);
        let scale = ctx.grad_output.scale(E::ONE / E::from_usize(s.value().shape()[0]));
        let targets = s.constant(self.targets.clone());
        smallvec![Some(s.activate(Sigmoid).sub(&targets).mul(&scale))]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Nielsen's cross-entropy cost of sigmoid outputs, from their pre-activations
    /// (see [`SigmoidCrossEntropyOp`]).
    #[track_caller]
    pub fn try_sigmoid_cross_entropy(&self, targets: &Tensor<E>) -> Result<Var<'t, E>> {
        self.tape.apply(SigmoidCrossEntropyOp { targets: targets.clone() }, &[self])
    }
    /// Nielsen's cross-entropy cost; panics on mismatched shapes.
    #[track_caller]
    pub fn sigmoid_cross_entropy(&self, targets: &Tensor<E>) -> Var<'t, E> {
        or_panic(self.try_sigmoid_cross_entropy(targets))
    }

    /// Softmax along `axis` (`-1`: the last); panics on a bad axis.
    #[track_caller]
    pub fn softmax(&self, axis: impl Axis) -> Var<'t, E> {
        let axis = or_panic(axis.resolve("softmax", self.shape()).map_err(Into::into));
        self.apply(SoftmaxOp(axis))
    }
    /// Log-softmax along `axis` (`-1`: the last); panics on a bad axis.
    #[track_caller]
    pub fn log_softmax(&self, axis: impl Axis) -> Var<'t, E> {
        let axis = or_panic(axis.resolve("log_softmax", self.shape()).map_err(Into::into));
        self.apply(LogSoftmaxOp(axis))
    }
    /// Mean softmax cross-entropy of `[batch, classes]` logits against integer labels.
    #[track_caller]
    pub fn try_softmax_cross_entropy(&self, labels: &[usize]) -> Result<Var<'t, E>> {
        let (op, shape) = ("softmax_cross_entropy", self.shape());
        let &[batch, classes] = shape else {
            return Err(TensorError::invalid(op, shape, "logits must be [batch, classes]").into());
        };
        if labels.len() != batch {
            return Err(
                TensorError::mismatch(op, shape, &[labels.len()], "one label per row is needed").into()
            );
        }
        let targets = self.tape.constant(Tensor::try_one_hot(labels, classes)?);
        self.tape.apply(SoftmaxCrossEntropyOp, &[self, &targets])
    }
    /// Mean softmax cross-entropy; panics on bad shapes or labels.
    #[track_caller]
    pub fn softmax_cross_entropy(&self, labels: &[usize]) -> Var<'t, E> {
        or_panic(self.try_softmax_cross_entropy(labels))
    }
    /// Mean squared error mean((self − target)²), built from recorded ops.
    #[track_caller]
    pub fn mse(&self, target: &Var<'t, E>) -> Var<'t, E> {
        (self - target).square().mean_all()
    }
}
