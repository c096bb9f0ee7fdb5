//! Probes on the paper's network at initialization reproduce Figs. 6–8 and eq. 17
//! (criteria from docs/criteria.md): a 5×1000 tanh net, 300 probe examples.
//!
//! The probe inputs are uniform in [−1, 1] (Shapeset pixels are in [−1, 1] with
//! std ≈ 0.6; uniform gives 0.58), 1024 wide like Shapeset's 32×32 images.

use nn::probe::{probe, ProbeConfig, ProbeRecord};
use nn::{Activation, Init, Loss, Mlp};
use tensor::{Tensor, TensorRng};

fn probe_at_init(init: Init) -> ProbeRecord {
    let mlp = Mlp::<f32>::builder(&[1024, 1000, 1000, 1000, 1000, 1000, 9])
        .hidden(Activation::Tanh)
        .init(init)
        .seed(2010)
        .build();
    let x = Tensor::<f32>::rand_uniform(&[300, 1024], -1.0, 1.0, 1);
    let mut rng = TensorRng::new(2);
    let labels: Vec<usize> = (0..300).map(|_| rng.below(9)).collect();
    let config = ProbeConfig { jacobian_examples: 2, ..ProbeConfig::default() };
    probe(&mlp, &x, &labels, Loss::SoftmaxCrossEntropy, &config, 0)
}

fn stds(record: &ProbeRecord, pick: impl Fn(&nn::probe::LayerProbe) -> f64) -> Vec<f64> {
    record.layers.iter().map(pick).collect()
}

#[test]
fn figs_6_7_8_and_eq_17_at_initialization() {
    let standard = probe_at_init(Init::Standard);
    let normalized = probe_at_init(Init::Normalized);
    for (name, r) in [("standard", &standard), ("normalized", &normalized)] {
        assert_eq!(r.layers.len(), 5, "{name}");
        let act = stds(r, |l| l.activation.std);
        let back = stds(r, |l| l.grad_pre_activation.std);
        let weight = stds(r, |l| l.grad_weight.std);
        let jac: Vec<f64> = r.jacobians.iter().map(|j| j.mean_singular_value).collect();
        let sci = |v: &[f64]| v.iter().map(|x| format!("{x:.2e}")).collect::<Vec<_>>().join(", ");
        println!("{name}: activation std {act:.4?}\n  dC/ds std [{}]\n  dC/dW std [{}]\n  Jacobian mean singular values {jac:.3?}", sci(&back), sci(&weight));
    }

    // Fig. 6: with standard init the activations shrink going up; normalized keeps them.
    let act_s = stds(&standard, |l| l.activation.std);
    let act_n = stds(&normalized, |l| l.activation.std);
    assert!(
        act_s.windows(2).all(|w| w[1] < w[0]),
        "standard: activation std must fall layer by layer {act_s:?}"
    );
    assert!(act_s[4] / act_s[0] < 0.2, "standard: std(L5)/std(L1) = {}", act_s[4] / act_s[0]);
    assert!(act_n[4] / act_n[0] > 0.5, "normalized: std(L5)/std(L1) = {}", act_n[4] / act_n[0]);

    // Fig. 7: back-propagated gradients grow going up with standard init (smaller in lower layers).
    let back_s = stds(&standard, |l| l.grad_pre_activation.std);
    let back_n = stds(&normalized, |l| l.grad_pre_activation.std);
    assert!(
        back_s.windows(2).all(|w| w[1] > w[0]),
        "standard: dC/ds std must rise layer by layer {back_s:?}"
    );
    assert!(back_s[0] / back_s[4] < 0.2, "standard: ratio L1/L5 = {}", back_s[0] / back_s[4]);
    assert!(back_n[0] / back_n[4] > 0.5, "normalized: ratio L1/L5 = {}", back_n[0] / back_n[4]);
    let within_2 = |v: &[f64]| {
        v.iter().cloned().fold(0.0, f64::max) / v.iter().cloned().fold(f64::INFINITY, f64::min) < 2.0
    };
    assert!(within_2(&act_n) && within_2(&back_n), "normalized: both stay within a factor of 2");

    // Fig. 8: weight gradients are about flat across layers for both (eq. 14).
    for (name, r) in [("standard", &standard), ("normalized", &normalized)] {
        let w = stds(r, |l| l.grad_weight.std);
        let ratio = w.iter().cloned().fold(0.0, f64::max) / w.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(ratio < 1.5, "{name}: weight-gradient std max/min = {ratio} ({w:?})");
    }

    // Eq. 17: mean singular value of ∂z^{l+1}/∂z^l ≈ 0.5 standard, ≈ 0.8 normalized.
    assert_eq!(standard.jacobians.len(), 4);
    for (name, probes, range) in
        [("standard", &standard, 0.42..=0.56), ("normalized", &normalized, 0.68..=0.88)]
    {
        for j in &probes.jacobians {
            assert!(
                range.contains(&j.mean_singular_value),
                "{name} {}→{}: {}",
                j.from_layer,
                j.to_layer,
                j.mean_singular_value
            );
        }
    }
}

