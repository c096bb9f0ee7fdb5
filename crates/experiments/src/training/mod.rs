//! Training one network online or on a finite set, with the paper's
//! measurements along the way: test and validation error, and probes of every
//! layer on the fixed probe examples.

use std::path::PathBuf;
use std::time::Instant;

use nn::probe::{probe, ProbeConfig, ProbeRecord};
use nn::tensorboard::{HistogramProto, SummaryWriter};
use nn::{train_step, Loss, Mlp, Sgd};
use serde::{Deserialize, Serialize};

use crate::data::{Batch, BatchSource, Dataset};
use crate::error::{Error, Result};
use crate::models::Model;
use crate::progress::Progress;

mod checkpoint;

pub use checkpoint::{checkpoint_kernels, checkpoint_result, checkpoint_weights, retire, Checkpoints};
use checkpoint::{load, result_reached, save};

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
    /// Whether the run trained all of its `updates`, or diverged before: a run
    /// still in progress (in a partial report) is not a result yet.
    pub fn finished(&self, updates: usize) -> bool {
        self.diverged_at.is_some() || self.last().updates >= updates
    }

    /// " (at N of M updates, running)" for a run short of its `updates`, else
    /// "": how a partial report marks a run still training.
    pub fn running_note(&self, updates: usize) -> String {
        if self.finished(updates) {
            String::new()
        } else {
            format!(" (at {} of {updates} updates, running)", self.last().updates)
        }
    }

    /// The last curve point.
    pub fn last(&self) -> &CurvePoint {
        self.curve.last().expect("a run records at least its initial point")
    }

    /// The curve point of update `updates`, or of the last update before it when
    /// the run has no point there (it diverged, or its data ran out, earlier).
    /// A learning-rate search reads its rungs here, not from [`Self::last`]: a
    /// run resumed from a checkpoint saved past the rung has gone further.
    pub fn at(&self, updates: usize) -> &CurvePoint {
        let before = self.curve.partition_point(|c| c.updates <= updates);
        &self.curve[before.max(1) - 1]
    }

    /// Among `runs`, the one with the lowest final validation error: the paper's
    /// choice of learning rate.
    pub fn lowest_validation<'r>(runs: impl IntoIterator<Item = &'r RunResult>) -> Option<&'r RunResult> {
        runs.into_iter().min_by(|a, b| a.last().validation_error.total_cmp(&b.last().validation_error))
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
    /// Plain or fused training steps.
    pub step: StepKind,
    /// Folder for this run's TensorBoard event files (`None`: none written).
    /// A resumed run drops the events past its checkpoint and goes on.
    pub tensorboard: Option<PathBuf>,
}

/// Error rate of `mlp` on `data`, evaluated without recording, in chunks.
pub fn error_rate(mlp: &Mlp<f32>, data: &Dataset) -> f64 {
    let chunk = 1000;
    let mut wrong = 0;
    for start in (0..data.len()).step_by(chunk) {
        let indices: Vec<usize> = (start..(start + chunk).min(data.len())).collect();
        let batch: Batch<f32> = data.batch(&indices);
        let predicted = mlp.predict(&batch.x).argmax(-1);
        wrong += predicted.iter().zip(&batch.labels).filter(|(p, l)| p != l).count();
    }
    wrong as f64 / data.len().max(1) as f64
}

/// How a training step is computed. Both give the same network up to float
/// rounding (tested in `nn`); a run keeps one kind from start to finish, and a
/// checkpoint records which, so a resumed run continues bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StepKind {
    /// Forward, backward, then the SGD update ([`nn::train_step`]).
    #[default]
    Plain,
    /// Each layer's SGD update applied during backward ([`nn::fused::train_step`]), plain SGD only.
    Fused,
}

/// Everything a run is between two updates: what a checkpoint holds.
pub struct RunState {
    /// The network.
    pub mlp: Mlp<f32>,
    /// Curves and probes so far.
    pub result: RunResult,
    /// Updates done.
    pub step: usize,
    /// Sum of the training costs since the last evaluation.
    pub loss_sum: f64,
    /// Number of costs in `loss_sum`.
    pub loss_count: usize,
}

fn check_inputs(validation: &Dataset, test: &Dataset) -> Result<()> {
    if validation.is_empty() || test.is_empty() {
        let empty = if test.is_empty() { test } else { validation };
        return Err(Error::TooSmall {
            data: empty.name.clone(),
            examples: 0,
            needed: "a training run evaluates on it".into(),
        });
    }
    Ok(())
}

/// What a run measures at an evaluation point, and where it shows it.
struct Evaluation<'d> {
    spec: &'d TrainSpec<'d>,
    validation: &'d Dataset,
    test: &'d Dataset,
    probe_batch: &'d Batch<f32>,
    /// The run's TensorBoard event file, if it writes one.
    board: Option<SummaryWriter>,
}

