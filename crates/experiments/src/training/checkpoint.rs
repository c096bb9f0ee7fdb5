//! A training run's checkpoint: its folder holds `state.json` (the settings
//! the run was started with, the update count, the data stream's position,
//! the curves and probes so far, the kernel plan) and one weights file. A
//! checkpoint is written so that a kill at any moment leaves a consistent one,
//! and a resumed run continues bit for bit.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nn::Mlp;
use serde::{Deserialize, Serialize};

use super::{RunResult, RunState, StepKind, TrainSpec};
use crate::data::{BatchSource, SourceState};
use crate::error::{Error, Result};

/// Where a run keeps its checkpoint, and how often it writes it.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    /// The run's checkpoint folder (`state.json` and one weights file).
    pub dir: PathBuf,
    /// Time between two checkpoints while training.
    pub every: Duration,
}

/// What a checkpoint's `state.json` holds besides the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedState {
    /// The settings the run was started with; a resumed run must match them.
    spec: SpecRecord,
    step: usize,
    loss_sum: f64,
    loss_count: usize,
    /// The weights file, beside `state.json`; `None` once the run was
    /// [retired](retire): its result stays, its weights are gone.
    weights: Option<String>,
    source: SourceState,
    result: RunResult,
    /// The kernel plan the run was computed with up to this checkpoint
    /// (absent in checkpoints from before it was recorded).
    #[serde(default)]
    kernels: Option<crate::runner::KernelRecord>,
}

/// The parts of a [`TrainSpec`] that decide the computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SpecRecord {
    model: String,
    widths: Vec<usize>,
    lr: f64,
    batch: usize,
    updates: usize,
    eval_every: usize,
    seed: u64,
    probes: bool,
    step: StepKind,
}

fn record(spec: &TrainSpec<'_>, widths: &[usize]) -> SpecRecord {
    SpecRecord {
        model: spec.model.key(),
        widths: widths.to_vec(),
        lr: spec.lr,
        batch: spec.batch,
        updates: spec.updates,
        eval_every: spec.eval_every,
        seed: spec.seed,
        probes: spec.probes,
        step: spec.step,
    }
}

/// Saves the run's state into `dir`: the weights under a name of their own,
/// then `state.json` (written and renamed), then the older weights are removed,
/// so a kill at any moment leaves a consistent checkpoint.
pub(super) fn save(
    dir: &Path,
    spec: &TrainSpec<'_>,
    state: &RunState,
    source: &dyn BatchSource,
) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let weights = format!("weights-{}.safetensors", state.step);
    nn::checkpoint::save(&state.mlp, dir.join(&weights)).map_err(|e| Error::Checkpoint(e.to_string()))?;
    let saved = SavedState {
        spec: record(spec, &state.result.widths),
        step: state.step,
        loss_sum: state.loss_sum,
        loss_count: state.loss_count,
        weights: Some(weights.clone()),
        source: source.state(),
        result: state.result.clone(),
        kernels: Some(crate::runner::KernelRecord::current()),
    };
    crate::job::write_json(&dir.join("state.json"), &saved)?;
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("weights-") && name != weights {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// The state saved in `dir`, if any, after checking it was made with `spec`'s settings.
fn read_matching(dir: &Path, spec: &TrainSpec<'_>) -> Result<Option<SavedState>> {
    let path = dir.join("state.json");
    if !path.exists() {
        return Ok(None);
    }
    let saved: SavedState = crate::job::read_json(&path)?;
    let expected = record(spec, &saved.result.widths);
    if saved.spec != expected {
        return Err(Error::usage(format!(
            "{}: the checkpoint was made with other settings ({:?}) than this run ({:?}); remove it or use another --out",
            path.display(),
            saved.spec,
            expected
        )));
    }
    Ok(Some(saved))
}

/// The result of the run saved in `dir` when it has already trained to
/// `until` (or to its end, or diverged), and whether it is finished: asking
/// for it again needs no weights, so a search replaying its rungs after a
/// resume reads it from `state.json`.
pub(super) fn result_reached(
    dir: &Path,
    spec: &TrainSpec<'_>,
    until: usize,
) -> Result<Option<(RunResult, bool)>> {
    let Some(saved) = read_matching(dir, spec)? else { return Ok(None) };
    let finished = saved.step >= spec.updates || saved.result.diverged_at.is_some();
    Ok((finished || saved.step >= until).then_some((saved.result, finished)))
}

/// Drops the weights of the run saved in `dir` and keeps its result: for a run
/// that will not train again, such as a learning rate a search has stopped
/// (at the paper's width a weights file is 20 MB, one per rate tried).
pub fn retire(dir: &Path) -> Result<()> {
    let path = dir.join("state.json");
    if !path.exists() {
        return Ok(());
    }
    let mut saved: SavedState = crate::job::read_json(&path)?;
    let Some(weights) = saved.weights.take() else { return Ok(()) };
    crate::job::write_json(&path, &saved)?;
    // Weights already gone (a copy of the folder that left them out, as a
    // search's committed checkpoints may) are what retiring asks for.
    match fs::remove_file(dir.join(&weights)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&dir.join(weights), e)),
        _ => Ok(()),
    }
}

