//! Lesson 12 — the curvature of each layer, from Hessian-vector products.
//!
//! Glorot & Bengio (2010, Sec. 5) report that second-order information — an
//! estimate of the Hessian's diagonal, used to give each weight its own step —
//! helped the tanh network with standard initialization, though it did not close
//! the gap to the normalized initialization. Here we measure that diagonal at
//! initialization, layer by layer, for both.
//!
//! The Hessian of the paper's network has (5·10⁶)² entries; we never form it.
//! Hutchinson's estimator: for v with independent ±1 entries (Rademacher),
//! E[v ⊙ Hv] = diag(H), and Hv is one Hessian-vector product — a backward
//! through the recorded gradient. The gradient is recorded once
//! ([`Tape::grad`]); each sample v is one more backward sweep. Each layer is
//! probed on its own, so other layers' blocks of H add no noise. We report, per
//! layer, the mean of diag(H) over the layer's weights (its average curvature)
//! with the standard error over the probes.
//!
//! Run: `cargo run --release --example 12_hessian_diagonal`

use experiments::data::shapeset::{streams, Shapeset};
use gradlab::autograd::{Tape, Var};
use gradlab::nn::{Activation, Init, Loss, Mlp};
use gradlab::{Tensor, TensorRng};

pub fn main() {
    let [standard, normalized] = run(1000, 100, 16);
    println!("\nWhat to notice:");
    let ratios: Vec<String> = standard
        .iter()
        .zip(&normalized)
        .enumerate()
        .map(|(l, (s, n))| {
            let clearly_positive = |(mean, error): (f64, f64)| mean > 2.0 * error;
            match clearly_positive(*s) && clearly_positive(*n) {
                true => format!("L{} {:.0}×", l + 1, n.0 / s.0),
                false => format!("L{} —", l + 1),
            }
        })
        .collect();
    println!("  * normalized ÷ standard, mean curvature per layer: {}", ratios.join(", "));
    println!("    (— where an estimate is not clearly above zero: more than 2 s.e.)");
    for (name, layers) in [("standard", &standard), ("normalized", &normalized)] {
        let hidden_top = layers[4].0;
        println!(
            "  * {name}: the output layer is {:.0}× as curved as the top hidden layer",
            layers[5].0 / hidden_top
        );
    }
    println!("  * one learning rate for all layers must suit the most curved one, so flat layers crawl;");
    println!("    a diagonal-Hessian method scales each weight's step by 1/curvature, which is what the");
    println!("    paper found to help the standard-init tanh network (Sec. 5) — without closing the gap.");
    println!("  * a hidden layer's mean can be negative (see ± for whether it is): its Hessian block is not");
    println!(
        "    positive semi-definite; the output layer's is (softmax cross-entropy is convex in its logits)."
    );
}

/// Per layer (the five hidden layers, then the output layer): the mean of the
/// Hessian's diagonal over the layer's weights and its standard error, for the
/// standard then the normalized initialization, estimated from `samples`
/// Hutchinson probes on `examples` Shapeset images.
pub fn run(width: usize, examples: usize, samples: usize) -> [Vec<(f64, f64)>; 2] {
    let data = Shapeset::dataset(examples, 2010, streams::TEST, "shapeset probe");
    let x = Tensor::from_vec(data.features.clone(), &[examples, data.n_features]);
    println!(
        "Hutchinson's diag(H) of the cross-entropy, {examples} Shapeset images, {samples} probes per layer"
    );
    [Init::Standard, Init::Normalized].map(|init| {
        let mlp = Mlp::<f32>::builder(&[data.n_features, width, width, width, width, width, data.classes])
            .hidden(Activation::Tanh)
            .init(init)
            .seed(2010)
            .build();
        let estimates = diagonal_per_layer(&mlp, &x, &data.labels, samples);
        println!("{init:?} initialization");
        for (l, (mean, error)) in estimates.iter().enumerate() {
            let note = if mean.abs() < 2.0 * error { "  (within 2 s.e. of 0)" } else { "" };
            println!("  L{}: mean diag(H) {mean:>10.3e} ± {error:.1e}{note}", l + 1);
        }
        estimates
    })
}

/// Mean of diag(H) over each layer's weights, ± its standard error over the probes.
fn diagonal_per_layer(mlp: &Mlp<f32>, x: &Tensor<f32>, labels: &[usize], samples: usize) -> Vec<(f64, f64)> {
    let tape = Tape::new();
    let net = mlp.on(&tape);
    let (logits, output) = net.forward_to_logits(&tape.constant(x.clone()));
    let cost = Loss::SoftmaxCrossEntropy.cost(&logits, &output, labels);
    let weights: Vec<&Var<'_, f32>> = net.layers.iter().map(|layer| &layer.weight).collect();
    // ∇C recorded once: every Hv below is one backward sweep through it.
    let gradient = tape.grad(&cost, &weights).expect("every op has a recorded backward");
    let mut rng = TensorRng::new(7);
    let mut per_probe: Vec<Vec<f64>> = vec![Vec::with_capacity(samples); weights.len()];
    // Each layer is probed on its own (v is zero elsewhere): then (Hv)_l = H_ll·v_l,
    // and the other layers' blocks of H add no noise to layer l's estimate.
    for (l, (w, g)) in weights.iter().zip(&gradient).enumerate() {
        for _ in 0..samples {
            let v = rademacher(w.shape(), &mut rng);
            // ⟨∇_l C, v⟩, whose gradient with respect to W_l is H_ll·v.
            let pairing = (g * &tape.constant(v.clone())).sum_all();
            let hv = tape.backward(&pairing).expect("a scalar on the tape");
            per_probe[l].push(f64::from((&hv.wrt(w) * &v).mean_all()));
        }
    }
    per_probe.iter().map(|values| mean_and_standard_error(values)).collect()
}

/// A tensor of independent ±1 entries.
fn rademacher(shape: &[usize], rng: &mut TensorRng) -> Tensor<f32> {
    rng.uniform(shape, -1.0f32, 1.0).map(|u| if u < 0.0 { -1.0 } else { 1.0 })
}

fn mean_and_standard_error(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (variance / n).sqrt())
}
