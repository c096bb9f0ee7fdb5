//! An in-memory labelled data set, and the one batch-source abstraction the
//! experiments train from: finite sets in seeded shuffled minibatches, or an
//! endless generator such as the online Shapeset stream.

use serde::{Deserialize, Serialize};
use tensor::{Element, RngPosition, Tensor, TensorRng};

use crate::error::{Error, Result};

/// Examples as rows of `features` (`len × n_features`, f32) with integer labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// A short name for reports ("fashion-mnist train", ...).
    pub name: String,
    /// Row-major features, `len × n_features`.
    pub features: Vec<f32>,
    /// One label per example, each below `classes`.
    pub labels: Vec<usize>,
    /// Values per example.
    pub n_features: usize,
    /// Number of classes.
    pub classes: usize,
}

/// A minibatch: inputs `[batch, n_features]` and their labels.
#[derive(Debug, Clone)]
pub struct Batch<E: Element> {
    /// Inputs, one example per row.
    pub x: Tensor<E>,
    /// Labels, one per row.
    pub labels: Vec<usize>,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The examples at `indices`, as a batch.
    pub fn batch<E: Element>(&self, indices: &[usize]) -> Batch<E> {
        let n = self.n_features;
        let mut x = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            x.extend(self.features[i * n..(i + 1) * n].iter().map(|&v| E::from_f64(v as f64)));
        }
        Batch {
            x: Tensor::from_vec(x, &[indices.len(), n]),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// The first `count` examples as a batch (e.g. the paper's 300 fixed probe examples).
    pub fn head<E: Element>(&self, count: usize) -> Batch<E> {
        self.batch(&(0..count.min(self.len())).collect::<Vec<_>>())
    }

    /// Splits off the last `count` examples: `(first part, last count)` — the
    /// paper's and Nielsen's validation split of MNIST's training set. Both parts
    /// must hold examples: a set of `count` examples or fewer is an error that
    /// names its size, since training on the empty remainder would learn nothing
    /// and say nothing.
    pub fn split_last(&self, count: usize, first_name: &str, last_name: &str) -> Result<(Dataset, Dataset)> {
        if count == 0 || self.len() <= count {
            return Err(Error::TooSmall {
                data: self.name.clone(),
                examples: self.len(),
                needed: format!(
                    "the split keeps the last {count} as {last_name} and needs at least one more for {first_name}"
                ),
            });
        }
        let cut = self.len() - count;
        Ok((self.part(0..cut, first_name), self.part(cut..self.len(), last_name)))
    }

    /// The examples in `range`, as a data set named `name`.
    fn part(&self, range: std::ops::Range<usize>, name: &str) -> Dataset {
        Dataset {
            name: name.to_string(),
            features: self.features[range.start * self.n_features..range.end * self.n_features].to_vec(),
            labels: self.labels[range].to_vec(),
            n_features: self.n_features,
            classes: self.classes,
        }
    }

    /// The first `count` examples (all of them when there are fewer) as a data set of their own.
    pub fn take(&self, count: usize) -> Dataset {
        self.part(0..count.min(self.len()), &self.name)
    }

    /// The error rate of always answering the most frequent class: what a
    /// network that learned nothing but the priors scores (1 for an empty set).
    pub fn majority_class_error(&self) -> f64 {
        let most = self.class_counts().into_iter().max().unwrap_or(0);
        1.0 - most as f64 / self.len().max(1) as f64
    }

    /// How many examples of each class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }
}

/// Where training minibatches come from. One trait serves the online Shapeset
/// stream (never ends) and finite data sets (end after a pass, or reshuffle).
pub trait BatchSource {
    /// The next minibatch of `batch_size` examples, or `None` when a one-pass
    /// source is used up.
    fn next_batch(&mut self, batch_size: usize) -> Option<Batch<f32>>;
    /// Values per example.
    fn n_features(&self) -> usize;
    /// Number of classes.
    fn classes(&self) -> usize;
    /// Where the source is, to save in a checkpoint.
    fn state(&self) -> SourceState;
    /// Continues from a saved state; an error when the state is of another kind
    /// of source or does not fit this one (another data set size).
    fn restore(&mut self, state: &SourceState) -> Result<(), String>;
}

/// A random stream's position, as saved in checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamPosition {
    /// ChaCha's key.
    pub key: [u8; 32],
    /// Stream number.
    pub stream: u64,
    /// Words consumed.
    pub word: u128,
}

