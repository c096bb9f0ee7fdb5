//! One training step, the loop body every experiment shares. (The fused
//! variant, for plain SGD on large layers, is [`crate::fused::train_step`].)

use autograd::Tape;
use tensor::{Element, Tensor};

use crate::loss::Loss;
use crate::mlp::Mlp;
use crate::optim::Sgd;

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
