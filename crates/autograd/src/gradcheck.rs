//! Gradient checking: the tape's gradients against central finite differences.
//!
//! For each input element xᵢ, the numerical derivative is
//! (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε, evaluated in f64. It agrees with the true
//! derivative up to O(ε²) truncation and O(δ/ε) rounding, so with ε = 1e-6 a
//! correct backward matches to about 1e-8 — far inside the default tolerances,
//! which are PyTorch gradcheck's (atol 1e-5, rtol 1e-3).

use std::fmt;

use tensor::Tensor;

use crate::tape::{Tape, Var};

/// Tolerances and step of [`gradcheck`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradcheckOptions {
    /// Finite-difference step ε.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance: an element passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
    pub rtol: f64,
}

impl Default for GradcheckOptions {
    /// PyTorch's gradcheck defaults: eps 1e-6, atol 1e-5, rtol 1e-3.
    fn default() -> Self {
        GradcheckOptions { eps: 1e-6, atol: 1e-5, rtol: 1e-3 }
    }
}

/// Where the analytic and numerical gradients disagree most, and by how much.
#[derive(Debug, Clone, PartialEq)]
pub struct GradcheckReport {
    /// Largest |analytic − numeric| over all elements of all inputs.
    pub max_abs_error: f64,
    /// Largest |analytic − numeric| / max(|numeric|, tiny) over all elements.
    pub max_rel_error: f64,
    /// The element that fails the tolerance worst (or errs most if none fails):
    /// input number and multi-index.
    pub worst_input: usize,
    /// Multi-index of that element within its input.
    pub worst_index: Vec<usize>,
    /// The tape's derivative there.
    pub analytic: f64,
    /// The finite-difference derivative there.
    pub numeric: f64,
    /// Whether every element passed.
    pub passed: bool,
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gradcheck {}: max abs error {:.3e}, max rel error {:.3e}; worst at input {} index {:?}: analytic {:.10e} vs numeric {:.10e}",
            if self.passed { "passed" } else { "FAILED" },
            self.max_abs_error,
            self.max_rel_error,
            self.worst_input,
            self.worst_index,
            self.analytic,
            self.numeric
        )
    }
}

/// Checks the gradients of a scalar function of f64 tensors.
///
/// `f` receives a fresh tape and the inputs as parameters on it, and returns a
/// one-element value. The inputs may be any layout (transposed, sliced, flipped
/// views): the analytic gradient is taken through them as given. Returns the
/// report, `Ok` when every element is within tolerance, `Err` otherwise.
///
/// ```
/// use autograd::{gradcheck, GradcheckOptions};
/// use tensor::Tensor;
///
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7], &[2, 2]);
/// let w = Tensor::from_vec(vec![0.5, -0.4], &[2, 1]);
/// let report = gradcheck(|_, v| v[0].matmul(&v[1]).tanh().sum_all(), &[x, w], &GradcheckOptions::default());
/// assert!(report.unwrap().max_rel_error < 1e-6);
/// ```
pub fn gradcheck<F>(
    f: F,
    inputs: &[Tensor<f64>],
    options: &GradcheckOptions,
) -> Result<GradcheckReport, GradcheckReport>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let analytic = analytic_gradients(&f, inputs);
    let mut report = GradcheckReport {
        max_abs_error: 0.0,
        max_rel_error: 0.0,
        worst_input: 0,
        worst_index: vec![],
        analytic: 0.0,
        numeric: 0.0,
        passed: true,
    };
    let mut worst_excess = f64::NEG_INFINITY;
    for (k, input) in inputs.iter().enumerate() {
        let base = input.to_vec();
        let analytic_k = analytic[k].to_vec();
        for (flat, &a) in analytic_k.iter().enumerate() {
            let n = numeric_derivative(&f, inputs, k, &base, flat, options.eps);
            let abs = (a - n).abs();
            report.max_abs_error = report.max_abs_error.max(abs);
            report.max_rel_error = report.max_rel_error.max(abs / n.abs().max(f64::MIN_POSITIVE));
            let excess = abs - (options.atol + options.rtol * n.abs());
            if excess > 0.0 || abs.is_nan() {
                report.passed = false;
            }
            if excess > worst_excess || abs.is_nan() {
                worst_excess = if abs.is_nan() { f64::INFINITY } else { excess };
                report.worst_input = k;
                report.worst_index = unravel(flat, input.shape());
                report.analytic = a;
                report.numeric = n;
            }
        }
    }
    if report.passed {
        Ok(report)
    } else {
        Err(report)
    }
}

/// The tape's gradient of `f` with respect to each input.
fn analytic_gradients<F>(f: &F, inputs: &[Tensor<f64>]) -> Vec<Tensor<f64>>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = inputs.iter().map(|t| tape.param(t.clone())).collect();
    let out = f(&tape, &vars);
    let grads = tape.backward(&out).unwrap_or_else(|e| panic!("gradcheck: backward failed: {e}"));
    vars.iter().map(|v| grads.wrt(v)).collect()
}

/// (f(x + ε·e) − f(x − ε·e)) / 2ε for element `flat` of input `k`, evaluated
/// without recording.
fn numeric_derivative<F>(f: &F, inputs: &[Tensor<f64>], k: usize, base: &[f64], flat: usize, eps: f64) -> f64
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let eval = |delta: f64| {
        let mut shifted = base.to_vec();
        shifted[flat] += delta;
        let tape = Tape::no_grad();
        let vars: Vec<Var<'_, f64>> = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                tape.param(if i == k { Tensor::from_vec(shifted.clone(), t.shape()) } else { t.clone() })
            })
            .collect();
        f(&tape, &vars).value().item()
    };
    (eval(eps) - eval(-eps)) / (2.0 * eps)
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        index[d] = flat % n;
        flat /= n;
    }
    index
}
