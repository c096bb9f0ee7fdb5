//! Lesson 7 — why initialization matters, in one loop (the cs231n demo): push
//! 1000 unit-Gaussian examples through 10 layers of 500 units, no biases, and
//! watch the standard deviation of each layer's activations. Weights too small
//! (0.01·N(0,1)): the signal dies. Too large (1.0·N(0,1)): tanh saturates at ±1.
//! N(0, 1/fan_in) ("Xavier") keeps tanh in range; ReLU halves the variance per
//! layer and needs He's factor 2.
//!
//! Run: `cargo run --release --example 07_init_demo`
//! (with histograms and a 4096-wide variant: `cargo run --release -p experiments -- init-demo`).

use gradlab::nn::Activation;
use gradlab::{Tensor, TensorRng};

/// (name, activation, weight std as a function of fan-in)
type Config = (&'static str, Activation, fn(usize) -> f64);

const CONFIGS: [Config; 5] = [
    ("tanh, 0.01·N(0,1)", Activation::Tanh, |_| 0.01),
    ("tanh, 1.0·N(0,1)", Activation::Tanh, |_| 1.0),
    ("tanh, Xavier N(0,1/fan_in)", Activation::Tanh, |n| (1.0 / n as f64).sqrt()),
    ("relu, Xavier N(0,1/fan_in)", Activation::Relu, |n| (1.0 / n as f64).sqrt()),
    ("relu, He N(0,2/fan_in)", Activation::Relu, |n| (2.0 / n as f64).sqrt()),
];

pub fn main() {
    let stds = run(1000, 500, 10);
    // What to notice, checked: the small init collapses, the large one saturates,
    // Xavier-tanh and He-relu keep a usable spread at the top layer.
    let top = |i: usize| *stds[i].last().expect("ten layers");
    assert!(top(0) < 1e-6 && top(1) > 0.95 && top(2) > 0.1 && top(4) > 0.3);
    println!("\nSmall weights: the signal vanishes. Large: tanh pins at ±1 (std → 1).");
    println!("Scaled by fan-in, the spread survives ten layers — the idea behind the paper's eq. 16.");
}

/// The per-layer std of the activations for each configuration.
pub fn run(examples: usize, width: usize, layers: usize) -> Vec<Vec<f64>> {
    let mut rng = TensorRng::new(231);
    let x: Tensor<f32> = rng.normal(&[examples, width], 0.0, 1.0);
    println!("std of each layer's activations (input std {:.3}):\n", x.var_all().sqrt());
    print!("{:<28}", "configuration");
    (1..=layers).for_each(|l| print!("{:>8}", format!("L{l}")));
    println!();
    let mut all = vec![];
    for (name, activation, std_of) in CONFIGS {
        let mut h = x.clone();
        let mut stds = vec![];
        for _ in 0..layers {
            let fan_in = h.shape()[1];
            let w: Tensor<f32> = rng.normal(&[fan_in, width], 0.0, std_of(fan_in) as f32);
            h = activation.forward(&h.matmul(&w)); // z = f(h·W), no bias
            stds.push(h.var_all().sqrt() as f64);
        }
        print!("{name:<28}");
        stds.iter().for_each(|s| print!("{s:>8.4}"));
        println!();
        all.push(stds);
    }
    all
}