impl<'d> Evaluation<'d> {
    /// The measurements of `spec`'s run; its TensorBoard folder (if any) is
    /// continued from update `resumed_at`, or started afresh.
    fn new(
        spec: &'d TrainSpec<'d>,
        (validation, test): (&'d Dataset, &'d Dataset),
        probe_batch: &'d Batch<f32>,
        resumed_at: Option<usize>,
    ) -> Result<Self> {
        check_inputs(validation, test)?;
        let board = match &spec.tensorboard {
            // A fresh run keeps nothing of what an earlier one left there.
            Some(dir) => Some(
                SummaryWriter::resume(dir, resumed_at.map_or(-1, |step| step as i64))
                    .map_err(|e| Error::io(dir, e))?,
            ),
            None => None,
        };
        Ok(Evaluation { spec, validation, test, probe_batch, board })
    }

    /// Appends a curve point (and a probe, unless the network diverged), and
    /// shows both in TensorBoard.
    fn measure(&mut self, state: &mut RunState, train_loss: Option<f64>) -> Result<()> {
        state.result.curve.push(CurvePoint {
            updates: state.step,
            test_error: error_rate(&state.mlp, self.test),
            validation_error: error_rate(&state.mlp, self.validation),
            train_loss,
        });
        if self.spec.probes && state.result.diverged_at.is_none() {
            let record = probe(
                &state.mlp,
                &self.probe_batch.x,
                &self.probe_batch.labels,
                Loss::SoftmaxCrossEntropy,
                &ProbeConfig::default(),
                state.step as u64,
            );
            state.result.probes.push(record);
        }
        match (self.board.as_mut(), &self.spec.tensorboard) {
            (Some(board), Some(dir)) => show(board, self.spec, &state.result).map_err(|e| Error::io(dir, e)),
            _ => Ok(()),
        }
    }
}

/// Writes the run's last curve point, and its last probe if taken at that
/// update, to TensorBoard: the errors, the training loss and the learning rate
/// as scalars; each layer's activations, back-propagated gradients ∂C/∂s and
/// weight gradients as histograms (the paper's Figs. 3–9 as they develop).
fn show(board: &mut SummaryWriter, spec: &TrainSpec<'_>, result: &RunResult) -> std::io::Result<()> {
    let point = result.last();
    let step = point.updates as i64;
    board.add_scalar("error/test", point.test_error, step)?;
    board.add_scalar("error/validation", point.validation_error, step)?;
    if let Some(loss) = point.train_loss {
        board.add_scalar("loss/train", loss, step)?;
    }
    board.add_scalar("learning_rate", spec.lr, step)?;
    if let Some(probe) = result.probes.last().filter(|p| p.step == point.updates as u64) {
        for layer in &probe.layers {
            let l = layer.layer;
            for (name, summary) in [
                ("activation", &layer.activation),
                ("gradient_pre_activation", &layer.grad_pre_activation),
                ("gradient_weight", &layer.grad_weight),
            ] {
                board.add_histogram_proto(
                    &format!("layer{l}/{name}"),
                    HistogramProto::of_summary(summary),
                    step,
                )?;
            }
        }
    }
    board.flush()
}

impl RunState {
    /// A new network, measured at update 0.
    fn start(spec: &TrainSpec<'_>, source: &dyn BatchSource, eval: &mut Evaluation<'_>) -> Result<Self> {
        let widths = spec.model.widths(source.n_features(), spec.width, source.classes());
        let mlp = Mlp::<f32>::builder(&widths)
            .hidden(spec.model.activation)
            .init(spec.model.init)
            .seed(spec.seed)
            .build();
        let result = RunResult {
            model: spec.model.clone(),
            widths,
            lr: spec.lr,
            data: eval.test.name.clone(),
            curve: vec![],
            probes: vec![],
            diverged_at: None,
            seconds: 0.0,
            chance_error: Some(eval.test.majority_class_error()),
            test_examples: Some(eval.test.len()),
        };
        let mut state = RunState { mlp, result, step: 0, loss_sum: 0.0, loss_count: 0 };
        eval.measure(&mut state, None)?;
        Ok(state)
    }

    /// True when training is over: all updates done, or the cost diverged.
    fn finished(&self, spec: &TrainSpec<'_>) -> bool {
        self.step >= spec.updates || self.result.diverged_at.is_some()
    }
}

/// One update of `state` with the run's kind of step; returns the cost.
fn step(spec: &TrainSpec<'_>, state: &mut RunState, sgd: &mut Sgd<f32>, batch: &Batch<f32>) -> Result<f64> {
    match spec.step {
        StepKind::Plain => {
            Ok(train_step(&mut state.mlp, sgd, &batch.x, &batch.labels, Loss::SoftmaxCrossEntropy))
        }
        StepKind::Fused => {
            nn::fused::train_step(&mut state.mlp, sgd, &batch.x, &batch.labels, Loss::SoftmaxCrossEntropy)
                .map_err(|e| Error::usage(e.to_string()))
        }
    }
}

