//! Lesson 1 — a scalar engine. micrograd's README example, line for line, with
//! gradlab: every number is a 0-d tensor on a tape, every operation is recorded,
//! and one backward pass gives ∂g/∂a and ∂g/∂b. micrograd prints 24.7041,
//! 138.8338 and 645.5773; so must we.
//!
//! Run: `cargo run --example 01_scalar_engine`

use gradlab::autograd::Tape;
use gradlab::Tensor;

pub fn main() {
    let tape = Tape::<f64>::new();
    // `param` marks a leaf we want the gradient of (micrograd's Value).
    let a = tape.param(Tensor::scalar(-4.0)).named("a");
    let b = tape.param(Tensor::scalar(2.0)).named("b");

    // micrograd:  c = a + b;  d = a * b + b**3
    let c = &a + &b;
    let d = &(&a * &b) + &b.powi(3);
    // c += c + 1;  c += 1 + c + (-a)   — Rust has no `+=` that records, so we rebind.
    let c = &c + &(&c + 1.0);
    let c = &c + &(&(1.0 + &c) + &(-&a));
    // d += d * 2 + (b + a).relu();  d += 3 * d + (b - a).relu()
    let d = &d + &(&(&d * 2.0) + &(&b + &a).relu());
    let d = &d + &(&(3.0 * &d) + &(&b - &a).relu());
    // e = c - d;  f = e**2;  g = f / 2.0;  g += 10.0 / f
    let e = &c - &d;
    let f = e.powi(2);
    let g = &f / 2.0;
    let g = (&g + &(10.0 / &f)).named("g");

    println!("g = {:.4}   (micrograd: 24.7041)", g.value().item());
    let grads = tape.backward(&g).expect("g is a scalar on this tape");
    let (da, db) = (grads.wrt(&a).item(), grads.wrt(&b).item());
    println!("∂g/∂a = {da:.4}   (micrograd: 138.8338)");
    println!("∂g/∂b = {db:.4}   (micrograd: 645.5773)");
    assert!((g.value().item() - 24.7041).abs() < 5e-5, "forward differs from micrograd");
    assert!((da - 138.8338).abs() < 5e-5 && (db - 645.5773).abs() < 5e-5, "gradients differ from micrograd");

    // The tape is the whole story: one line per operation, inputs first.
    println!("\nThe tape has {} nodes; the first ten:\n", tape.len());
    for line in tape.to_string().lines().take(11) {
        println!("{line}");
    }
    println!("\nNext: lesson 2, tensors and views (`cargo run --example 02_tensors_and_views`).");
}
