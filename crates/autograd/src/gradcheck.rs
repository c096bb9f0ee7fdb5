//! Gradient checking: the tape's gradients against central finite differences.
//!
//! For each input element xᵢ, the numerical derivative is
//! (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε, evaluated in f64. It agrees with the true
//! derivative up to O(ε²) truncation and O(δ/ε) rounding, so with ε = 1e-6 a
//! correct backward matches to about 1e-8 (δ ≈ 1e-16·|f| for the values of
//! order 1–100 the tests draw). The default tolerances, atol 1e-7 and rtol
//! 1e-6, sit one order above that: PyTorch's gradcheck defaults (atol 1e-5,
//! rtol 1e-3) would let a backward off by 0.05 % pass. A function with large
//! values or sharp curvature may need [`GradcheckOptions`] of its own.
//!
//! A function with several outputs is checked through ⟨u, f(x)⟩ for a random
//! cotangent u (seeded): the tape's backward seeded with u against the finite
//! differences of that same scalar. Seeding with all ones (`sum_all()`) would add
//! up each column of the Jacobian and could hide a gradient sent to the wrong
//! place; uneven random weights cannot cancel that way.
//!
//! [`gradgradcheck`] checks second derivatives the same way: it hands `gradcheck`
//! the function x ↦ ∇⟨u, f(x)⟩, computed by a recorded backward, so the tape's
//! derivative of the gradient meets the finite differences of the gradient.
//! [`jvpcheck`] checks forward mode: J·v against (f(x + εv) − f(x − εv))/2ε, and
//! ⟨u, J·v⟩ against ⟨Jᵀu, v⟩ from reverse mode.

use std::fmt;

use tensor::{Tensor, TensorRng};

use crate::error::AutogradError;
use crate::higher::jvp_on_tape;
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
    /// eps 1e-6, atol 1e-7, rtol 1e-6 (what a correct backward achieves in
    /// f64, with an order of magnitude to spare; see the module docs); cotangent seed 0.
    fn default() -> Self {
        GradcheckOptions { eps: 1e-6, atol: 1e-7, rtol: 1e-6, cotangent_seed: 0 }
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
    /// Which check this is: `"gradcheck"`, `"gradgradcheck (recorded gradient)"`
    /// (the first derivatives that a second-order check differentiates) or `"gradgradcheck"`.
    pub check: &'static str,
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
            "{} {}{through}: max abs error {:.3e}, max rel error {:.3e}; worst at input {} index {:?}: analytic {:.10e} vs numeric {:.10e}",
            self.check,
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
    /// Some Jacobian–vector product is outside the tolerance ([`jvpcheck`]).
    JvpMismatch(JvpReport),
    /// Backward itself failed — e.g. a custom op returned a gradient of the wrong
    /// shape ([`AutogradError::GradientShape`]) — or `f` did not return a recorded value.
    Backward(AutogradError),
}

impl fmt::Display for GradcheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradcheckError::Mismatch(report) => report.fmt(f),
            GradcheckError::JvpMismatch(report) => report.fmt(f),
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
    compare("gradcheck", Sweep::Plain, |tape, v| Ok(f(tape, v)), inputs, options)
}

