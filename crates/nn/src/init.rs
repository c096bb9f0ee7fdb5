//! Weight initializers: the paper's *standard* and *normalized* ones and the
//! others its readers meet.
//!
//! Weights are `[n_in, n_out]` (the paper's s = zW + b). Each variant documents
//! its distribution and the variance Var\[W\] it gives; [`Init::variance`] returns
//! that number so tests and reports can compare against it.

use serde::{Deserialize, Serialize};
use tensor::{Element, Tensor, TensorRng};

/// How to draw a layer's initial weights (or biases).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Init {
    /// The paper's eq. (1): U[−1/√n_in, 1/√n_in]. Var = 1/(3·n_in), so n·Var = 1/3:
    /// activations shrink and back-propagated gradients grow layer by layer.
    Standard,
    /// The paper's eq. (16), Glorot/Xavier uniform: U[±√6/√(n_in+n_out)].
    /// Var = 2/(n_in+n_out), keeping both passes' variances about constant.
    Normalized,
    /// Glorot normal: N(0, 2/(n_in+n_out)). Var = 2/(n_in+n_out).
    GlorotNormal,
    /// He/Kaiming uniform for ReLU: U[±√(6/n_in)]. Var = 2/n_in.
    HeUniform,
    /// He/Kaiming normal for ReLU: N(0, 2/n_in). Var = 2/n_in.
    HeNormal,
    /// LeCun normal: N(0, 1/n_in). Var = 1/n_in. Nielsen's `network2` default
    /// (randn/√n_in) and cs231n's "Xavier" (`randn(fan_in, fan_out)/sqrt(fan_in)`).
    LecunNormal,
    /// N(0, std²) with a fixed std (N(0,1): std 1; cs231n's 0.01·N(0,1): std 0.01). Var = std².
    Gaussian {
        /// Standard deviation.
        std: f64,
    },
    /// All zeros (the paper's biases). Var = 0.
    Zeros,
    /// Every entry the same value. Var = 0.
    Constant(f64),
}

impl Init {
    /// Draws a `shape` tensor for a layer with the given fan-in and fan-out.
    pub fn sample<E: Element>(
        &self,
        shape: &[usize],
        n_in: usize,
        n_out: usize,
        rng: &mut TensorRng,
    ) -> Tensor<E> {
        let uniform =
            |rng: &mut TensorRng, bound: f64| rng.uniform(shape, E::from_f64(-bound), E::from_f64(bound));
        let normal = |rng: &mut TensorRng, std: f64| rng.normal(shape, E::ZERO, E::from_f64(std));
        let (fan_in, fan_sum) = (n_in as f64, (n_in + n_out) as f64);
        match *self {
            Init::Standard => uniform(rng, 1.0 / fan_in.sqrt()),
            Init::Normalized => uniform(rng, (6.0 / fan_sum).sqrt()),
            Init::GlorotNormal => normal(rng, (2.0 / fan_sum).sqrt()),
            Init::HeUniform => uniform(rng, (6.0 / fan_in).sqrt()),
            Init::HeNormal => normal(rng, (2.0 / fan_in).sqrt()),
            Init::LecunNormal => normal(rng, (1.0 / fan_in).sqrt()),
            Init::Gaussian { std } => normal(rng, std),
            Init::Zeros => Tensor::zeros(shape),
            Init::Constant(v) => Tensor::full(shape, E::from_f64(v)),
        }
    }

    /// The variance of each entry, Var\[W\], for the given fan-in and fan-out.
    pub fn variance(&self, n_in: usize, n_out: usize) -> f64 {
        let (fan_in, fan_sum) = (n_in as f64, (n_in + n_out) as f64);
        match *self {
            Init::Standard => 1.0 / (3.0 * fan_in),
            Init::Normalized | Init::GlorotNormal => 2.0 / fan_sum,
            Init::HeUniform | Init::HeNormal => 2.0 / fan_in,
            Init::LecunNormal => 1.0 / fan_in,
            Init::Gaussian { std } => std * std,
            Init::Zeros | Init::Constant(_) => 0.0,
        }
    }

    /// For uniform initializers, the bound b of U[−b, b].
    pub fn uniform_bound(&self, n_in: usize, n_out: usize) -> Option<f64> {
        match self {
            Init::Standard => Some(1.0 / (n_in as f64).sqrt()),
            Init::Normalized => Some((6.0 / (n_in + n_out) as f64).sqrt()),
            Init::HeUniform => Some((6.0 / n_in as f64).sqrt()),
            _ => None,
        }
    }

    /// Short name for reports ("standard", "normalized", ...).
    pub fn name(&self) -> String {
        match self {
            Init::Standard => "standard".into(),
            Init::Normalized => "normalized".into(),
            Init::GlorotNormal => "glorot_normal".into(),
            Init::HeUniform => "he_uniform".into(),
            Init::HeNormal => "he_normal".into(),
            Init::LecunNormal => "lecun_normal".into(),
            Init::Gaussian { std } => format!("gaussian({std})"),
            Init::Zeros => "zeros".into(),
            Init::Constant(v) => format!("constant({v})"),
        }
    }
}
