//! Softmax, log-softmax and the losses built on them.
//!
//! All shift by the maximum before exponentiating (log-sum-exp), so logits of
//! ±10⁴ give finite values and finite gradients.

use tensor::{Element, Tensor, TensorError};

use crate::error::{or_panic, Result};
use crate::op::{BackwardContext, Op};
use crate::tape::Var;

/// log softmax along `axis`: x − max − ln Σ e^(x − max).
fn log_softmax<E: Element>(x: &Tensor<E>, axis: usize) -> tensor::Result<Tensor<E>> {
    let shifted = x.try_sub(&x.try_max(&[axis], true)?)?;
    let log_sum = shifted.exp().try_sum(&[axis], true)?.ln();
    shifted.try_sub(&log_sum)
}

/// y = e^x / Σ e^x along `axis`. Backward: ∂C/∂x = y ⊙ (g − Σ g⊙y).
pub struct SoftmaxOp(pub usize);

impl<E: Element> Op<E> for SoftmaxOp {
    fn name(&self) -> String {
        format!("softmax(axis={})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(log_softmax(x[0], self.0)?.exp())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> Vec<Option<Tensor<E>>> {
        let (y, g) = (ctx.output, ctx.grad_output);
        let dot = (g * y).sum(&[self.0], true);
        vec![Some(y * &(g - &dot))]
    }
}

/// y = log softmax(x) along `axis`. Backward: ∂C/∂x = g − softmax(x) ⊙ Σ g.
pub struct LogSoftmaxOp(pub usize);

impl<E: Element> Op<E> for LogSoftmaxOp {
    fn name(&self) -> String {
        format!("log_softmax(axis={})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        log_softmax(x[0], self.0)
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> Vec<Option<Tensor<E>>> {
        let g = ctx.grad_output;
        vec![Some(g - &(ctx.output.exp() * &g.sum(&[self.0], true)))]
    }
}

/// Mean over the batch of −log softmax(logits)\[label\], from `[batch, classes]`
/// logits and one class index per row — softmax and cross-entropy fused, so the
/// gradient is the famous (softmax − one-hot)/batch, exact and finite.
pub struct SoftmaxCrossEntropyOp {
    /// One class index per row of the logits.
    pub labels: Vec<usize>,
}

impl SoftmaxCrossEntropyOp {
    fn check<E: Element>(&self, logits: &Tensor<E>) -> tensor::Result<()> {
        let op = "softmax_cross_entropy";
        let &[batch, classes] = logits.shape() else {
            return Err(TensorError::InvalidArgument {
                op,
                shape: logits.shape().to_vec(),
                detail: "logits must be [batch, classes]".into(),
            });
        };
        if self.labels.len() != batch {
            return Err(TensorError::ShapeMismatch {
                op,
                lhs: logits.shape().to_vec(),
                rhs: vec![self.labels.len()],
                detail: "one label per row is needed".into(),
            });
        }
        if let Some(&bad) = self.labels.iter().find(|&&l| l >= classes) {
            return Err(TensorError::InvalidArgument {
                op,
                shape: logits.shape().to_vec(),
                detail: format!("label {bad} is not below the {classes} classes"),
            });
        }
        Ok(())
    }
}

impl<E: Element> Op<E> for SoftmaxCrossEntropyOp {
    fn name(&self) -> String {
        "softmax_cross_entropy".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        self.check(x[0])?;
        let log_probs = log_softmax(x[0], 1)?;
        let picked: E =
            self.labels.iter().enumerate().map(|(row, &label)| log_probs.get(&[row, label])).sum();
        Ok(Tensor::scalar(-picked / E::from_usize(self.labels.len())))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> Vec<Option<Tensor<E>>> {
        let logits = ctx.input(0);
        let classes = logits.shape()[1];
        let mut grad = log_softmax(logits, 1).expect("checked in forward").exp().to_vec();
        for (row, &label) in self.labels.iter().enumerate() {
            grad[row * classes + label] -= E::ONE;
        }
        let scale = ctx.grad_output.item() / E::from_usize(self.labels.len());
        vec![Some(Tensor::from_vec(grad, logits.shape()) * scale)]
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
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> Vec<Option<Tensor<E>>> {
        let s = ctx.input(0);
        let scale = ctx.grad_output.item() / E::from_usize(s.shape()[0]);
        vec![Some(s.zip_with(&self.targets, |s, y| (tensor::sigmoid(s) - y) * scale))]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// Nielsen's cross-entropy cost of sigmoid outputs, from their pre-activations
    /// (see [`SigmoidCrossEntropyOp`]).
    pub fn try_sigmoid_cross_entropy(&self, targets: &Tensor<E>) -> Result<Var<'t, E>> {
        self.tape.apply(SigmoidCrossEntropyOp { targets: targets.clone() }, &[self])
    }
    /// Nielsen's cross-entropy cost; panics on mismatched shapes.
    #[track_caller]
    pub fn sigmoid_cross_entropy(&self, targets: &Tensor<E>) -> Var<'t, E> {
        or_panic(self.try_sigmoid_cross_entropy(targets))
    }

    /// Softmax along `axis`; panics on a bad axis.
    #[track_caller]
    pub fn softmax(&self, axis: usize) -> Var<'t, E> {
        self.apply(SoftmaxOp(axis))
    }
    /// Log-softmax along `axis`; panics on a bad axis.
    #[track_caller]
    pub fn log_softmax(&self, axis: usize) -> Var<'t, E> {
        self.apply(LogSoftmaxOp(axis))
    }
    /// Mean softmax cross-entropy of `[batch, classes]` logits against integer labels.
    pub fn try_softmax_cross_entropy(&self, labels: &[usize]) -> Result<Var<'t, E>> {
        self.tape.apply(SoftmaxCrossEntropyOp { labels: labels.to_vec() }, &[self])
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
