//! Across the crates: a tiny MLP learns XOR with the tape, the loss and SGD.

use gradlab::autograd::Tape;
use gradlab::nn::{Activation, Init, Mlp, Sgd};
use gradlab::Tensor;

#[test]
fn a_small_tanh_mlp_learns_xor() {
    let x = Tensor::<f64>::from_vec(vec![0., 0., 0., 1., 1., 0., 1., 1.], &[4, 2]);
    let labels = [0, 1, 1, 0];
    let mut mlp =
        Mlp::<f64>::builder(&[2, 8, 2]).hidden(Activation::Tanh).init(Init::Normalized).seed(7).build();
    let mut sgd = Sgd::new(0.5).with_momentum(0.9, false);
    let mut last_loss = f64::INFINITY;
    for _ in 0..300 {
        let tape = Tape::new();
        let net = mlp.on(&tape);
        let loss = net.forward(&tape.constant(x.clone())).softmax_cross_entropy(&labels);
        let grads = tape.backward(&loss).unwrap();
        sgd.step(mlp.parameters_mut(), &net.gradients(&grads));
        last_loss = loss.value().item();
    }
    let predicted = mlp.predict(&x).argmax(-1);
    assert_eq!(predicted, vec![0, 1, 1, 0], "XOR not learned (final loss {last_loss})");
    assert!(last_loss < 0.05, "final loss {last_loss}");
}
