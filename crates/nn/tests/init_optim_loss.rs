//! Initializers, the optimizer and the losses against their formulas.

use autograd::Tape;
use nn::loss::{nll, one_hot, quadratic, Quadratic};
use nn::{Init, Loss, Mlp, Sgd};
use tensor::{Tensor, TensorRng};

#[test]
fn initializer_variances_match_their_formulas() {
    let inits = [
        Init::Standard,
        Init::Normalized,
        Init::GlorotNormal,
        Init::HeUniform,
        Init::HeNormal,
        Init::LecunNormal,
        Init::Gaussian { std: 1.0 },
        Init::Gaussian { std: 0.01 },
    ];
    for (seed, init) in inits.into_iter().enumerate() {
        let w: Tensor<f64> = init.sample(&[1000, 1000], 1000, 1000, &mut TensorRng::new(seed as u64));
        let expected = init.variance(1000, 1000);
        let got = w.var_all();
        assert!((got / expected - 1.0).abs() < 0.02, "{}: variance {got}, formula {expected}", init.name());
        assert!(w.mean_all().abs() < 0.01 * expected.sqrt() * 10.0, "{}: mean {}", init.name(), w.mean_all());
    }
}

#[test]
fn uniform_initializers_stay_in_their_bounds_and_use_the_right_fans() {
    // Unequal fans, so a formula using the wrong one would be caught.
    let (n_in, n_out) = (784, 300);
    let cases = [
        (Init::Standard, 1.0 / (784f64).sqrt()),
        (Init::Normalized, (6.0 / 1084f64).sqrt()),
        (Init::HeUniform, (6.0 / 784f64).sqrt()),
    ];
    for (init, bound) in cases {
        assert_eq!(init.uniform_bound(n_in, n_out), Some(bound));
        let w: Tensor<f32> = init.sample(&[n_in, n_out], n_in, n_out, &mut TensorRng::new(9));
        let (lo, hi) = (w.min_all() as f64, w.max_all() as f64);
        assert!(lo >= -bound && hi <= bound, "{}: [{lo}, {hi}] outside ±{bound}", init.name());
        assert!(hi > 0.99 * bound && lo < -0.99 * bound, "{}: does not fill its range", init.name());
        // Var of U[−b, b] is b²/3.
        assert!((w.cast::<f64>().var_all() / (bound * bound / 3.0) - 1.0).abs() < 0.02);
    }
    let zeros: Tensor<f32> = Init::Zeros.sample(&[3], 1, 3, &mut TensorRng::new(0));
    assert_eq!(zeros.to_vec(), vec![0.0; 3]);
    let c: Tensor<f32> = Init::Constant(0.5).sample(&[2], 1, 2, &mut TensorRng::new(0));
    assert_eq!(c.to_vec(), vec![0.5; 2]);
}

#[test]
fn builder_is_seeded_and_lays_out_the_paper_network() {
    let a = Mlp::<f32>::builder(&[1024, 1000, 1000, 9]).init(Init::Standard).seed(3).build();
    let b = Mlp::<f32>::builder(&[1024, 1000, 1000, 9]).init(Init::Standard).seed(3).build();
    let c = Mlp::<f32>::builder(&[1024, 1000, 1000, 9]).init(Init::Standard).seed(4).build();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.widths(), vec![1024, 1000, 1000, 9]);
    assert_eq!(a.depth(), 2);
    assert_eq!(a.layers[0].weight.shape(), &[1024, 1000], "W is [n_in, n_out]: s = z·W + b");
    assert!(a.layers.iter().all(|l| l.bias.to_vec().iter().all(|&b| b == 0.0)), "biases start at 0");
}