#[test]
fn probe_records_serialize_and_histograms_count_everything() {
    let mlp = Mlp::<f64>::builder(&[6, 5, 5, 3]).hidden(Activation::Sigmoid).seed(1).build();
    let x = Tensor::<f64>::rand_uniform(&[20, 6], -1.0, 1.0, 3);
    let labels: Vec<usize> = (0..20).map(|i| i % 3).collect();
    let config = ProbeConfig { jacobian_examples: 3, ..ProbeConfig::default() };
    let record = probe(&mlp, &x, &labels, Loss::SoftmaxCrossEntropy, &config, 7);
    assert_eq!(record.step, 7);
    let layer = &record.layers[0];
    assert_eq!(layer.activation.count, 20 * 5);
    let h = &layer.activation.histogram;
    assert_eq!((h.low, h.high), (0.0, 1.0), "sigmoid activations are histogrammed over (0, 1)");
    assert_eq!(h.counts.iter().sum::<u64>() + h.below + h.above, 100);
    assert!((h.fractions().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(layer.activation.percentile(2.0).unwrap() <= layer.activation.percentile(98.0).unwrap());
    assert_eq!(record.jacobians[0].per_example_mean.len(), 3);
    let json = serde_json::to_string(&record).unwrap();
    let back: ProbeRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, record);
}

#[test]
fn percentiles_interpolate_like_numpy() {
    let sorted = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(nn::probe::percentile(&sorted, 0.0), 1.0);
    assert_eq!(nn::probe::percentile(&sorted, 50.0), 2.5);
    assert_eq!(nn::probe::percentile(&sorted, 100.0), 4.0);
    assert!((nn::probe::percentile(&sorted, 98.0) - 3.94).abs() < 1e-12);
}

/// Eq. 17's layer Jacobians, as the probe computes them by hand
/// (W·diag(f'(s))), against the Jacobian the tape builds by backward passes.
#[test]
fn probe_jacobians_equal_the_tapes_jacobians() {
    let mlp =
        Mlp::<f64>::builder(&[6, 5, 4, 4, 3]).hidden(Activation::Tanh).init(Init::Normalized).seed(3).build();
    let x = Tensor::<f64>::rand_uniform(&[3, 6], -1.0, 1.0, 4);
    let config = ProbeConfig { jacobian_examples: 3, ..ProbeConfig::default() };
    let record = probe(&mlp, &x, &[0, 1, 2], Loss::SoftmaxCrossEntropy, &config, 0);
    let tape = autograd::Tape::no_grad();
    let trace = mlp.on(&tape).forward_traced(&tape.constant(x.clone()));
    assert_eq!(record.jacobians.len(), mlp.depth() - 1);
    for probe in &record.jacobians {
        let l = probe.from_layer; // z^l feeds layer index l, whose output is z^{l+1}
        for (e, &hand_mean) in probe.per_example_mean.iter().enumerate() {
            let z = trace.activations[l - 1].value().narrow(0, e, 1).contiguous();
            let layer = &mlp.layers[l];
            let tape_jacobian =
                autograd::jacobian(|tape, z| Activation::Tanh.apply(&layer.on(tape).forward(&z[0])), &[z])
                    .unwrap()
                    .remove(0);
            let (n_in, n_out) = (layer.n_in(), layer.n_out());
            assert_eq!(tape_jacobian.shape(), &[1, n_out, 1, n_in]);
            // Element [0, j, 0, i] is ∂z^{l+1}_j/∂z^l_i = W[i, j]·f'(s_j).
            let slopes = Activation::Tanh.derivative(&trace.pre_activations[l].value().narrow(0, e, 1));
            for i in 0..n_in {
                for j in 0..n_out {
                    let hand = layer.weight.get(&[i, j]) * slopes.get(&[0, j]);
                    assert!((tape_jacobian.get(&[0, j, 0, i]) - hand).abs() < 1e-14);
                }
            }
            let values = nn::probe::singular_values(&tape_jacobian.reshape(&[n_out, n_in]));
            let tape_mean = values.iter().sum::<f64>() / values.len() as f64;
            assert!(
                (tape_mean - hand_mean).abs() < 1e-12,
                "layer {l} example {e}: {tape_mean} vs {hand_mean}"
            );
        }
    }
}
