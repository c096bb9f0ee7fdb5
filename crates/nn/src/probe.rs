//! Probes: the paper's instrument. On a fixed probe batch, record per layer the
//! pre-activations s, activations z, back-propagated gradients ∂C/∂s and the
//! weight and bias gradients, each summarised by mean, std, percentiles and a
//! fixed-bin histogram; and the singular values of the layer-to-layer
//! Jacobians ∂z^{l+1}/∂z^l (eq. 17).
//!
//! Everything returned is plain data that serializes with serde.

use autograd::Tape;
use serde::{Deserialize, Serialize};
use tensor::{Element, Tensor};

use crate::loss::Loss;
use crate::mlp::Mlp;

/// What a probe records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeConfig {
    /// Percentiles (0–100) of the values and of their absolute values.
    pub percentiles: Vec<f64>,
    /// Saturation thresholds t: the fraction of activations whose position in the
    /// activation's range, rescaled to [−1, 1], exceeds t in absolute value
    /// (|z| > t for tanh and softsign; z < (1−t)/2 or z > (1+t)/2 for sigmoid).
    pub saturation_thresholds: Vec<f64>,
    /// Number of histogram bins.
    pub bins: usize,
    /// How many probe examples the Jacobian singular values are averaged over (0: skip them).
    pub jacobian_examples: usize,
}

impl Default for ProbeConfig {
    /// Percentiles 2, 50, 98; thresholds 0.9 and 0.99; 50 bins; no Jacobians.
    fn default() -> Self {
        ProbeConfig {
            percentiles: vec![2.0, 50.0, 98.0],
            saturation_thresholds: vec![0.9, 0.99],
            bins: 50,
            jacobian_examples: 0,
        }
    }
}

/// A fixed-bin histogram over `[low, high]`; values outside are counted apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Left edge of the first bin.
    pub low: f64,
    /// Right edge of the last bin.
    pub high: f64,
    /// Counts per bin, equal widths.
    pub counts: Vec<u64>,
    /// Values below `low`.
    pub below: u64,
    /// Values above `high`.
    pub above: u64,
}

impl Histogram {
    /// Counts `values` into `bins` equal bins over `[low, high]`.
    pub fn new(values: &[f64], low: f64, high: f64, bins: usize) -> Self {
        let bins = bins.max(1);
        let mut h = Histogram { low, high, counts: vec![0; bins], below: 0, above: 0 };
        let width = (high - low) / bins as f64;
        for &v in values {
            if v < low {
                h.below += 1;
            } else if v > high {
                h.above += 1;
            } else {
                let bin = if width > 0.0 { ((v - low) / width) as usize } else { 0 };
                h.counts[bin.min(bins - 1)] += 1;
            }
        }
        h
    }

    /// The fraction of all counted values in each bin (a normalized histogram).
    pub fn fractions(&self) -> Vec<f64> {
        let total = (self.counts.iter().sum::<u64>() + self.below + self.above).max(1) as f64;
        self.counts.iter().map(|&c| c as f64 / total).collect()
    }
}

/// Summary statistics of a set of values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of values.
    pub count: usize,
    /// Mean.
    pub mean: f64,
    /// Standard deviation (population).
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// (p, value at the p-th percentile), linear interpolation as NumPy's default.
    pub percentiles: Vec<(f64, f64)>,
    /// (p, p-th percentile of the absolute values).
    pub abs_percentiles: Vec<(f64, f64)>,
    /// Histogram of the values.
    pub histogram: Histogram,
}

impl Summary {
    /// Summarises `values`, with the histogram over `range` (or the values'
    /// symmetric extent ±max|v| when `None`).
    pub fn of(values: &[f64], config: &ProbeConfig, range: Option<(f64, f64)>) -> Self {
        let count = values.len();
        let mean = values.iter().sum::<f64>() / count.max(1) as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / count.max(1) as f64;
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut abs_sorted: Vec<f64> = values.iter().map(|v| v.abs()).collect();
        abs_sorted.sort_by(f64::total_cmp);
        let extent = abs_sorted.last().copied().unwrap_or(0.0);
        let (low, high) = range.unwrap_or((-extent, extent));
        Summary {
            count,
            mean,
            std: var.sqrt(),
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            percentiles: config.percentiles.iter().map(|&p| (p, percentile(&sorted, p))).collect(),
            abs_percentiles: config.percentiles.iter().map(|&p| (p, percentile(&abs_sorted, p))).collect(),
            histogram: Histogram::new(values, low, high, config.bins),
        }
    }

    /// The recorded p-th percentile, if p was asked for.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        self.percentiles.iter().find(|(q, _)| *q == p).map(|&(_, v)| v)
    }

    /// The recorded p-th percentile of |values|, if p was asked for.
    pub fn abs_percentile(&self, p: f64) -> Option<f64> {
        self.abs_percentiles.iter().find(|(q, _)| *q == p).map(|&(_, v)| v)
    }
}

/// The p-th percentile (0–100) of sorted values, interpolating linearly.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let rank = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
            let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
        }
    }
}

/// What one hidden layer l looked like on the probe batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerProbe {
    /// Layer number, 1 for the first hidden layer.
    pub layer: usize,
    /// Pre-activations s^l = z^{l−1}·W + b.
    pub pre_activation: Summary,
    /// Activations z^l = f(s^l).
    pub activation: Summary,
    /// (t, fraction of activations saturated beyond t), see [`ProbeConfig::saturation_thresholds`].
    pub saturation: Vec<(f64, f64)>,
    /// Back-propagated gradients ∂C/∂s^l.
    pub grad_pre_activation: Summary,
    /// Gradients of the weights feeding layer l, ∂C/∂W.
    pub grad_weight: Summary,
    /// Gradients of layer l's biases.
    pub grad_bias: Summary,
}

