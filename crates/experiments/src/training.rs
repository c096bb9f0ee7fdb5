//! Training one network online or on a finite set, with the paper's
//! measurements along the way: test and validation error, and probes of every
//! layer on the fixed probe examples.

use std::time::Instant;

use nn::probe::{probe, ProbeConfig, ProbeRecord};
use nn::{train_step, Loss, Mlp, Sgd};
use serde::{Deserialize, Serialize};

use crate::data::{Batch, BatchSource, Dataset};
use crate::error::{Error, Result};
use crate::models::Model;
use crate::progress::Progress;

/// One point of a learning curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Updates done.
    pub updates: usize,
    /// Error rate on the test set.
    pub test_error: f64,
    /// Error rate on the validation set.
    pub validation_error: f64,
    /// Mean training cost of the minibatches since the previous point (none at 0).
    pub train_loss: Option<f64>,
}

/// Everything one training run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The network.
    pub model: Model,
    /// Layer widths, input first.
    pub widths: Vec<usize>,
    /// Learning rate.
    pub lr: f64,
    /// Data set name.
    pub data: String,
    /// Test and validation error along training.
    pub curve: Vec<CurvePoint>,
    /// Probes of every hidden layer at the curve's points (empty when not asked for).
    pub probes: Vec<ProbeRecord>,
    /// The update at which the cost became NaN or infinite, if it did; training
    /// stopped there (no probes of a diverged network are recorded).
    pub diverged_at: Option<usize>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Error rate on the test set of always answering its most frequent class
    /// (absent in parts written before it was recorded).
    #[serde(default)]
    pub chance_error: Option<f64>,
    /// Examples in the test set (absent in older parts).
    #[serde(default)]
    pub test_examples: Option<usize>,
}

impl RunResult {
    /// The last curve point.
    pub fn last(&self) -> &CurvePoint {
        self.curve.last().expect("a run records at least its initial point")
    }

    /// The error rate of always answering the most frequent class: recorded
    /// from the test set, or for parts written before it was, the generator's
    /// prior for Shapeset (1 − 1/6) and balanced classes for the image sets.
    pub fn chance_error(&self) -> f64 {
        self.chance_error.unwrap_or_else(|| {
            if self.data.starts_with("shapeset") {
                1.0 - crate::data::shapeset::PRIORS.iter().cloned().fold(0.0, f64::max)
            } else {
                1.0 - 1.0 / self.widths.last().copied().unwrap_or(1).max(1) as f64
            }
        })
    }

    /// True when the network did not train: its final test error is no better
    /// than [`Self::chance_error`], within three standard errors of that rate
    /// over the test examples (and at least one point).
    pub fn did_not_train(&self) -> bool {
        let chance = self.chance_error();
        let n = self.test_examples.unwrap_or(usize::MAX).max(1) as f64;
        let margin = (3.0 * (chance * (1.0 - chance) / n).sqrt()).max(0.01);
        let error = self.last().test_error;
        !error.is_finite() || error >= chance - margin
    }
}

/// What to train and how.
pub struct TrainSpec<'a> {
    /// The network.
    pub model: &'a Model,
    /// Hidden width.
    pub width: usize,
    /// Learning rate.
    pub lr: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Updates to do.
    pub updates: usize,
    /// Updates between evaluations.
    pub eval_every: usize,
    /// Seed of the initial weights.
    pub seed: u64,
    /// Record probes at every evaluation.
    pub probes: bool,
}

/// Error rate of `mlp` on `data`, evaluated without recording, in chunks.
pub fn error_rate(mlp: &Mlp<f32>, data: &Dataset) -> f64 {
    let chunk = 1000;
    let mut wrong = 0;
    for start in (0..data.len()).step_by(chunk) {
        let indices: Vec<usize> = (start..(start + chunk).min(data.len())).collect();
        let batch: Batch<f32> = data.batch(&indices);
        let predicted = mlp.predict(&batch.x).argmax(1, false).to_vec();
        wrong += predicted.iter().zip(&batch.labels).filter(|(&p, &l)| p as usize != l).count();
    }
    wrong as f64 / data.len().max(1) as f64
}

