//! Gradient checking: the tape's gradients against central finite differences.
//!
//! For each input element xᵢ, the numerical derivative is
//! (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε, evaluated in f64. It agrees with the true
//! derivative up to O(ε²) truncation and O(δ/ε) rounding, so with ε = 1e-6 a
//! correct backward matches to about 1e-8 — far inside the default tolerances,
//! which are PyTorch gradcheck's (atol 1e-5, rtol 1e-3).
//!
//! A function with several outputs is checked through ⟨u, f(x)⟩ for a random
//! cotangent u (seeded): the tape's backward seeded with u against the finite
//! differences of that same scalar. Seeding with all ones (`sum_all()`) would add
//! up each column of the Jacobian and could hide a gradient sent to the wrong
//! place; uneven random weights cannot cancel that way.

use std::fmt;

use tensor::{Tensor, TensorRng};

use crate::error::AutogradError;
use crate::tape::{Tape, Var};

/// Tolerances, step and cotangent seed of [`gradcheck`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradcheckOptions {
    /// Finite-difference step ε.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance: an element passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
    pub rtol: f64,
    /// Seed of the random cotangent u (uniform in [−1, 1]) used when `f` has more
    /// than one output element.
    pub cotangent_seed: u64,
}

impl Default for GradcheckOptions {
    /// PyTorch's gradcheck defaults: eps 1e-6, atol 1e-5, rtol 1e-3; cotangent seed 0.
    fn default() -> Self {
        GradcheckOptions { eps: 1e-6, atol: 1e-5, rtol: 1e-3, cotangent_seed: 0 }
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
    /// The output's shape; when it has more than one element, the derivatives are
    /// those of ⟨u, f(x)⟩ for the cotangent drawn from `cotangent_seed`.
    pub output_shape: Vec<usize>,
    /// Whether every element passed.
    pub passed: bool,
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let through = if self.output_shape.iter().product::<usize>() == 1 {
            String::new()
        } else {
            format!(" (output {:?}, through a random cotangent)", self.output_shape)
        };
        write!(
            f,
            "gradcheck {}{through}: max abs error {:.3e}, max rel error {:.3e}; worst at input {} index {:?}: analytic {:.10e} vs numeric {:.10e}",
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

/// Why [`gradcheck`] did not pass.
#[derive(Debug, Clone, PartialEq)]
pub enum GradcheckError {
    /// Some derivative is outside the tolerance: the report says where.
    Mismatch(GradcheckReport),
    /// Backward itself failed — e.g. a custom op returned a gradient of the wrong
    /// shape ([`AutogradError::GradientShape`]) — or `f` did not return a recorded value.
    Backward(AutogradError),
}

impl fmt::Display for GradcheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradcheckError::Mismatch(report) => report.fmt(f),
            GradcheckError::Backward(e) => write!(f, "gradcheck: backward failed: {e}"),
        }
    }
}

impl std::error::Error for GradcheckError {}

/// Checks the gradients of a function of f64 tensors with any output shape.
///
/// `f` receives a fresh tape and the inputs as parameters on it. A one-element
/// output is differentiated as it is; a larger one through ⟨u, f(x)⟩ with a
/// random cotangent u (see the module docs). The inputs may be any layout
/// (transposed, sliced, flipped views): the analytic gradient is taken through
/// them as given. Returns the report when every element is within tolerance.
///
/// ```
/// use autograd::{gradcheck, GradcheckOptions};
/// use tensor::Tensor;
///
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7], &[2, 2]);
/// let w = Tensor::from_vec(vec![0.5, -0.4], &[2, 1]);
/// // A [2, 1] output: checked through a random cotangent, no sum needed.
/// let report = gradcheck(|_, v| v[0].matmul(&v[1]).tanh(), &[x, w], &GradcheckOptions::default());
/// assert!(report.unwrap().max_rel_error < 1e-6);
/// ```
pub fn gradcheck<F>(
    f: F,
    inputs: &[Tensor<f64>],
    options: &GradcheckOptions,
) -> Result<GradcheckReport, GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let (analytic, cotangent) = analytic_gradients(&f, inputs, options.cotangent_seed)?;
    let mut report = GradcheckReport {
        max_abs_error: 0.0,
        max_rel_error: 0.0,
        worst_input: 0,
        worst_index: vec![],
        analytic: 0.0,
        numeric: 0.0,
        output_shape: cotangent.shape().to_vec(),
        passed: true,
    };
    let cotangent = cotangent.to_vec();
    let mut worst_excess = f64::NEG_INFINITY;
    for (k, input) in inputs.iter().enumerate() {
        let base = input.to_vec();
        let analytic_k = analytic[k].to_vec();
        for (flat, &a) in analytic_k.iter().enumerate() {
            let n = numeric_derivative(&f, inputs, &cotangent, k, &base, flat, options.eps);
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
        Err(GradcheckError::Mismatch(report))
    }
}

/// The tape's gradient of ⟨u, f⟩ with respect to each input, and the cotangent u
/// (a single 1 for a one-element output).
fn analytic_gradients<F>(
    f: &F,
    inputs: &[Tensor<f64>],
    seed: u64,
) -> Result<(Vec<Tensor<f64>>, Tensor<f64>), GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = inputs.iter().map(|t| tape.param(t.clone())).collect();
    let out = f(&tape, &vars);
    let cotangent = if out.value().numel() == 1 {
        Tensor::ones(out.shape())
    } else {
        TensorRng::new(seed).uniform(out.shape(), -1.0, 1.0)
    };
    let grads = tape.backward_with(&out, cotangent.clone()).map_err(GradcheckError::Backward)?;
    Ok((vars.iter().map(|v| grads.wrt(v)).collect(), cotangent))
}

/// (⟨u, f(x + ε·e)⟩ − ⟨u, f(x − ε·e)⟩) / 2ε for element `flat` of input `k`,
/// evaluated without recording.
fn numeric_derivative<F>(
    f: &F,
    inputs: &[Tensor<f64>],
    cotangent: &[f64],
    k: usize,
    base: &[f64],
    flat: usize,
    eps: f64,
) -> f64
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
        let out = f(&tape, &vars).value().to_vec();
        out.iter().zip(cotangent).map(|(y, u)| y * u).sum::<f64>()
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
