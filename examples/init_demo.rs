//! The cs231n weight-initialization demo: 1000 unit-Gaussian examples through 10
//! layers of 500 units without biases. With 0.01·N(0,1) weights the activations
//! collapse to zero, with 1.0·N(0,1) they saturate at ±1, Xavier keeps tanh in
//! range, and ReLU needs He's factor 2.
//!
//! Run: `cargo run --release --example init_demo`
//! (plots and the 4096-wide variant: `cargo run --release -p experiments -- init-demo`).

use experiments::studies::cs231n;

fn main() {
    let demo = cs231n::run(231, false);
    println!("per-layer std of the activations (input std {:.3}):\n", demo.classic[0].input_std);
    print!("{:<30}", "configuration");
    for layer in 1..=10 {
        print!("{:>8}", format!("L{layer}"));
    }
    println!();
    for run in &demo.classic {
        print!("{:<30}", run.name);
        for std in &run.stds {
            print!("{std:>8.4}");
        }
        println!();
    }
}
