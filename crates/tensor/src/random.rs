//! Seeded random tensors.
//!
//! Every random constructor takes a seed and draws from ChaCha8 (`rand_chacha`),
//! whose output stream is fixed by its specification and promised stable across
//! crate versions and platforms: the same seed gives the same tensor everywhere.
//! Normal samples come from `rand_distr`'s ziggurat, pinned by `Cargo.lock`.
//!
//! Use [`TensorRng`] to draw several tensors from one stream.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::element::Element;
use crate::tensor::Tensor;

/// A seeded random stream for drawing tensors one after another.
///
/// ```
/// use tensor::{Tensor, TensorRng};
/// let mut rng = TensorRng::new(42);
/// let w: Tensor<f32> = rng.uniform(&[3, 4], -0.5, 0.5);
/// let again: Tensor<f32> = TensorRng::new(42).uniform(&[3, 4], -0.5, 0.5);
/// assert_eq!(w, again);
/// ```
#[derive(Debug, Clone)]
pub struct TensorRng {
    rng: ChaCha8Rng,
}

/// The position of a [`TensorRng`] stream, to save and restore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RngPosition {
    /// ChaCha's 256-bit key (derived from the seed).
    pub key: [u8; 32],
    /// The stream number.
    pub stream: u64,
    /// 32-bit words consumed so far.
    pub word: u128,
}

impl TensorRng {
    /// A stream determined entirely by `seed`.
    pub fn new(seed: u64) -> Self {
        TensorRng { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// One of 2^64 independent streams of the same seed (ChaCha's stream number):
    /// e.g. training, validation and test data drawn from streams 0, 1, 2 never
    /// share a draw.
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        TensorRng { rng }
    }

    /// Values drawn uniformly from `[low, high)`.
    pub fn uniform<E: Element>(&mut self, shape: &[usize], low: E, high: E) -> Tensor<E> {
        let (low, width) = (low.to_f64(), high.to_f64() - low.to_f64());
        let numel = shape.iter().product();
        let data = (0..numel).map(|_| E::from_f64(low + width * self.rng.random::<f64>())).collect();
        Tensor::from_contiguous(data, shape)
    }

    /// Values drawn from the normal distribution N(mean, std²).
    pub fn normal<E: Element>(&mut self, shape: &[usize], mean: E, std: E) -> Tensor<E> {
        let (mean, std) = (mean.to_f64(), std.to_f64());
        let numel = shape.iter().product();
        let data = (0..numel)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut self.rng);
                E::from_f64(mean + std * z)
            })
            .collect();
        Tensor::from_contiguous(data, shape)
    }

    /// Where the stream is: its key, stream number and word position. With
    /// [`TensorRng::at_position`] a stream saved in a checkpoint continues
    /// exactly where it stopped.
    pub fn position(&self) -> RngPosition {
        RngPosition { key: self.rng.get_seed(), stream: self.rng.get_stream(), word: self.rng.get_word_pos() }
    }

    /// The stream at a saved position.
    pub fn at_position(position: &RngPosition) -> Self {
        let mut rng = ChaCha8Rng::from_seed(position.key);
        rng.set_stream(position.stream);
        rng.set_word_pos(position.word);
        TensorRng { rng }
    }

    /// A uniformly random integer in `0..n` (for shuffling and sampling indices).
    pub fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.rng.random::<f64>()
    }
}

impl<E: Element> Tensor<E> {
    /// Values drawn uniformly from `[low, high)` with a fresh stream from `seed`.
    pub fn rand_uniform(shape: &[usize], low: E, high: E, seed: u64) -> Self {
        TensorRng::new(seed).uniform(shape, low, high)
    }

    /// Values drawn from N(mean, std²) with a fresh stream from `seed`.
    pub fn rand_normal(shape: &[usize], mean: E, std: E, seed: u64) -> Self {
        TensorRng::new(seed).normal(shape, mean, std)
    }
}
