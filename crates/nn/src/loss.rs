//! Losses. The softmax and sigmoid cross-entropies are fused, numerically stable
//! ops of the tape; the others are built from recorded ops.

use autograd::Var;
use serde::{Deserialize, Serialize};
use tensor::{Element, Tensor};

/// One-hot rows for integer labels: `[labels.len(), classes]` ([`Tensor::one_hot`]).
/// Panics on a label that is not below `classes`.
#[track_caller]
pub fn one_hot<E: Element>(labels: &[usize], classes: usize) -> Tensor<E> {
    Tensor::one_hot(labels, classes)
}

/// Mean over the batch of −log softmax(logits)\[label\] (the paper's cost).
#[track_caller]
pub fn softmax_cross_entropy<'t, E: Element>(logits: &Var<'t, E>, labels: &[usize]) -> Var<'t, E> {
    logits.softmax_cross_entropy(labels)
}

/// Negative log-likelihood from log-probabilities `[batch, classes]`: mean over
/// the batch of −log_probs\[label\].
#[track_caller]
pub fn nll<'t, E: Element>(log_probs: &Var<'t, E>, labels: &[usize]) -> Var<'t, E> {
    let classes = log_probs.shape().get(1).copied().unwrap_or(0);
    let picks = log_probs.tape().constant(one_hot(labels, classes));
    -(log_probs * &picks).sum_all() / E::from_usize(labels.len())
}

/// How the quadratic cost is normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quadratic {
    /// mean over every element of (a − y)² (PyTorch's `MSELoss`).
    MeanSquaredError,
    /// ½·Σ over outputs of (a − y)², averaged over the batch (Nielsen's `QuadraticCost`).
    HalfSumPerExample,
}

/// The quadratic cost of outputs `[batch, n]` against targets of the same shape.
#[track_caller]
pub fn quadratic<'t, E: Element>(outputs: &Var<'t, E>, targets: &Tensor<E>, form: Quadratic) -> Var<'t, E> {
    let y = outputs.tape().constant(targets.clone());
    match form {
        Quadratic::MeanSquaredError => outputs.mse(&y),
        Quadratic::HalfSumPerExample => {
            let batch = outputs.shape().first().copied().unwrap_or(1);
            (outputs - &y).square().sum_all() * E::from_f64(0.5 / batch as f64)
        }
    }
}

/// Nielsen's cross-entropy cost Σ −y ln a − (1−y) ln(1−a) of sigmoid outputs
/// a = σ(s), from the pre-activations s, averaged over the batch.
#[track_caller]
pub fn sigmoid_cross_entropy<'t, E: Element>(logits: &Var<'t, E>, targets: &Tensor<E>) -> Var<'t, E> {
    logits.sigmoid_cross_entropy(targets)
}

/// The training criterion of an experiment, applied to a network's last layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Loss {
    /// Softmax over the output pre-activations, then −log-likelihood (the paper).
    SoftmaxCrossEntropy,
    /// Sigmoid outputs with Nielsen's cross-entropy against one-hot targets.
    SigmoidCrossEntropy,
    /// Quadratic cost of the outputs against one-hot targets.
    Quadratic(Quadratic),
}

impl Loss {
    /// The cost of a batch, given the output layer's pre-activation `logits`, its
    /// activation `outputs`, and integer labels.
    #[track_caller]
    pub fn cost<'t, E: Element>(
        &self,
        logits: &Var<'t, E>,
        outputs: &Var<'t, E>,
        labels: &[usize],
    ) -> Var<'t, E> {
        let classes = logits.shape().get(1).copied().unwrap_or(0);
        match *self {
            Loss::SoftmaxCrossEntropy => softmax_cross_entropy(logits, labels),
            Loss::SigmoidCrossEntropy => sigmoid_cross_entropy(logits, &one_hot(labels, classes)),
            Loss::Quadratic(form) => quadratic(outputs, &one_hot(labels, classes), form),
        }
    }
}
