//! Lesson 11 — second derivatives: the Hessian of a tiny network, its
//! eigenvalues, and Newton's method against gradient descent.
//!
//! A 1→4→1 tanh network (13 weights) fits sin on eight points. `autograd::hessian`
//! differentiates the recorded gradient once per weight: H is 13 × 13. Its
//! eigenvalues say how curved the loss is along each direction: gradient descent
//! must take steps below 2/λ_max to stay stable, so directions of small λ move
//! slowly; Newton's step H⁻¹·∇C rescales every direction by its own curvature.
//! Where H has negative eigenvalues (a saddle, not a bowl) the plain Newton step
//! heads uphill along them, so we damp it: (H + μI)⁻¹·∇C with μ above −λ_min,
//! raised tenfold whenever a step would increase the loss and lowered tenfold
//! after each step that decreases it (Levenberg–Marquardt).
//!
//! Run: `cargo run --release --example 11_newton_step`

use gradlab::autograd::{hessian, vjp, Tape, Var};
use gradlab::Tensor;

/// The network's weights laid end to end: W₁ (1×4), b₁ (4), W₂ (4×1), b₂ (1).
const WEIGHTS: usize = 13;

pub fn main() {
    let (newton, descent) = run(10);
    let (n, d) = (*newton.last().unwrap(), *descent.last().unwrap());
    println!("\nWhat to notice:");
    let verdict = if n < d { "Newton is ahead" } else { "gradient descent is ahead" };
    println!(
        "  * after 10 steps: Newton {n:.2e}, gradient descent {d:.2e} ({verdict}, by {:.0}×);",
        (n / d).max(d / n)
    );
    println!("  * gradient descent's step is capped by the largest |eigenvalue|, so directions of small");
    println!("    curvature barely move; Newton divides each direction by its own curvature;");
    println!("  * negative eigenvalues: the start is a saddle region, not a bowl — an undamped Newton step");
    println!("    would climb along them, which is why μ is kept above −λ_min.");
}

/// Mean squared error of the network on sin over eight points of [−2, 2].
fn loss<'t>(tape: &'t Tape<f64>, params: &[Var<'t, f64>]) -> Var<'t, f64> {
    let theta = &params[0];
    let x = tape.constant(Tensor::linspace(-2.0, 2.0, 8).reshape(&[8, 1]));
    let y = tape.constant(x.value().map(f64::sin));
    let w1 = theta.narrow(0, 0, 4).reshape(&[1, 4]);
    let b1 = theta.narrow(0, 4, 4);
    let w2 = theta.narrow(0, 8, 4).reshape(&[4, 1]);
    let b2 = theta.narrow(0, 12, 1);
    let prediction = &(&x.matmul(&w1) + &b1).tanh().matmul(&w2) + &b2;
    prediction.mse(&y)
}

/// Loss after each of `steps` damped-Newton steps and gradient-descent steps,
/// from the same start; prints the Hessian's eigenvalues along the way.
pub fn run(steps: usize) -> (Vec<f64>, Vec<f64>) {
    let start = Tensor::from_vec(
        vec![0.5, -0.3, 0.8, -0.6, 0.1, -0.1, 0.2, 0.0, 0.4, 0.3, -0.5, 0.6, 0.0],
        &[WEIGHTS],
    );
    let eigenvalues = symmetric_eigenvalues(&hessian_at(&start));
    println!("Hessian eigenvalues at the start: {}", list(&eigenvalues));
    let largest = eigenvalues.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    // The largest stable step of gradient descent on this quadratic model is 2/λ_max; take 1/λ_max.
    let learning_rate = 1.0 / largest;
    println!("gradient descent's learning rate: 1/λ_max = {learning_rate:.3}");

    let (mut theta_newton, mut theta_descent) = (start.clone(), start);
    let (mut newton, mut descent) = (vec![], vec![]);
    let mut damping = 1.0;
    println!("{:>4} {:>14} {:>10} {:>14}", "step", "Newton", "next μ", "descent");
    let initial = value_and_gradient(&theta_newton).0;
    println!("{:>4} {initial:>14.6e} {damping:>10.1e} {initial:>14.6e}", 0);
    for step in 1..=steps {
        (theta_newton, damping) = newton_step(&theta_newton, damping);
        let (_, gradient) = value_and_gradient(&theta_descent);
        theta_descent = &theta_descent - &(gradient * learning_rate);
        newton.push(value_and_gradient(&theta_newton).0);
        descent.push(value_and_gradient(&theta_descent).0);
        println!("{step:>4} {:>14.6e} {damping:>10.1e} {:>14.6e}", newton[step - 1], descent[step - 1]);
    }
    let at_end = symmetric_eigenvalues(&hessian_at(&theta_newton));
    println!("Hessian eigenvalues where Newton ends: {}", list(&at_end));
    (newton, descent)
}

/// C(θ) and ∇C(θ).
fn value_and_gradient(theta: &Tensor<f64>) -> (f64, Tensor<f64>) {
    let (value, mut gradient) =
        vjp(loss, std::slice::from_ref(theta), &Tensor::scalar(1.0)).expect("a scalar loss");
    (value.item(), gradient.remove(0))
}

/// The Hessian of C at θ, [13, 13] (θ is the one input: one block).
fn hessian_at(theta: &Tensor<f64>) -> Tensor<f64> {
    hessian(loss, std::slice::from_ref(theta)).expect("every op has a recorded backward").remove(0).remove(0)
}

/// One damped Newton step θ − (H + μI)⁻¹·∇C: μ is kept above −λ_min (so H + μI
/// is positive definite), raised tenfold until the step lowers the loss, then
/// lowered tenfold for the next step. Returns the new θ and μ.
fn newton_step(theta: &Tensor<f64>, damping: f64) -> (Tensor<f64>, f64) {
    let h = hessian_at(theta);
    let lowest = symmetric_eigenvalues(&h).into_iter().fold(f64::INFINITY, f64::min);
    let (before, gradient) = value_and_gradient(theta);
    let mut damping = damping.max(1e-3 - lowest);
    for _attempt in 0..30 {
        let mut system = h.to_vec();
        for i in 0..WEIGHTS {
            system[i * WEIGHTS + i] += damping;
        }
        let step = solve(system, gradient.to_vec());
        let candidate = theta - &Tensor::from_vec(step, &[WEIGHTS]);
        if value_and_gradient(&candidate).0 < before {
            return (candidate, damping / 10.0);
        }
        damping *= 10.0;
    }
    (theta.clone(), damping)
}

/// Solves A·x = b (A n × n, row-major) by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs())).unwrap();
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
        }
        b.swap(col, pivot);
        for row in col + 1..n {
            let factor = a[row * n + col] / a[col * n + col];
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let rest: f64 = (row + 1..n).map(|k| a[row * n + k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row * n + row];
    }
    x
}

/// Eigenvalues of a symmetric matrix, ascending, by cyclic Jacobi rotations:
/// each rotation zeroes one off-diagonal pair, until none is left above 1e-12.
pub fn symmetric_eigenvalues(h: &Tensor<f64>) -> Vec<f64> {
    let n = (h.numel() as f64).sqrt() as usize;
    let mut a = h.to_vec();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        if off < 1e-24 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p * n + q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * a[p * n + q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    values.sort_by(f64::total_cmp);
    values
}

fn list(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(" ")
}