/// The weights file named by `saved`, or an error saying the run was retired.
fn weights_of(dir: &Path, saved: &SavedState) -> Result<PathBuf> {
    match &saved.weights {
        Some(name) => Ok(dir.join(name)),
        None => Err(Error::Checkpoint(format!(
            "{}: this run was stopped at {} updates and its weights dropped (a search kept other rates); remove the folder to train it again",
            dir.display(),
            saved.step
        ))),
    }
}

/// The run saved in `dir`, if any, with `source` moved to where it was.
pub(super) fn load(
    dir: &Path,
    spec: &TrainSpec<'_>,
    source: &mut dyn BatchSource,
) -> Result<Option<RunState>> {
    let Some(saved) = read_matching(dir, spec)? else { return Ok(None) };
    let path = dir.join("state.json");
    let mut mlp = Mlp::<f32>::builder(&saved.result.widths)
        .hidden(spec.model.activation)
        .init(spec.model.init)
        .seed(spec.seed)
        .build();
    nn::checkpoint::load_into(&mut mlp, weights_of(dir, &saved)?)
        .map_err(|e| Error::Checkpoint(e.to_string()))?;
    source.restore(&saved.source).map_err(|e| Error::Checkpoint(format!("{}: {e}", path.display())))?;
    Ok(Some(RunState {
        mlp,
        result: saved.result,
        step: saved.step,
        loss_sum: saved.loss_sum,
        loss_count: saved.loss_count,
    }))
}

/// The weights saved in a checkpoint folder (to compare runs, or to inspect one).
pub fn checkpoint_weights(dir: &Path) -> Result<Mlp<f32>> {
    let saved: SavedState = crate::job::read_json(&dir.join("state.json"))?;
    nn::checkpoint::load(weights_of(dir, &saved)?).map_err(|e| Error::Checkpoint(e.to_string()))
}

/// The curves and probes so far of the run checkpointed in `dir`.
pub fn checkpoint_result(dir: &Path) -> Result<RunResult> {
    let saved: SavedState = crate::job::read_json(&dir.join("state.json"))?;
    Ok(saved.result)
}

/// The kernel plans recorded by the checkpoints in `root` (one folder per
/// training run), for a resume to compare with its own.
pub fn checkpoint_kernels(root: &Path) -> Vec<crate::runner::KernelRecord> {
    let Ok(folders) = fs::read_dir(root) else { return vec![] };
    folders
        .flatten()
        .filter_map(|entry| crate::job::read_json::<SavedState>(&entry.path().join("state.json")).ok())
        .filter_map(|saved| saved.kernels)
        .collect()
}