impl From<RngPosition> for StreamPosition {
    fn from(p: RngPosition) -> Self {
        StreamPosition { key: p.key, stream: p.stream, word: p.word }
    }
}

impl From<&StreamPosition> for RngPosition {
    fn from(p: &StreamPosition) -> Self {
        RngPosition { key: p.key, stream: p.stream, word: p.word }
    }
}

/// A batch source's position, as saved in checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SourceState {
    /// An endless generator: the position of its random stream.
    Generator(StreamPosition),
    /// Shuffled passes over a finite set.
    Shuffled {
        /// The current pass's order.
        order: Vec<usize>,
        /// Examples of this pass already served.
        position: usize,
        /// Passes completed.
        epochs: usize,
        /// The shuffling stream.
        rng: StreamPosition,
    },
}

/// Minibatches of a finite data set in an order shuffled from a seed: one pass,
/// or endless (a fresh shuffle each epoch). The last batch of a pass may be short.
#[derive(Debug, Clone)]
pub struct Minibatches<'a> {
    data: &'a Dataset,
    order: Vec<usize>,
    position: usize,
    endless: bool,
    rng: TensorRng,
    /// Completed passes over the data.
    pub epochs: usize,
}

impl<'a> Minibatches<'a> {
    /// One shuffled pass over `data`.
    pub fn one_pass(data: &'a Dataset, seed: u64) -> Self {
        Self::new(data, seed, false)
    }

    /// Endless shuffled passes over `data`.
    pub fn endless(data: &'a Dataset, seed: u64) -> Self {
        Self::new(data, seed, true)
    }

    fn new(data: &'a Dataset, seed: u64, endless: bool) -> Self {
        let mut batches = Minibatches {
            data,
            order: (0..data.len()).collect(),
            position: 0,
            endless,
            rng: TensorRng::new(seed),
            epochs: 0,
        };
        batches.shuffle();
        batches
    }

    /// Fisher–Yates with the seeded stream.
    fn shuffle(&mut self) {
        for i in (1..self.order.len()).rev() {
            let j = self.rng.below(i + 1);
            self.order.swap(i, j);
        }
    }
}

impl BatchSource for Minibatches<'_> {
    fn next_batch(&mut self, batch_size: usize) -> Option<Batch<f32>> {
        if self.position >= self.order.len() {
            if !self.endless || self.order.is_empty() {
                return None;
            }
            self.position = 0;
            self.shuffle();
        }
        let end = (self.position + batch_size.max(1)).min(self.order.len());
        let batch = self.data.batch(&self.order[self.position..end]);
        self.position = end;
        if end == self.order.len() {
            self.epochs += 1;
        }
        Some(batch)
    }

    fn n_features(&self) -> usize {
        self.data.n_features
    }

    fn classes(&self) -> usize {
        self.data.classes
    }

    fn state(&self) -> SourceState {
        SourceState::Shuffled {
            order: self.order.clone(),
            position: self.position,
            epochs: self.epochs,
            rng: self.rng.position().into(),
        }
    }

    fn restore(&mut self, state: &SourceState) -> Result<(), String> {
        let SourceState::Shuffled { order, position, epochs, rng } = state else {
            return Err("the checkpoint is of a generator, not of minibatches over a data set".into());
        };
        if order.len() != self.data.len()
            || *position > order.len()
            || order.iter().any(|&i| i >= order.len())
        {
            return Err(format!(
                "the checkpoint shuffles {} examples, the data set {} holds {}",
                order.len(),
                self.data.name,
                self.data.len()
            ));
        }
        (self.order, self.position, self.epochs) = (order.clone(), *position, *epochs);
        self.rng = TensorRng::at_position(&rng.into());
        Ok(())
    }
}