/// One step by hand: w = 1.0, g = 0.5, lr 0.1, momentum 0.9, decay 0.2.
#[test]
fn sgd_with_momentum_and_decay_equals_hand_arithmetic() {
    let mut mlp =
        Mlp::<f64>::builder(&[1, 1]).init(Init::Constant(1.0)).bias_init(Init::Constant(1.0)).build();
    let grads = [Tensor::full(&[1, 1], 0.5), Tensor::full(&[1], 0.5)];
    let mut sgd = Sgd::new(0.1).with_momentum(0.9, false).with_weight_decay(0.2);
    sgd.step(mlp.parameters_mut(), &grads);
    // Weight: g' = 0.5 + 0.2·1 = 0.7; v = 0.7; w = 1 − 0.1·0.7 = 0.93. Bias: no decay: 1 − 0.05 = 0.95.
    assert!((mlp.layers[0].weight.item() - 0.93).abs() < 1e-15);
    assert!((mlp.layers[0].bias.item() - 0.95).abs() < 1e-15);
    sgd.step(mlp.parameters_mut(), &grads);
    // Weight: g' = 0.5 + 0.2·0.93 = 0.686; v = 0.9·0.7 + 0.686 = 1.316; w = 0.93 − 0.1316 = 0.7984.
    assert!((mlp.layers[0].weight.item() - 0.7984).abs() < 1e-15);
    // Bias: v = 0.9·0.5 + 0.5 = 0.95; b = 0.95 − 0.095 = 0.855.
    assert!((mlp.layers[0].bias.item() - 0.855).abs() < 1e-15);

    // Nesterov: first step d = g + μ·v = 0.5 + 0.9·0.5 = 0.95 for the bias.
    let mut mlp =
        Mlp::<f64>::builder(&[1, 1]).init(Init::Constant(1.0)).bias_init(Init::Constant(1.0)).build();
    Sgd::new(0.1).with_momentum(0.9, true).step(mlp.parameters_mut(), &grads);
    assert!((mlp.layers[0].bias.item() - (1.0 - 0.095)).abs() < 1e-15);
}

#[test]
fn nielsen_l2_is_his_update_rule() {
    // w ← (1 − ηλ/n)·w − η·g with η = 0.1, λ = 5, n = 50 000.
    let mut mlp = Mlp::<f64>::builder(&[1, 1]).init(Init::Constant(2.0)).build();
    let grads = [Tensor::full(&[1, 1], 0.3), Tensor::zeros(&[1])];
    Sgd::new(0.1).l2(5.0, 50_000).step(mlp.parameters_mut(), &grads);
    let expected = (1.0 - 0.1 * 5.0 / 50_000.0) * 2.0 - 0.1 * 0.3;
    assert!((mlp.layers[0].weight.item() - expected).abs() < 1e-15);
}

#[test]
#[should_panic(expected = "layers.0.weight")]
fn sgd_names_a_parameter_whose_gradient_has_the_wrong_shape() {
    let mut mlp = Mlp::<f64>::builder(&[2, 1]).build();
    Sgd::new(0.1).step(mlp.parameters_mut(), &[Tensor::zeros(&[1, 2]), Tensor::zeros(&[1])]);
}

#[test]
fn losses_equal_their_formulas() {
    let logits = Tensor::<f64>::from_vec(vec![0.5, -1.0, 2.0, 0.0, 0.3, -0.2], &[2, 3]);
    let labels = [2, 0];
    let tape = Tape::new();
    let s = tape.param(logits.clone());
    // Softmax cross-entropy = mean of log-sum-exp − picked logit.
    let lse = |row: &[f64]| row.iter().map(|v| v.exp()).sum::<f64>().ln();
    let by_hand = ((lse(&[0.5, -1.0, 2.0]) - 2.0) + (lse(&[0.0, 0.3, -0.2]) - 0.0)) / 2.0;
    let ce = Loss::SoftmaxCrossEntropy.cost(&s, &s, &labels).value().item();
    assert!((ce - by_hand).abs() < 1e-14);
    assert!((nll(&s.log_softmax(1), &labels).value().item() - by_hand).abs() < 1e-14);

    let targets = one_hot::<f64>(&labels, 3);
    let diff2: f64 = logits.iter().zip(targets.iter()).map(|(a, y)| (a - y).powi(2)).sum();
    let mse = quadratic(&s, &targets, Quadratic::MeanSquaredError).value().item();
    assert!((mse - diff2 / 6.0).abs() < 1e-14);
    let half = quadratic(&s, &targets, Quadratic::HalfSumPerExample).value().item();
    assert!((half - 0.5 * diff2 / 2.0).abs() < 1e-14);
}