/// Singular values of the Jacobian ∂z^{l+1}/∂z^l = W·diag(f'(s^{l+1})) between
/// two consecutive hidden layers, averaged over probe examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JacobianProbe {
    /// The lower layer l.
    pub from_layer: usize,
    /// The upper layer l + 1.
    pub to_layer: usize,
    /// Mean singular value, averaged over examples (the paper's eq. 17 figure).
    pub mean_singular_value: f64,
    /// Smallest singular value seen.
    pub min_singular_value: f64,
    /// Largest singular value seen.
    pub max_singular_value: f64,
    /// Mean singular value of each example's Jacobian.
    pub per_example_mean: Vec<f64>,
}

/// Everything one probe recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeRecord {
    /// Training step (updates so far) at which it was taken.
    pub step: u64,
    /// The cost on the probe batch.
    pub loss: f64,
    /// One entry per hidden layer, first hidden layer first.
    pub layers: Vec<LayerProbe>,
    /// One entry per pair of consecutive hidden layers (empty unless asked for).
    pub jacobians: Vec<JacobianProbe>,
}

/// Runs `mlp` forward and backward on the probe batch `x` (`[examples, n_in]`) with
/// `labels`, and summarises every hidden layer. Nothing about the network changes.
#[track_caller]
pub fn probe<E: Element>(
    mlp: &Mlp<E>,
    x: &Tensor<E>,
    labels: &[usize],
    loss: Loss,
    config: &ProbeConfig,
    step: u64,
) -> ProbeRecord {
    let tape = Tape::new();
    let net = mlp.on(&tape);
    let trace = net.forward_traced(&tape.constant(x.clone()));
    let cost = loss.cost(trace.logits(), trace.output(), labels);
    let grads = tape.backward(&cost).expect("the cost is a scalar on this tape");
    let as_f64 = |t: &Tensor<E>| t.iter().map(E::to_f64).collect::<Vec<f64>>();

    let layers = (0..mlp.depth())
        .map(|l| {
            let z = as_f64(trace.activations[l].value());
            let range = mlp.hidden.output_range();
            LayerProbe {
                layer: l + 1,
                pre_activation: Summary::of(&as_f64(trace.pre_activations[l].value()), config, None),
                saturation: config
                    .saturation_thresholds
                    .iter()
                    .map(|&t| (t, saturated_fraction(&z, range, t)))
                    .collect(),
                activation: Summary::of(&z, config, range),
                grad_pre_activation: Summary::of(
                    &as_f64(&grads.wrt(&trace.pre_activations[l])),
                    config,
                    None,
                ),
                grad_weight: Summary::of(&as_f64(&grads.wrt(&net.layers[l].weight)), config, None),
                grad_bias: Summary::of(&as_f64(&grads.wrt(&net.layers[l].bias)), config, None),
            }
        })
        .collect();
    let pre_activations: Vec<Tensor<E>> = trace.pre_activations.iter().map(|s| s.value().clone()).collect();
    let jacobians = if config.jacobian_examples == 0 {
        vec![]
    } else {
        jacobian_probes(mlp, &pre_activations, config.jacobian_examples)
    };
    ProbeRecord { step, loss: cost.value().item().to_f64(), layers, jacobians }
}

/// The fraction of `z` within (1 − t)/2 of either end of `range` (|z| > t for (−1, 1)).
fn saturated_fraction(z: &[f64], range: Option<(f64, f64)>, t: f64) -> f64 {
    let (low, high) = range.unwrap_or((-1.0, 1.0));
    let saturated = z.iter().filter(|&&v| (2.0 * (v - low) / (high - low) - 1.0).abs() > t).count();
    saturated as f64 / z.len().max(1) as f64
}

/// Singular values of W^l·diag(f'(s^{l+1})) for consecutive hidden layers.
fn jacobian_probes<E: Element>(
    mlp: &Mlp<E>,
    pre_activations: &[Tensor<E>],
    examples: usize,
) -> Vec<JacobianProbe> {
    let examples = examples.min(pre_activations[0].shape()[0]);
    (1..mlp.depth())
        .map(|l| {
            // Layer index l maps hidden layer l (z^l) to hidden layer l + 1.
            let weight = mlp.layers[l].weight.cast::<f64>();
            let slopes = mlp.hidden.derivative(&pre_activations[l].cast::<f64>());
            let mut all = vec![];
            let per_example_mean: Vec<f64> = (0..examples)
                .map(|e| {
                    let diag = slopes.narrow(0, e, 1); // [1, n_{l+1}], broadcasts over W's rows
                    let values = singular_values(&(&weight * &diag));
                    let mean = values.iter().sum::<f64>() / values.len() as f64;
                    all.extend(values);
                    mean
                })
                .collect();
            JacobianProbe {
                from_layer: l,
                to_layer: l + 1,
                mean_singular_value: per_example_mean.iter().sum::<f64>() / examples as f64,
                min_singular_value: all.iter().copied().fold(f64::INFINITY, f64::min),
                max_singular_value: all.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                per_example_mean,
            }
        })
        .collect()
}

/// Singular values of a matrix, by faer's SVD (NaNs if it does not converge,
/// e.g. on a matrix holding NaN).
pub fn singular_values(m: &Tensor<f64>) -> Vec<f64> {
    let (rows, cols) = (m.shape()[0], m.shape()[1]);
    let data = m.contiguous();
    let values = data.as_slice().expect("contiguous");
    let matrix = faer::Mat::<f64>::from_fn(rows, cols, |i, j| values[i * cols + j]);
    matrix.singular_values().unwrap_or_else(|_| vec![f64::NAN; rows.min(cols)])
}
