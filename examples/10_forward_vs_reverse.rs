//! Lesson 10 — forward mode against reverse mode, measured.
//!
//! For f: Rⁿ → Rᵐ with Jacobian J (m × n):
//! * **reverse mode** gives uᵀJ — a row of J for u = eᵢ — in one backward sweep,
//!   so the whole J costs one sweep per *output*: m sweeps;
//! * **forward mode** gives J·v — a column of J for v = eⱼ — in one forward-mode
//!   pass, so the whole J costs one pass per *input*: n passes.
//!
//! gradlab builds forward mode from reverse mode (the "double-vjp" construction,
//! see `autograd::jvp`): record the backward of ⟨u, f(x)⟩ once — it computes
//! g(u) = Jᵀu, which is linear in u — then one backward sweep of ⟨g(u), eⱼ⟩ back
//! to u gives J·eⱼ. So below, both modes are "one tape, then sweeps": m sweeps
//! over the forward tape for reverse mode, n sweeps over the recorded backward
//! for forward mode. We count the ops each sweep goes through and time both as
//! n and m change.
//!
//! Run: `cargo run --release --example 10_forward_vs_reverse`

use std::time::Instant;

use gradlab::autograd::{Tape, Var};
use gradlab::{Tensor, TensorRng};

pub fn main() {
    println!("f: Rⁿ → Rᵐ, f(x) = W₂·tanh(W₁·x), hidden width 256; the full Jacobian both ways.\n");
    println!(
        "{:>5} {:>5} | {:>8} {:>12} {:>10} | {:>8} {:>12} {:>10} | {:>9}",
        "n", "m", "reverse", "ops / sweep", "time", "forward", "ops / pass", "time", "max |Δ|"
    );
    let sizes = [(1, 256), (16, 256), (256, 256), (256, 16), (256, 1)];
    let rows: Vec<Row> = sizes.iter().map(|&(n, m)| measure(n, m, 256)).collect();
    for r in &rows {
        println!(
            "{:>5} {:>5} | {:>8} {:>12} {:>8.2}ms | {:>8} {:>12} {:>8.2}ms | {:>9.1e}",
            r.n,
            r.m,
            r.reverse_sweeps,
            r.reverse_ops,
            r.reverse_ms,
            r.forward_passes,
            r.forward_ops,
            r.forward_ms,
            r.max_difference
        );
    }
    println!("\nWhat to notice:");
    println!(
        "  * reverse mode takes m sweeps, forward mode n passes: each wins when its count is the smaller;"
    );
    println!(
        "    a scalar loss (m = 1) is why training uses reverse mode — one sweep for any number of weights."
    );
    println!("  * both Jacobians agree (max |Δ| is rounding).");
    println!("  * a forward pass here goes through the recorded backward, about twice as many ops as the");
    println!("    forward tape: a forward-mode engine with its own per-op rules would need about half that.");
}

/// One line of the table.
pub struct Row {
    /// Inputs.
    pub n: usize,
    /// Outputs.
    pub m: usize,
    /// Backward sweeps reverse mode took (= m).
    pub reverse_sweeps: usize,
    /// Ops on the forward tape, which each reverse sweep walks back.
    pub reverse_ops: usize,
    /// Wall time of the whole reverse-mode Jacobian.
    pub reverse_ms: f64,
    /// Passes forward mode took (= n).
    pub forward_passes: usize,
    /// Ops each forward-mode pass walks back: the recorded backward and the forward tape.
    pub forward_ops: usize,
    /// Wall time of the whole forward-mode Jacobian.
    pub forward_ms: f64,
    /// Largest difference between the two Jacobians.
    pub max_difference: f64,
}

/// f(x) = W₂·tanh(W₁·x) for a column x of n inputs, m outputs.
fn network<'t>(tape: &'t Tape<f64>, x: &Var<'t, f64>, n: usize, m: usize, hidden: usize) -> Var<'t, f64> {
    let w1 = tape.constant(TensorRng::new(1).uniform(&[hidden, n], -1.0, 1.0) * (1.0 / (n as f64).sqrt()));
    let w2 =
        tape.constant(TensorRng::new(2).uniform(&[m, hidden], -1.0, 1.0) * (1.0 / (hidden as f64).sqrt()));
    w2.matmul(&w1.matmul(x).tanh())
}

/// The full Jacobian of the network both ways, timed.
pub fn measure(n: usize, m: usize, hidden: usize) -> Row {
    let x = TensorRng::new(3).uniform(&[n, 1], -1.0, 1.0);

    // Reverse mode: one forward tape, then row i = backward seeded with eᵢ.
    let start = Instant::now();
    let tape = Tape::new();
    let input = tape.param(x.clone());
    let output = network(&tape, &input, n, m, hidden);
    let reverse_ops = tape.len();
    let mut reverse = Vec::with_capacity(m * n);
    for i in 0..m {
        let grads = tape.backward_with(&output, unit(m, i)).expect("the output is on the tape");
        reverse.extend(grads.wrt(&input).to_vec());
    }
    let reverse_ms = start.elapsed().as_secs_f64() * 1e3;

    // Forward mode: record g(u) = Jᵀu once, then column j = ∂⟨g(u), eⱼ⟩/∂u.
    let start = Instant::now();
    let tape = Tape::new();
    let input = tape.param(x);
    let output = network(&tape, &input, n, m, hidden);
    let u = tape.param(Tensor::zeros(&[m, 1]));
    let jt_u = tape.grad_with(&output, &u, &[&input]).expect("every op has a recorded backward").remove(0);
    let forward_ops = tape.len();
    let mut columns = Vec::with_capacity(n);
    for j in 0..n {
        let grads = tape.backward_with(&jt_u, unit(n, j)).expect("the gradient is on the tape");
        columns.push(grads.wrt(&u).to_vec());
    }
    let forward_ms = start.elapsed().as_secs_f64() * 1e3;

    // J[i][j] is reverse[i·n + j] and columns[j][i].
    let max_difference = (0..m)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| (reverse[i * n + j] - columns[j][i]).abs())
        .fold(0.0, f64::max);
    Row {
        n,
        m,
        reverse_sweeps: m,
        reverse_ops,
        reverse_ms,
        forward_passes: n,
        forward_ops,
        forward_ms,
        max_difference,
    }
}

/// eᵢ as a column of `len` elements.
fn unit(len: usize, i: usize) -> Tensor<f64> {
    let mut values = vec![0.0; len];
    values[i] = 1.0;
    Tensor::from_vec(values, &[len, 1])
}