#[test]
fn the_plain_step_equals_backward_then_sgd_step_bit_for_bit() {
    // train_step updates each parameter as soon as its gradient is final;
    // the textbook order (whole backward, then Sgd::step) must give the same
    // numbers, with momentum and weight decay too (per-parameter state).
    use nn::{train_step, Activation};
    for sgd in [
        Sgd::<f64>::new(0.1),
        Sgd::new(0.05).with_momentum(0.9, false).with_weight_decay(1e-3),
        Sgd::new(0.05).with_momentum(0.5, true),
    ] {
        let build = || Mlp::<f64>::builder(&[5, 9, 7, 3]).hidden(Activation::Tanh).seed(11).build();
        let (mut stepped, mut textbook) = (build(), build());
        let (mut sgd_stepped, mut sgd_textbook) = (sgd.clone(), sgd.clone());
        for step in 0..4 {
            let x = Tensor::<f64>::rand_uniform(&[6, 5], -1.0, 1.0, step);
            let labels: Vec<usize> = (0..6).map(|i| (i + step as usize) % 3).collect();
            let cost = train_step(&mut stepped, &mut sgd_stepped, &x, &labels, Loss::SoftmaxCrossEntropy);
            let (expected_cost, grads) = {
                let tape = Tape::new();
                let net = textbook.on(&tape);
                let (logits, output) = net.forward_to_logits(&tape.constant(x.clone()));
                let cost = Loss::SoftmaxCrossEntropy.cost(&logits, &output, &labels);
                let grads = tape.backward(&cost).unwrap();
                (cost.value().item(), net.gradients(&grads))
            };
            sgd_textbook.step(textbook.parameters_mut(), &grads);
            assert_eq!(cost, expected_cost, "step {step}");
            assert_eq!(stepped, textbook, "step {step}, {sgd:?}");
        }
    }
}

#[test]
fn the_fused_step_equals_backward_then_sgd() {
    use nn::{train_step, Activation};
    let cases = [
        (vec![7, 12, 12, 4], Activation::Tanh, Activation::Identity, Loss::SoftmaxCrossEntropy, 10),
        (vec![5, 20, 3], Activation::Sigmoid, Activation::Sigmoid, Loss::SigmoidCrossEntropy, 1),
        (vec![6, 18, 18, 5], Activation::Softsign, Activation::Identity, Loss::SoftmaxCrossEntropy, 25),
    ];
    for (widths, hidden, output, loss, batch) in cases {
        let build = || {
            Mlp::<f64>::builder(&widths)
                .hidden(hidden)
                .output(output)
                .bias_init(Init::Gaussian { std: 0.5 })
                .seed(4)
                .build()
        };
        let (mut plain, mut fused) = (build(), build());
        let mut sgd = Sgd::new(0.07);
        let classes = *widths.last().unwrap();
        for step in 0..4 {
            let x = Tensor::<f64>::rand_uniform(&[batch, widths[0]], -1.0, 1.0, step);
            let labels: Vec<usize> = (0..batch).map(|i| (i + step as usize) % classes).collect();
            let a = train_step(&mut plain, &mut sgd, &x, &labels, loss);
            let b = nn::fused::train_step(&mut fused, &sgd, &x, &labels, loss).unwrap();
            assert!((a - b).abs() < 1e-12, "costs {a} vs {b}");
        }
        for ((name, p), (_, f)) in plain.parameters().iter().zip(fused.parameters()) {
            assert!(p.allclose(f, 1e-10, 1e-12), "{name} differs between the fused and the plain step");
        }
    }
}

