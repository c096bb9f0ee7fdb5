//! One training step, the loop body every experiment shares.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use autograd::Tape;
use tensor::{Element, Tensor};

use crate::linear::Linear;

use crate::loss::Loss;
use crate::mlp::Mlp;
use crate::optim::Sgd;
use crate::sgd_linear::SgdLinear;

/// Forward on a fresh tape, backward, and one optimizer update on the minibatch
/// `x` (`[batch, n_in]`) with `labels`. Returns the minibatch cost before the update.
#[track_caller]
pub fn train_step<E: Element>(
    mlp: &mut Mlp<E>,
    sgd: &mut Sgd<E>,
    x: &Tensor<E>,
    labels: &[usize],
    loss: Loss,
) -> f64 {
    let (cost, grads) = {
        let tape = Tape::new();
        let net = mlp.on(&tape);
        let (logits, output) = net.forward_to_logits(&tape.constant(x.clone()));
        let cost = loss.cost(&logits, &output, labels);
        let grads = tape.backward(&cost).expect("the cost is a scalar on this tape");
        (cost.value().item().to_f64(), net.gradients(&grads))
    };
    // The tape is gone, so the parameters' buffers have one owner again and the
    // optimizer updates them in place.
    sgd.step(mlp.parameters_mut(), &grads);
    cost
}

/// The same step as [`train_step`] with plain SGD (learning rate `lr`, no
/// momentum or decay), fused: each layer applies its update during backward,
/// right after computing ∂C/∂z with the old weight and while that weight is
/// still in the cache, as W ← W − lr·zᵀ·∂C/∂s by one in-place product — so no
/// weight gradient is ever stored or re-read (see `sgd_linear.rs`). Gives the
/// plain step's result; returns the cost before the update.
#[track_caller]
pub fn train_step_fused<E: Element>(
    mlp: &mut Mlp<E>,
    lr: f64,
    x: &Tensor<E>,
    labels: &[usize],
    loss: Loss,
) -> f64 {
    let activations = mlp.activations();
    // The layers move into the tape's ops for the step, and come back after it.
    let layers: Vec<Rc<RefCell<Linear<E>>>> =
        std::mem::take(&mut mlp.layers).into_iter().map(|l| Rc::new(RefCell::new(l))).collect();
    let cost = {
        let tape = Tape::new();
        let mut z = tape.constant(x.clone());
        let mut logits = z.clone();
        for (layer, f) in layers.iter().zip(&activations) {
            let op = SgdLinear { layer: Rc::clone(layer), lr: E::from_f64(lr), stepped: Cell::new(false) };
            let bias = tape.param(layer.borrow().bias.clone());
            logits = tape.apply(op, &[&z, &bias]).expect("the layers' widths chain");
            z = f.apply(&logits);
        }
        let cost = loss.cost(&logits, &z, labels);
        tape.backward(&cost).expect("the cost is a scalar on this tape");
        cost.value().item().to_f64()
    };
    // The tape and its ops are gone, so each layer has one owner again.
    mlp.layers = layers
        .into_iter()
        .map(|l| Rc::try_unwrap(l).map_err(|_| ()).expect("the tape has been dropped").into_inner())
        .collect();
    cost
}
