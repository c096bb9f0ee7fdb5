//! One training step, the loop body every experiment shares. (The fused
//! variant, for plain SGD on large layers, is [`crate::fused::train_step`].)

use autograd::Tape;
use smallvec::SmallVec;
use tensor::{Element, Tensor};

use crate::loss::Loss;
use crate::mlp::Mlp;
use crate::optim::{ParamMut, Sgd};

/// Forward on a fresh tape, backward, and one optimizer update on the minibatch
/// `x` (`[batch, n_in]`) with `labels`. Returns the minibatch cost before the update.
///
/// Each parameter is updated as soon as backward has its gradient final
/// ([`Tape::backward_updating`]): the last layer's right after its backward,
/// the first layer's last, each while its weight (just read by backward) and
/// its gradient (just written) are still in cache. The numbers are those of
/// a backward pass followed by [`Sgd::step`]: every gradient is computed and
/// stored in full (unlike [`crate::fused::train_step`]'s) and every update is
/// the same, only earlier. On an AMD EPYC (Zen 5), one thread, against
/// updating after the whole pass (two builds alternating): the paper's
/// network (1000-wide layers) ran 20 % faster at minibatch 10, 2–3 % at
/// minibatch 100 (`experiments bench W1`, `W2`). Should backward fail
/// halfway (an op's bug, which panics here), the layers it had passed are
/// updated already.
#[track_caller]
pub fn train_step<E: Element>(
    mlp: &mut Mlp<E>,
    sgd: &mut Sgd<E>,
    x: &Tensor<E>,
    labels: &[usize],
    loss: Loss,
) -> f64 {
    let tape = Tape::new();
    let (cost, leaves) = {
        let net = mlp.on(&tape);
        let (logits, output) = net.forward_to_logits(&tape.constant(x.clone()));
        (loss.cost(&logits, &output, labels), net.parameter_indices())
        // `net` goes here, and with it its handles on the parameters: the
        // tape's and the model's are left.
    };
    let mut params: SmallVec<[ParamMut<'_, E>; 16]> = mlp.parameters_mut().collect();
    tape.backward_updating(&cost, |index, on_tape, grad| {
        let position =
            leaves.iter().position(|&leaf| leaf == index).expect("the tape's parameters are the model's");
        let param = &mut params[position];
        // The model takes the tape's handle on the buffer it already shares
        // and drops its own: one handle is left, so the update is in place.
        *param.value = std::mem::take(on_tape);
        let param = ParamMut { name: param.name, value: &mut *param.value, decay: param.decay };
        sgd.update(position, param, &grad);
    })
    .expect("the cost is a scalar on this tape");
    cost.value().item().to_f64()
}