#[test]
fn the_fused_step_refuses_what_it_does_not_apply_and_changes_nothing() {
    let build = || Mlp::<f64>::builder(&[4, 6, 3]).seed(9).build();
    let x = Tensor::<f64>::rand_uniform(&[5, 4], -1.0, 1.0, 1);
    let labels = [0, 1, 2, 0, 1];
    for (sgd, word) in [
        (Sgd::new(0.1).with_momentum(0.9, false), "momentum 0.9"),
        (Sgd::new(0.1).with_momentum(0.5, true), "momentum 0.5"),
        (Sgd::new(0.1).with_weight_decay(1e-3), "weight decay 0.001"),
    ] {
        let mut mlp = build();
        let error = nn::fused::train_step(&mut mlp, &sgd, &x, &labels, Loss::SoftmaxCrossEntropy)
            .expect_err("the fused step applies plain SGD only");
        let message = error.to_string();
        assert!(matches!(error, nn::NnError::Unsupported { .. }), "{message}");
        assert!(message.contains(word) && message.contains("nn::train_step"), "{message}");
        assert_eq!(mlp, build(), "a refused step leaves the network as it was");
    }
}

#[test]
fn the_fused_step_puts_the_layers_back_when_it_panics() {
    let mut mlp = Mlp::<f64>::builder(&[4, 6, 3]).seed(9).build();
    let before = mlp.clone();
    let x = Tensor::<f64>::rand_uniform(&[2, 4], -1.0, 1.0, 1);
    // Label 7 of 3 classes: the loss panics after forward, with the layers inside the tape's ops.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        nn::fused::train_step(&mut mlp, &Sgd::new(0.1), &x, &[0, 7], Loss::SoftmaxCrossEntropy)
    }));
    assert!(outcome.is_err(), "an out-of-range label panics");
    assert_eq!(mlp, before, "every layer is back, unchanged (backward never ran)");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// The fused step against backward-then-SGD over random shapes: minibatches
    /// on both sides of the 16-row streaming paths (few rows in forward, short
    /// inner dimension in the update) and the general GEMM.
    #[test]
    fn the_fused_step_equals_the_plain_step_for_any_shape(
        widths in proptest::collection::vec(1usize..40, 2..5),
        batch in 1usize..40,
        hidden in proptest::prop_oneof![
            proptest::prelude::Just(nn::Activation::Tanh),
            proptest::prelude::Just(nn::Activation::Sigmoid),
            proptest::prelude::Just(nn::Activation::Relu),
        ],
        seed in 0u64..1000,
    ) {
        let build = || Mlp::<f64>::builder(&widths).hidden(hidden).bias_init(Init::Gaussian { std: 0.5 }).seed(seed).build();
        let (mut plain, mut fused) = (build(), build());
        let mut sgd = Sgd::new(0.05);
        let classes = *widths.last().unwrap();
        for step in 0..2 {
            let x = Tensor::<f64>::rand_uniform(&[batch, widths[0]], -1.0, 1.0, seed + step);
            let labels: Vec<usize> = (0..batch).map(|i| (i * 7 + step as usize) % classes).collect();
            let a = nn::train_step(&mut plain, &mut sgd, &x, &labels, Loss::SoftmaxCrossEntropy);
            let b = nn::fused::train_step(&mut fused, &sgd, &x, &labels, Loss::SoftmaxCrossEntropy).unwrap();
            proptest::prop_assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()), "costs {} vs {}", a, b);
        }
        for ((name, p), (_, f)) in plain.parameters().iter().zip(fused.parameters()) {
            proptest::prop_assert!(p.allclose(f, 1e-10, 1e-12), "{} differs", name);
        }
    }
}
