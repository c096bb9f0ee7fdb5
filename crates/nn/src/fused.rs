//! The fused training step: plain SGD applied by each layer during backward.
//!
//! [`train_step`] gives exactly what [`crate::train_step`] gives with the same
//! [`Sgd`] (the tests hold them equal), faster on large layers: each layer
//! updates its weight right after using it in backward, while it is still in
//! the cache, and no weight gradient is ever stored (see `sgd_linear.rs`).
//!
//! It honours only plain SGD. Momentum and weight decay need the gradient as a
//! tensor, which this step never forms, so an [`Sgd`] with either is an
//! [`NnError::Unsupported`] — never quietly reduced to its learning rate.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use autograd::Tape;
use tensor::{Element, Tensor};

use crate::error::NnError;
use crate::linear::Linear;
use crate::loss::Loss;
use crate::mlp::{forward_to_logits, Mlp};
use crate::optim::Sgd;
use crate::sgd_linear::SgdLinear;

/// One fused step of plain SGD on the minibatch `x` (`[batch, n_in]`) with
/// `labels`: forward on a fresh tape, then backward, during which each layer
/// applies W ← W − lr·zᵀ·∂C/∂s and b ← b − lr·Σ∂C/∂s. Returns the minibatch
/// cost before the update.
///
/// Errors, changing nothing, if `sgd` has momentum or weight decay. If anything
/// panics mid-step, the layers are put back into `mlp` before the panic goes on
/// (layers that backward had already reached keep their update).
#[track_caller]
pub fn train_step<E: Element>(
    mlp: &mut Mlp<E>,
    sgd: &Sgd<E>,
    x: &Tensor<E>,
    labels: &[usize],
    loss: Loss,
) -> Result<f64, NnError> {
    check_plain(sgd)?;
    let activations = mlp.activations();
    let lr = E::from_f64(sgd.lr);
    // Declared before the tape, so dropped after it: by then the ops that share
    // the layers are gone, and the guard can put them back.
    let layers = LayersOut::take(mlp);
    let tape = Tape::new();
    let bias_leaves: Vec<_> = layers.shared.iter().map(|l| tape.param(l.borrow().bias.clone())).collect();
    let (logits, output) = forward_to_logits(&activations, &tape.constant(x.clone()), |l, z| {
        let op = SgdLinear { layer: Rc::clone(&layers.shared[l]), lr, stepped: Cell::new(false) };
        tape.apply(op, &[z, &bias_leaves[l]]).expect("the layers' widths chain")
    });
    let cost = loss.cost(&logits, &output, labels);
    tape.backward(&cost).expect("the cost is a scalar on this tape");
    Ok(cost.value().item().to_f64())
}

/// Whether `sgd` is plain SGD, the only optimizer the fused step can apply.
fn check_plain<E: Element>(sgd: &Sgd<E>) -> Result<(), NnError> {
    let unsupported = |detail: String| NnError::Unsupported { operation: "nn::fused::train_step", detail };
    if sgd.momentum != 0.0 {
        return Err(unsupported(format!(
            "momentum {} is not applied by the fused step (plain SGD only); use nn::train_step",
            sgd.momentum
        )));
    }
    if sgd.weight_decay != 0.0 {
        return Err(unsupported(format!(
            "weight decay {} is not applied by the fused step (plain SGD only); use nn::train_step",
            sgd.weight_decay
        )));
    }
    Ok(())
}

/// An [`Mlp`]'s layers, moved out so the tape's ops can share them for one step;
/// dropping this puts them back — after the step, or while a panic unwinds.
struct LayersOut<'m, E: Element> {
    mlp: &'m mut Mlp<E>,
    shared: Vec<Rc<RefCell<Linear<E>>>>,
}

impl<'m, E: Element> LayersOut<'m, E> {
    fn take(mlp: &'m mut Mlp<E>) -> Self {
        let shared = std::mem::take(&mut mlp.layers).into_iter().map(|l| Rc::new(RefCell::new(l))).collect();
        LayersOut { mlp, shared }
    }
}

impl<E: Element> Drop for LayersOut<'_, E> {
    fn drop(&mut self) {
        self.mlp.layers = self
            .shared
            .drain(..)
            .map(|layer| match Rc::try_unwrap(layer) {
                Ok(cell) => cell.into_inner(),
                // Still shared only if the tape outlived the step (it cannot, by
                // declaration order); copy rather than lose the layer.
                Err(shared) => shared.borrow().clone(),
            })
            .collect();
    }
}
