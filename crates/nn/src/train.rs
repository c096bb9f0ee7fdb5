//! One training step, the loop body every experiment shares.

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

/// The same step as [`train_step`] with plain SGD (learning rate `lr`, no
/// momentum or decay), fused: the weights enter the tape as constants, so
/// backward never forms ∂C/∂W; each weight is then updated in place by one GEMM,
/// W ← W − lr·zᵀ·∂C/∂s, from the layer's input z and its kept ∂C/∂s. That saves
/// writing and re-reading a weight-sized gradient per layer. Returns the cost.
#[track_caller]
pub fn train_step_fused<E: Element>(
    mlp: &mut Mlp<E>,
    lr: f64,
    x: &Tensor<E>,
    labels: &[usize],
    loss: Loss,
) -> f64 {
    let (cost, updates) = {
        let tape = Tape::new();
        let mut z = tape.constant(x.clone());
        let mut layer_io = vec![];
        for (l, layer) in mlp.layers.iter().enumerate() {
            let (weight, bias) = (tape.constant(layer.weight.clone()), tape.param(layer.bias.clone()));
            let s = (&z.matmul(&weight) + &bias).keep_grad();
            layer_io.push((z.value().clone(), s.clone(), bias));
            z = mlp.activation_of(l).apply(&s);
        }
        let (logits, output) = (layer_io.last().expect("layers").1.clone(), z);
        let cost = loss.cost(&logits, &output, labels);
        let grads = tape.backward(&cost).expect("the cost is a scalar on this tape");
        let updates: Vec<(Tensor<E>, Tensor<E>, Tensor<E>)> =
            layer_io.iter().map(|(z_in, s, bias)| (z_in.clone(), grads.wrt(s), grads.wrt(bias))).collect();
        (cost.value().item().to_f64(), updates)
    };
    // The tape is gone: every weight and bias buffer has one owner again.
    let step = E::from_f64(lr);
    for (layer, (z_in, grad_s, grad_b)) in mlp.layers.iter_mut().zip(&updates) {
        layer.weight.addmm_assign(&z_in.t(), grad_s, -step, E::ONE);
        layer.bias.zip_assign(grad_b, |b, g| b - step * g);
    }
    cost
}