/// Trains `state` up to update `until` (at most `spec.updates`), evaluating
/// every `eval_every` updates and at the last. With `checkpoints`, saves the
/// state every so often, and when a stop is requested ([`crate::interrupt`])
/// saves it and returns [`Error::Interrupted`].
#[allow(clippy::too_many_arguments)]
fn advance(
    spec: &TrainSpec<'_>,
    state: &mut RunState,
    source: &mut dyn BatchSource,
    eval: &mut Evaluation<'_>,
    until: usize,
    checkpoints: Option<&Checkpoints>,
    progress: &dyn Progress,
) -> Result<()> {
    // Wall-clock time is added to the result whenever it is saved or returned.
    let mut accounted = Instant::now();
    let mut clock = |state: &mut RunState| {
        state.result.seconds += accounted.elapsed().as_secs_f64();
        accounted = Instant::now();
    };
    let mut saved_at = Instant::now();
    let mut sgd = Sgd::new(spec.lr);
    progress.start(spec.updates as u64);
    progress.set_position(state.step as u64);
    let end = until.min(spec.updates);
    while state.step < end && !state.finished(spec) {
        if crate::interrupt::stop_requested() {
            clock(state);
            if let Some(c) = checkpoints {
                save(&c.dir, spec, state, source)?;
            }
            return Err(Error::Interrupted);
        }
        let Some(batch) = source.next_batch(spec.batch) else {
            if state.step == 0 {
                return Err(Error::EmptyTrainingSet {
                    data: format!("{} training minibatches", state.result.data),
                });
            }
            break;
        };
        let loss = step(spec, state, &mut sgd, &batch)?;
        state.step += 1;
        let update = state.step;
        if !loss.is_finite() {
            state.result.diverged_at = Some(update);
            eval.measure(state, Some(loss))?;
            progress.message(&format!("{} lr {} — diverged at update {update}", spec.model.name, spec.lr));
            break;
        }
        state.loss_sum += loss;
        state.loss_count += 1;
        if update.is_multiple_of(spec.eval_every) || update == spec.updates {
            let mean = state.loss_sum / state.loss_count as f64;
            eval.measure(state, Some(mean))?;
            (state.loss_sum, state.loss_count) = (0.0, 0);
            let last = state.result.last();
            progress.message(&format!(
                "{} lr {} — test error {:.1}%",
                spec.model.name,
                spec.lr,
                100.0 * last.test_error
            ));
        }
        if update.is_multiple_of(100) {
            progress.set_position(update as u64);
        }
        if let Some(c) = checkpoints.filter(|c| saved_at.elapsed() >= c.every) {
            clock(state);
            save(&c.dir, spec, state, source)?;
            saved_at = Instant::now();
        }
    }
    clock(state);
    Ok(())
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
    let mut eval = Evaluation::new(spec, (validation, test), probe_batch, None)?;
    let mut state = RunState::start(spec, source, &mut eval)?;
    advance(spec, &mut state, source, &mut eval, spec.updates, None, progress)?;
    progress.finish();
    Ok(state.result)
}

/// [`train`] up to update `until`, continuing from the checkpoint in
/// `checkpoints.dir` if there is one, and leaving a checkpoint there at the end
/// (also when interrupted). Trained to the end in one go or in several pieces,
/// with kills in between, a run gives the same curves, probes and weights, bit
/// for bit; only `seconds` differs.
#[allow(clippy::too_many_arguments)]
pub fn train_resumable(
    spec: &TrainSpec<'_>,
    source: &mut dyn BatchSource,
    validation: &Dataset,
    test: &Dataset,
    probe_batch: &Batch<f32>,
    until: usize,
    checkpoints: &Checkpoints,
    progress: &dyn Progress,
) -> Result<RunResult> {
    if let Some((result, finished)) = result_reached(&checkpoints.dir, spec, until)? {
        if finished {
            // Say which run this was and where it ended, so a log shows a run
            // trained earlier as such rather than as an empty job.
            progress.start(spec.updates as u64);
            progress.message(&format!(
                "{} lr {} — trained earlier, test error {:.1}%",
                spec.model.name,
                spec.lr,
                100.0 * result.last().test_error
            ));
            progress.finish();
        }
        return Ok(result);
    }
    let loaded = load(&checkpoints.dir, spec, source)?;
    let mut eval =
        Evaluation::new(spec, (validation, test), probe_batch, loaded.as_ref().map(|state| state.step))?;
    let mut state = match loaded {
        Some(state) => state,
        None => RunState::start(spec, source, &mut eval)?,
    };
    let result = advance(spec, &mut state, source, &mut eval, until, Some(checkpoints), progress);
    if !matches!(result, Err(Error::Interrupted)) {
        save(&checkpoints.dir, spec, &state, source)?;
    }
    result?;
    if state.finished(spec) {
        progress.finish();
    }
    Ok(state.result)
}

/// A batch of the first `count` examples of `data` (the fixed probe examples).
pub fn probe_examples(data: &Dataset, count: usize) -> Batch<f32> {
    data.head(count)
}
