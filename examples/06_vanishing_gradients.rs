//! Lesson 6 — the vanishing gradient (Nielsen, Neural Networks and Deep Learning,
//! ch. 5), written out. Build his `network2` with 2, 3 and 4 hidden layers of 30
//! sigmoid units and print ‖∂C/∂bˡ‖ per hidden layer, over the first 1,000
//! training images: each layer learns several times slower than the one above.
//! Then one sigmoid neuron per layer (his eq. 122), factor by factor.
//!
//! Run: `cargo run --release --example 06_vanishing_gradients -- [MNIST folder]`
//! (default: Debian's Fashion-MNIST; `sudo apt-get install dataset-fashion-mnist`).
//! The full lesson with training curves: `cargo run --release -p experiments -- nielsen`.

use std::path::{Path, PathBuf};

use experiments::data::idx::load_mnist;
use experiments::studies::nielsen::NIELSEN_INIT_NORMS;
use gradlab::autograd::Tape;
use gradlab::nn::{Activation, Init, Loss, Mlp};
use gradlab::Tensor;

pub fn main() {
    let folder = std::env::args().nth(1).map(PathBuf::from);
    let folder = folder.unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    if let Err(e) = run(&folder, 1000) {
        eprintln!("error: {e}");
        eprintln!("This lesson needs MNIST-format files: `sudo apt-get install dataset-fashion-mnist`, or pass a folder holding MNIST.");
        std::process::exit(1);
    }
}

/// Prints ‖∂C/∂bˡ‖ per layer for the first `images` training images, and the one-neuron chain.
pub fn run(folder: &Path, images: usize) -> Result<Vec<Vec<f64>>, Box<dyn std::error::Error>> {
    let data = load_mnist(folder, "images")?;
    let batch = data.train.head::<f32>(images.min(data.train.len()));
    println!(
        "‖δˡ‖ = ‖∂C/∂bˡ‖ at initialization, over the first {} images of {}\n",
        batch.labels.len(),
        folder.display()
    );
    let mut all = vec![];
    for (hidden, nielsen) in (2..=4).zip(NIELSEN_INIT_NORMS) {
        // network2: 784 inputs, `hidden` layers of 30 sigmoids, 10 sigmoid outputs;
        // weights N(0, 1/fan_in), biases N(0, 1); cross-entropy cost.
        let widths = [vec![784], vec![30; hidden], vec![10]].concat();
        let mlp = Mlp::<f32>::builder(&widths)
            .hidden(Activation::Sigmoid)
            .output(Activation::Sigmoid)
            .init(Init::LecunNormal)
            .bias_init(Init::Gaussian { std: 1.0 })
            .seed(2010)
            .build();
        let tape = Tape::new();
        let net = mlp.on(&tape);
        let (logits, outputs) = net.forward_to_logits(&tape.constant(batch.x.clone()));
        let cost = Loss::SigmoidCrossEntropy.cost(&logits, &outputs, &batch.labels);
        let grads = tape.backward(&cost)?;
        // δˡ = ∂C/∂bˡ; its length tells how fast layer l's biases learn.
        let norms: Vec<f64> = net.layers[..hidden]
            .iter()
            .map(|layer| grads.wrt(&layer.bias).cast::<f64>().square().sum_all().sqrt())
            .collect();
        let show = |v: &[f64]| v.iter().map(|n| format!("{n:.4}")).collect::<Vec<_>>().join(", ");
        println!("{hidden} hidden layers: here [{}]   Nielsen on MNIST [{}]", show(&norms), show(nielsen));
        all.push(norms);
    }
    one_neuron_chain();
    Ok(all)
}

/// Eq. 122: ∂C/∂b₁ = σ'(z₁)·w₂σ'(z₂)·w₃σ'(z₃)·w₄σ'(z₄)·∂C/∂a₄, recorded on a tape.
fn one_neuron_chain() {
    let (w, b, input) = ([0.6, -1.1, 0.9, 1.4], [0.3, -0.2, 0.5, 0.1], 0.7);
    let tape = Tape::<f64>::new();
    let mut a = tape.constant(Tensor::scalar(input));
    let mut biases = vec![];
    let mut slopes = vec![];
    for layer in 0..4 {
        let bias = tape.param(Tensor::scalar(b[layer]));
        let z = &(&a * w[layer]) + &bias;
        a = z.sigmoid();
        let s = a.value().item();
        slopes.push(s * (1.0 - s)); // σ'(z) = σ(z)(1 − σ(z)) ≤ 1/4
        biases.push(bias);
    }
    let cost = (&a * &a) * 0.5; // C = a₄²/2 (target 0), so ∂C/∂a₄ = a₄
    let grads = tape.backward(&cost).expect("a scalar cost");
    let factors = [slopes[0], w[1] * slopes[1], w[2] * slopes[2], w[3] * slopes[3], a.value().item()];
    println!("\nOne sigmoid neuron per layer (eq. 122), factor by factor:");
    let mut product = 1.0;
    for (name, factor) in ["σ'(z₁)", "w₂σ'(z₂)", "w₃σ'(z₃)", "w₄σ'(z₄)", "∂C/∂a₄"].iter().zip(factors)
    {
        product *= factor;
        println!("  × {name:<10} = {factor:>9.5}   running product {product:.3e}");
    }
    let tape_gradient = grads.wrt(&biases[0]).item();
    assert!((tape_gradient - product).abs() < 1e-15, "the tape and the product disagree");
    println!(
        "  the tape's ∂C/∂b₁ = {tape_gradient:.3e}  (each |w·σ'| < 1/4 when |w| < 1: the gradient vanishes)"
    );
}