/// Checks the second derivatives of a function of f64 tensors: the derivative of
/// its gradient, taken by differentiating the recorded backward
/// ([`Tape::grad_with`]), against central differences of the gradient — PyTorch's
/// `gradgradcheck`.
///
/// The checked function is x, u ↦ ∇ₓ⟨u, f(x)⟩ for a random cotangent u (seeded
/// by `cotangent_seed + 1`; 1 for a one-element output), all inputs' gradients
/// laid end to end. u is an input too, so the derivative in u — which is J·w,
/// forward mode — is checked as well. Every op in `f` needs a recorded
/// backward; one without it is reported as [`GradcheckError::Backward`] naming it.
///
/// ```
/// use autograd::{gradgradcheck, GradcheckOptions};
/// use tensor::Tensor;
///
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7], &[2, 2]);
/// let w = Tensor::from_vec(vec![0.5, -0.4], &[2, 1]);
/// let report = gradgradcheck(|_, v| v[0].matmul(&v[1]).tanh(), &[x, w], &GradcheckOptions::default());
/// assert!(report.is_ok(), "{}", report.unwrap_err());
/// ```
pub fn gradgradcheck<F>(
    f: F,
    inputs: &[Tensor<f64>],
    options: &GradcheckOptions,
) -> Result<GradcheckReport, GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let output_shape = {
        let tape = Tape::no_grad();
        let vars: Vec<Var<'_, f64>> = inputs.iter().map(|t| tape.param(t.clone())).collect();
        f(&tape, &vars).shape().to_vec()
    };
    let u = cotangent(&output_shape, options.cotangent_seed.wrapping_add(1));
    let with_u: Vec<Tensor<f64>> = inputs.iter().cloned().chain([u]).collect();
    let n = inputs.len();
    // First, the recorded gradient's values must be the gradient: the second
    // check differentiates exactly those values, so a recorded rule that is wrong
    // but self-consistent would pass it alone.
    compare("gradgradcheck (recorded gradient)", Sweep::Recorded, |tape, v| Ok(f(tape, v)), inputs, options)?;
    // Then x, u ↦ ∇ₓ⟨u, f(x)⟩, recorded, every input's gradient flattened and joined.
    compare(
        "gradgradcheck",
        Sweep::Plain,
        |tape, v| {
            let (x, u) = v.split_at(n);
            let output = f(tape, x);
            let wrt: Vec<&Var<'_, f64>> = x.iter().collect();
            let grads = tape.grad_with(&output, &u[0], &wrt)?;
            let flat: Vec<Var<'_, f64>> = grads.iter().map(|g| g.reshape(&[g.value().numel()])).collect();
            Var::try_concat(&flat, 0)
        },
        &with_u,
        options,
    )
}

/// The tape's derivatives of `f` (through a random cotangent when it has several
/// outputs) against central differences, element by element.
fn compare<F>(
    check: &'static str,
    sweep: Sweep,
    f: F,
    inputs: &[Tensor<f64>],
    options: &GradcheckOptions,
) -> Result<GradcheckReport, GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Result<Var<'t, f64>, AutogradError>,
{
    let (analytic, cotangent) = analytic_gradients(&f, inputs, options.cotangent_seed, sweep)?;
    let output_shape = cotangent.shape().to_vec();
    let cotangent = cotangent.to_vec();
    let mut tally = Tally::new(options);
    for (k, input) in inputs.iter().enumerate() {
        let base = input.to_vec();
        for (flat, &a) in analytic[k].to_vec().iter().enumerate() {
            let n = numeric_derivative(&f, inputs, &cotangent, k, &base, flat, options.eps)?;
            tally.add((k, flat), a, n);
        }
    }
    let (k, flat) = tally.worst_at;
    let report = GradcheckReport {
        max_abs_error: tally.max_abs_error,
        max_rel_error: tally.max_rel_error,
        worst_input: k,
        worst_index: unravel(flat, inputs[k].shape()),
        analytic: tally.analytic,
        numeric: tally.numeric,
        output_shape,
        passed: tally.passed,
        check,
    };
    if report.passed {
        Ok(report)
    } else {
        Err(GradcheckError::Mismatch(report))
    }
}

/// Analytic against numeric values, element by element: the largest errors,
/// whether all are within tolerance, and the element that exceeds it most (or
/// comes closest). A NaN on either side fails and counts as the worst.
struct Tally<'a> {
    options: &'a GradcheckOptions,
    max_abs_error: f64,
    max_rel_error: f64,
    passed: bool,
    worst_excess: f64,
    /// (input number, flat index) of the worst element.
    worst_at: (usize, usize),
    analytic: f64,
    numeric: f64,
}

impl<'a> Tally<'a> {
    fn new(options: &'a GradcheckOptions) -> Self {
        Tally {
            options,
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            passed: true,
            worst_excess: f64::NEG_INFINITY,
            worst_at: (0, 0),
            analytic: 0.0,
            numeric: 0.0,
        }
    }

    /// |a − n| beyond the tolerance atol + rtol·|n| (positive: it fails; NaN: infinite).
    fn excess(options: &GradcheckOptions, analytic: f64, numeric: f64) -> f64 {
        let abs = (analytic - numeric).abs();
        if abs.is_nan() {
            return f64::INFINITY;
        }
        abs - (options.atol + options.rtol * numeric.abs())
    }

