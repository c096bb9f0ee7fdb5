//! Lesson 8 — one of the paper's figures, measured: Figs. 6 and 7 of Glorot &
//! Bengio (2010). At initialization, a 5-layer tanh network of 1000 units per
//! layer, with the "standard" init W ~ U[−1/√n, 1/√n] and with the paper's
//! normalized init W ~ U[−√6/√(n_in + n_out), √6/√(n_in + n_out)] (its eq. 16).
//!
//! The paper's Fig. 6: with standard init the activations shrink layer after
//! layer going up; normalized keeps their spread. Fig. 7: the back-propagated
//! gradients ∂C/∂s shrink going *down* with standard init; normalized keeps them
//! about equal. Here we print the standard deviation of both, per layer.
//!
//! Run: `cargo run --release --example 08_paper_figures_6_7`
//! (the figures as plots, with training: `cargo run --release -p experiments -- fig6`).

use gradlab::nn::probe::{probe, ProbeConfig};
use gradlab::nn::{Activation, Init, Loss, Mlp};
use gradlab::{Tensor, TensorRng};

pub fn main() {
    let spreads = run(1000, 300);
    let [standard, normalized] = &spreads;
    let top_over_bottom = |v: &[f64]| v[v.len() - 1] / v[0];
    println!("\nWhat to notice:");
    println!(
        "  activations, layer 5 ÷ layer 1: standard {:.2}, normalized {:.2} (paper: standard shrinks, normalized holds)",
        top_over_bottom(&standard.0),
        top_over_bottom(&normalized.0)
    );
    println!(
        "  ∂C/∂s, layer 1 ÷ layer 5:       standard {:.2}, normalized {:.2} (paper: standard vanishes downward)",
        1.0 / top_over_bottom(&standard.1),
        1.0 / top_over_bottom(&normalized.1)
    );
}

/// Per-layer std of the activations and of ∂C/∂s, for standard then normalized init.
pub fn run(width: usize, examples: usize) -> [(Vec<f64>, Vec<f64>); 2] {
    // Inputs uniform in [−1, 1] like Shapeset's pixels, random labels of 9 classes.
    let x = Tensor::<f32>::rand_uniform(&[examples, 1024], -1.0, 1.0, 1);
    let mut rng = TensorRng::new(2);
    let labels: Vec<usize> = (0..examples).map(|_| rng.below(9)).collect();
    [Init::Standard, Init::Normalized].map(|init| {
        let mlp = Mlp::<f32>::builder(&[1024, width, width, width, width, width, 9])
            .hidden(Activation::Tanh)
            .init(init)
            .seed(2010)
            .build();
        // One forward and backward pass, summarised per hidden layer; the network is unchanged.
        let record = probe(&mlp, &x, &labels, Loss::SoftmaxCrossEntropy, &ProbeConfig::default(), 0);
        let activations: Vec<f64> = record.layers.iter().map(|l| l.activation.std).collect();
        let gradients: Vec<f64> = record.layers.iter().map(|l| l.grad_pre_activation.std).collect();
        println!("{init:?} initialization");
        println!("  std of activations z^l: {}", row(&activations));
        println!("  std of gradients ∂C/∂s^l: {}", row(&gradients));
        (activations, gradients)
    })
}

fn row(values: &[f64]) -> String {
    values.iter().enumerate().map(|(l, v)| format!("L{}={v:.2e}", l + 1)).collect::<Vec<_>>().join("  ")
}