/// Trains one network, evaluating every `eval_every` updates (and at 0).
/// A source that yields no minibatch at all is an error: a run that trained on
/// nothing would report the untrained network's numbers as its result.
pub fn train(
    spec: &TrainSpec<'_>,
    source: &mut dyn BatchSource,
    validation: &Dataset,
    test: &Dataset,
    probe_batch: &Batch<f32>,
    progress: &dyn Progress,
) -> Result<RunResult> {
    if validation.is_empty() || test.is_empty() {
        let empty = if test.is_empty() { test } else { validation };
        return Err(Error::TooSmall {
            data: empty.name.clone(),
            examples: 0,
            needed: "a training run evaluates on it".into(),
        });
    }
    let started = Instant::now();
    let widths = spec.model.widths(source.n_features(), spec.width, source.classes());
    let mut mlp = Mlp::<f32>::builder(&widths)
        .hidden(spec.model.activation)
        .init(spec.model.init)
        .seed(spec.seed)
        .build();
    let mut sgd = Sgd::new(spec.lr);
    let probe_config = ProbeConfig::default();
    let mut result = RunResult {
        model: spec.model.clone(),
        widths: widths.clone(),
        lr: spec.lr,
        data: test.name.clone(),
        curve: vec![],
        probes: vec![],
        diverged_at: None,
        seconds: 0.0,
        chance_error: Some(test.majority_class_error()),
        test_examples: Some(test.len()),
    };
    let measure = |mlp: &Mlp<f32>, updates: usize, train_loss: Option<f64>, result: &mut RunResult| {
        result.curve.push(CurvePoint {
            updates,
            test_error: error_rate(mlp, test),
            validation_error: error_rate(mlp, validation),
            train_loss,
        });
        if spec.probes && result.diverged_at.is_none() {
            let record = probe(
                mlp,
                &probe_batch.x,
                &probe_batch.labels,
                Loss::SoftmaxCrossEntropy,
                &probe_config,
                updates as u64,
            );
            result.probes.push(record);
        }
    };
    measure(&mlp, 0, None, &mut result);
    progress.start(spec.updates as u64);
    let (mut loss_sum, mut loss_count) = (0.0, 0);
    for update in 1..=spec.updates {
        let Some(batch) = source.next_batch(spec.batch) else {
            if update == 1 {
                return Err(Error::EmptyTrainingSet {
                    data: format!("{} training minibatches", result.data),
                });
            }
            break;
        };
        let loss = train_step(&mut mlp, &mut sgd, &batch.x, &batch.labels, Loss::SoftmaxCrossEntropy);
        if !loss.is_finite() {
            result.diverged_at = Some(update);
            measure(&mlp, update, Some(loss), &mut result);
            progress.message(&format!("{} lr {} — diverged at update {update}", spec.model.name, spec.lr));
            break;
        }
        loss_sum += loss;
        loss_count += 1;
        if update % spec.eval_every == 0 || update == spec.updates {
            measure(&mlp, update, Some(loss_sum / loss_count as f64), &mut result);
            (loss_sum, loss_count) = (0.0, 0);
            let last = result.last();
            progress.message(&format!(
                "{} lr {} — test error {:.1}%",
                spec.model.name,
                spec.lr,
                100.0 * last.test_error
            ));
        }
        if update % 100 == 0 {
            progress.set_position(update as u64);
        }
    }
    progress.finish();
    result.seconds = started.elapsed().as_secs_f64();
    Ok(result)
}

/// A batch of the first `count` examples of `data` (the fixed probe examples).
pub fn probe_examples(data: &Dataset, count: usize) -> Batch<f32> {
    data.head(count)
}