    fn add(&mut self, at: (usize, usize), analytic: f64, numeric: f64) {
        let abs = (analytic - numeric).abs();
        self.max_abs_error = self.max_abs_error.max(abs);
        self.max_rel_error = self.max_rel_error.max(abs / numeric.abs().max(f64::MIN_POSITIVE));
        let excess = Self::excess(self.options, analytic, numeric);
        self.passed &= excess <= 0.0;
        if excess > self.worst_excess {
            self.worst_excess = excess;
            self.worst_at = at;
            self.analytic = analytic;
            self.numeric = numeric;
        }
    }
}

/// A cotangent for an output of `shape`: a single 1 for one element, else
/// uniform in [−1, 1] from `seed`.
fn cotangent(shape: &[usize], seed: u64) -> Tensor<f64> {
    if shape.iter().product::<usize>() == 1 {
        Tensor::ones(shape)
    } else {
        TensorRng::new(seed).uniform(shape, -1.0, 1.0)
    }
}

/// The tape's gradient of ⟨u, f⟩ with respect to each input, and the cotangent u
/// (a single 1 for a one-element output).
fn analytic_gradients<F>(
    f: &F,
    inputs: &[Tensor<f64>],
    seed: u64,
    sweep: Sweep,
) -> Result<(Vec<Tensor<f64>>, Tensor<f64>), GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Result<Var<'t, f64>, AutogradError>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = inputs.iter().map(|t| tape.param(t.clone())).collect();
    let out = f(&tape, &vars).map_err(GradcheckError::Backward)?;
    let cotangent = cotangent(out.shape(), seed);
    let grads = match sweep {
        Sweep::Plain => {
            let grads = tape.backward_with(&out, cotangent.clone()).map_err(GradcheckError::Backward)?;
            vars.iter().map(|v| grads.wrt(v)).collect()
        }
        Sweep::Recorded => {
            let seed = tape.constant(cotangent.clone());
            let wrt: Vec<&Var<'_, f64>> = vars.iter().collect();
            let grads = tape.grad_with(&out, &seed, &wrt).map_err(GradcheckError::Backward)?;
            grads.iter().map(|g| g.value().clone()).collect()
        }
    };
    Ok((grads, cotangent))
}

/// Which backward gives the analytic gradient: the ordinary one on tensors, or
/// the recorded one ([`Tape::grad_with`]) that higher orders differentiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sweep {
    Plain,
    Recorded,
}

/// (⟨u, f(x + ε·e)⟩ − ⟨u, f(x − ε·e)⟩) / 2ε for element `flat` of input `k`.
/// (Evaluated on a recording tape: `f` may itself take a gradient.)
fn numeric_derivative<F>(
    f: &F,
    inputs: &[Tensor<f64>],
    cotangent: &[f64],
    k: usize,
    base: &[f64],
    flat: usize,
    eps: f64,
) -> Result<f64, GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Result<Var<'t, f64>, AutogradError>,
{
    let eval = |delta: f64| -> Result<f64, GradcheckError> {
        let mut shifted = base.to_vec();
        shifted[flat] += delta;
        let tape = Tape::new();
        let vars: Vec<Var<'_, f64>> = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                tape.param(if i == k { Tensor::from_vec(shifted.clone(), t.shape()) } else { t.clone() })
            })
            .collect();
        let out = f(&tape, &vars).map_err(GradcheckError::Backward)?.value().to_vec();
        Ok(out.iter().zip(cotangent).map(|(y, u)| y * u).sum::<f64>())
    };
    Ok((eval(eps)? - eval(-eps)?) / (2.0 * eps))
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        index[d] = flat % n;
        flat /= n;
    }
    index
}

/// What [`jvpcheck`] measured: forward mode's J·v against finite differences,
/// and against reverse mode through ⟨u, J·v⟩ = ⟨Jᵀu, v⟩.
#[derive(Debug, Clone, PartialEq)]
pub struct JvpReport {
    /// Largest |J·v − finite difference| over the output's elements.
    pub max_abs_error: f64,
    /// Largest of those errors relative to the finite difference.
    pub max_rel_error: f64,
    /// The output element that fails the tolerance worst (or errs most).
    pub worst_index: Vec<usize>,
    /// J·v there.
    pub analytic: f64,
    /// (f(x + εv) − f(x − εv))/2ε there.
    pub numeric: f64,
    /// ⟨u, J·v⟩ from forward mode.
    pub forward_pairing: f64,
    /// ⟨Jᵀu, v⟩ from reverse mode.
    pub reverse_pairing: f64,
    /// The output's shape.
    pub output_shape: Vec<usize>,
    /// Whether every element and the pairing passed.
    pub passed: bool,
}

