//! Nielsen's vanishing gradient (Neural Networks and Deep Learning, ch. 5), in a
//! few lines: build his `network2` with 2, 3 and 4 hidden layers of 30 sigmoid
//! units, and print ‖∂C/∂bˡ‖ per hidden layer, averaged over the first 1,000
//! training images — each layer learns several times slower than the one above.
//! Then the one-neuron chain of his eq. 122, factor by factor.
//!
//! Run: `cargo run --release --example vanishing_gradients -- [MNIST folder]`
//! (default: Debian's Fashion-MNIST in /usr/share/datasets/fashion-mnist).
//! The full lesson with training curves: `cargo run --release -p experiments -- nielsen`.

use std::path::PathBuf;

use experiments::data::idx::load_mnist;
use experiments::studies::nielsen::{bias_gradient_norms, chain, network2, NIELSEN_INIT_NORMS};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    let data = load_mnist(&folder, "data")?;
    let first = data.train.head::<f32>(1000);
    println!(
        "‖δˡ‖ = ‖∂C/∂bˡ‖ at initialization, averaged over the first 1,000 images of {}\n",
        folder.display()
    );
    for (hidden, nielsen) in (2..=4).zip(NIELSEN_INIT_NORMS) {
        let norms = bias_gradient_norms(&network2(hidden, 2010), &first);
        let shown: Vec<String> = norms.iter().map(|n| format!("{n:.4}")).collect();
        let his: Vec<String> = nielsen.iter().map(|n| format!("{n:.4}")).collect();
        println!(
            "{hidden} hidden layers: here [{}]   Nielsen on MNIST [{}]",
            shown.join(", "),
            his.join(", ")
        );
    }

    // Eq. 122: ∂C/∂b₁ = σ'(z₁)·w₂σ'(z₂)·w₃σ'(z₃)·w₄σ'(z₄)·∂C/∂a₄, with weights of N(0, 1) size
    // and target 0; `chain` records the four neurons on a tape and runs backward.
    let c = chain("example", 0.7, [0.6, -1.1, 0.9, 1.4], [0.3, -0.2, 0.5, 0.1], 0.0);
    println!("\nOne sigmoid neuron per layer (eq. 122), factor by factor:");
    let mut product = 1.0;
    for (name, factor) in ["σ'(z₁)", "w₂σ'(z₂)", "w₃σ'(z₃)", "w₄σ'(z₄)", "∂C/∂a₄"].iter().zip(&c.factors)
    {
        product *= factor;
        println!("  × {name:<10} = {factor:>9.5}   running product {product:.3e}");
    }
    println!("  the tape's ∂C/∂b₁ = {:.3e}  (each |w·σ'| < 1/4 when |w| < 1: the gradient vanishes)", c.tape);
    Ok(())
}