impl fmt::Display for JvpReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "jvpcheck {} (output {:?}): max abs error {:.3e}, max rel error {:.3e}; worst at {:?}: J·v {:.10e} vs numeric {:.10e}; ⟨u, J·v⟩ {:.10e} vs ⟨Jᵀu, v⟩ {:.10e}",
            if self.passed { "passed" } else { "FAILED" },
            self.output_shape,
            self.max_abs_error,
            self.max_rel_error,
            self.worst_index,
            self.analytic,
            self.numeric,
            self.forward_pairing,
            self.reverse_pairing
        )
    }
}

/// Checks forward mode ([`jvp`](crate::jvp)) on a function of f64 tensors: J·v for
/// random tangents v (one per input, seeded by `cotangent_seed + 2`) against
/// central differences (f(x + εv) − f(x − εv))/2ε, element by element, and
/// ⟨u, J·v⟩ against ⟨Jᵀu, v⟩ computed by ordinary reverse mode, with the same
/// tolerances as [`gradcheck`].
///
/// ```
/// use autograd::{jvpcheck, GradcheckOptions};
/// use tensor::Tensor;
///
/// let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7], &[2, 2]);
/// let report = jvpcheck(|_, v| v[0].softmax(1), &[x], &GradcheckOptions::default());
/// assert!(report.is_ok(), "{}", report.unwrap_err());
/// ```
pub fn jvpcheck<F>(
    f: F,
    inputs: &[Tensor<f64>],
    options: &GradcheckOptions,
) -> Result<JvpReport, GradcheckError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let mut rng = TensorRng::new(options.cotangent_seed.wrapping_add(2));
    let tangents: Vec<Tensor<f64>> = inputs.iter().map(|x| rng.uniform(x.shape(), -1.0, 1.0)).collect();
    let tangent_refs: Vec<&Tensor<f64>> = tangents.iter().collect();
    let evaluate = |sign: f64| {
        let tape = Tape::no_grad();
        let shifted: Vec<Var<'_, f64>> =
            inputs.iter().zip(&tangents).map(|(x, v)| tape.param(x + &(v * (sign * options.eps)))).collect();
        f(&tape, &shifted).value().to_vec()
    };
    let numeric: Vec<f64> =
        evaluate(1.0).iter().zip(evaluate(-1.0)).map(|(p, m)| (p - m) / (2.0 * options.eps)).collect();

    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = inputs.iter().map(|t| tape.param(t.clone())).collect();
    let output = f(&tape, &vars);
    let var_refs: Vec<&Var<'_, f64>> = vars.iter().collect();
    let jv = jvp_on_tape(&tape, &output, &var_refs, &tangent_refs).map_err(GradcheckError::Backward)?;
    let u = cotangent(output.shape(), options.cotangent_seed);
    let reverse = tape.backward_with(&output, u.clone()).map_err(GradcheckError::Backward)?;
    let reverse_pairing: f64 = vars.iter().zip(&tangents).map(|(x, v)| (&reverse.wrt(x) * v).sum_all()).sum();
    let forward_pairing = (&jv * &u).sum_all();

    let mut tally = Tally::new(options);
    for (flat, (&a, &n)) in jv.to_vec().iter().zip(&numeric).enumerate() {
        tally.add((0, flat), a, n);
    }
    let pairing_passes = Tally::excess(options, forward_pairing, reverse_pairing) <= 0.0;
    let report = JvpReport {
        max_abs_error: tally.max_abs_error,
        max_rel_error: tally.max_rel_error,
        worst_index: unravel(tally.worst_at.1, output.shape()),
        analytic: tally.analytic,
        numeric: tally.numeric,
        forward_pairing,
        reverse_pairing,
        output_shape: output.shape().to_vec(),
        passed: tally.passed && pairing_passes,
    };
    if report.passed {
        Ok(report)
    } else {
        Err(GradcheckError::JvpMismatch(report))
    }
}
