//! The training runs that several studies share: per network and data set,
//! one job per learning rate, or one successive-halving search over the rates;
//! the paper's learning-rate selection (lowest validation error); and the small
//! pieces the training-run studies draw with.

use std::path::Path;

use nn::probe::LayerProbe;
use serde::{Deserialize, Serialize};

use crate::data::shapeset::{streams, Shapeset};
use crate::data::{Batch, BatchSource, DataId, Minibatches};
use crate::error::{Error, Result};
use crate::job::{boxed, AnyJob, ImageSource, Inputs, Job};
use crate::models::{ModelId, IMAGE_MODELS, SHAPESET_MODELS};
use crate::plan::Plan;
use crate::plot::Line;
use crate::progress::Progress;
use crate::setting::{LrSearch, Scale, PAPER_EPOCH};
use crate::studies::Context;
use crate::training::{train, train_resumable, RunResult, TrainSpec};

/// One network trained on Shapeset (online) or on an image data set.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingJob {
    /// The network.
    pub model: ModelId,
    /// `None` for Shapeset, else the image data set.
    pub images: Option<ImageSource>,
    /// Learning rate.
    pub lr: f64,
}

/// The key of a training run: `shapeset-tanh-d5-lr0.05`, `fashion-mnist-tanh-n-d5-lr0.01`.
fn run_key(model: ModelId, images: Option<&ImageSource>, lr: f64) -> String {
    let data = images.map_or(DataId::Shapeset, |s| s.data);
    format!("{}-{}-lr{lr}", data.name(), model.model(images.is_some()).key())
}

/// Updates per run of the data set: Shapeset's or the image data's.
fn budget(scale: &Scale, images: Option<&ImageSource>) -> usize {
    if images.is_some() {
        scale.image_updates
    } else {
        scale.updates
    }
}

/// One training run: a network on a data set at a width, from a seed, at a rate.
/// The seed gives the initial weights and the training stream (or shuffling);
/// the validation and test sets stay the plan's, so runs from several seeds
/// are measured on the same examples.
#[derive(Debug, Clone, PartialEq)]
struct RunSpec<'a> {
    model: ModelId,
    images: Option<&'a ImageSource>,
    width: usize,
    seed: u64,
    lr: f64,
    /// Whether its checkpoint key names the width and seed (runs of a
    /// [`SeededJob`]) or they are the plan's (runs of the plan's own jobs).
    seeded: bool,
}

impl<'a> RunSpec<'a> {
    /// The run at the plan's own width and seed.
    fn of_plan(inputs: &Inputs, model: ModelId, images: Option<&'a ImageSource>, lr: f64) -> Self {
        RunSpec { model, images, width: inputs.scale.width, seed: inputs.seed, lr, seeded: false }
    }

    /// Its checkpoint key: [`run_key`], followed by `-w<width>-seed<seed>` for a seeded run.
    fn key(&self) -> String {
        let base = run_key(self.model, self.images, self.lr);
        if self.seeded {
            format!("{base}-w{}-seed{}", self.width, self.seed)
        } else {
            base
        }
    }
}

/// Trains `run` up to update `until`, through its checkpoint when the inputs
/// keep checkpoints (so it resumes where it stopped).
fn train_one(inputs: &Inputs, run: &RunSpec<'_>, until: usize, progress: &dyn Progress) -> Result<RunResult> {
    let scale = &inputs.scale;
    let network = run.model.model(run.images.is_some());
    let updates = budget(scale, run.images);
    let spec = TrainSpec {
        model: &network,
        width: run.width,
        lr: run.lr,
        batch: scale.batch,
        updates,
        eval_every: scale.eval_every.min(updates.max(1)),
        seed: run.seed,
        probes: run.images.is_none(),
        step: scale.step,
        tensorboard: inputs.tensorboard.as_ref().map(|root| root.join(run.key())),
    };
    let checkpoints = inputs.checkpoints_of(&run.key());
    let go = |source: &mut dyn BatchSource, validation, test, probe: &Batch<f32>| match &checkpoints {
        Some(c) => train_resumable(&spec, source, validation, test, probe, until, c, progress),
        None if until >= updates => train(&spec, source, validation, test, probe, progress),
        None => {
            Err(Error::usage("a run trained in pieces keeps checkpoints: give the inputs a CheckpointPolicy"))
        }
    };
    match run.images {
        None => {
            let (validation, test) = inputs.shapeset();
            let probe = test.head(scale.probe_examples);
            go(&mut Shapeset::new(run.seed, streams::TRAIN), validation, test, &probe)
        }
        Some(source) => {
            let sets = inputs.images(source)?;
            let probe = sets.test.head(scale.probe_examples);
            go(&mut Minibatches::endless(&sets.train, run.seed), &sets.validation, &sets.test, &probe)
        }
    }
}

impl Job for TrainingJob {
    type Part = RunResult;

    fn key(&self) -> String {
        run_key(self.model, self.images.as_ref(), self.lr)
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<RunResult> {
        let run = RunSpec::of_plan(inputs, self.model, self.images.as_ref(), self.lr);
        train_one(inputs, &run, usize::MAX, progress)
    }

    fn checkpoint_keys(&self) -> Vec<String> {
        vec![Job::key(self)]
    }
}

/// One rung of a successive-halving search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    /// Updates every surviving rate had done at this rung.
    pub updates: usize,
    /// (learning rate, validation error there) of each rate that reached it.
    pub validation: Vec<(f64, f64)>,
    /// The rates kept for the next rung (the last rung keeps one).
    pub kept: Vec<f64>,
}

/// A learning-rate search for one network: every run as far as it went, and the rate kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The rungs, first to last.
    pub rungs: Vec<Rung>,
    /// Each rate's run, up to the rung where it was dropped (the kept one to the end).
    pub runs: Vec<RunResult>,
    /// The learning rate kept.
    pub kept: f64,
}

impl SearchResult {
    /// The kept rate's run.
    pub fn selected(&self) -> Option<&RunResult> {
        self.runs.iter().find(|r| r.lr == self.kept)
    }

    /// The rungs with each rate's validation error read from its run's curve at
    /// the rung's update count. A search saved before rungs were read that way
    /// may have recorded, after a resume, a value from further on; these are
    /// what the search measured.
    pub fn rungs_from_curves(&self) -> Vec<Rung> {
        self.rungs
            .iter()
            .map(|rung| {
                let validation = rung
                    .validation
                    .iter()
                    .map(|&(lr, recorded)| {
                        let run = self.runs.iter().find(|r| r.lr == lr);
                        (lr, run.map_or(recorded, |r| r.at(rung.updates).validation_error))
                    })
                    .collect();
                Rung { updates: rung.updates, validation, kept: rung.kept.clone() }
            })
            .collect()
    }

    /// Each rung value the search recorded that differs from its run's curve, as
    /// (updates, rate, recorded, curve), and whether the curves' values would
    /// have kept other rates at some rung.
    pub fn misrecorded(&self) -> (Vec<(usize, f64, f64, f64)>, bool) {
        let mut wrong = vec![];
        let mut other_choice = false;
        for (recorded, measured) in self.rungs.iter().zip(self.rungs_from_curves()) {
            for (&(lr, was), &(_, is)) in recorded.validation.iter().zip(&measured.validation) {
                if was.to_bits() != is.to_bits() {
                    wrong.push((recorded.updates, lr, was, is));
                }
            }
            other_choice |= best_rates(&measured.validation, recorded.kept.len()) != recorded.kept;
        }
        (wrong, other_choice)
    }
}

/// The `keep` rates with the lowest validation error; NaN (a diverged network)
/// ranks last, and ties keep the grid's order.
fn best_rates(validation: &[(f64, f64)], keep: usize) -> Vec<f64> {
    let mut ranked = validation.to_vec();
    ranked.sort_by(|a, b| a.1.is_nan().cmp(&b.1.is_nan()).then(a.1.total_cmp(&b.1)));
    ranked.iter().take(keep).map(|(lr, _)| *lr).collect()
}

/// Successive halving over the plan's learning rates for one network (part
/// `<data>-<model>-search`): every rate trains to the first rung, the better
/// half by validation error goes on to the next rung at twice the updates, and
/// so on until one rate trains to the whole budget. Each rate's run lives in its
/// checkpoint between rungs, so a killed search resumes where it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchJob {
    /// The network.
    pub model: ModelId,
    /// `None` for Shapeset, else the image data set.
    pub images: Option<ImageSource>,
    /// The rates tried.
    pub rates: Vec<f64>,
}

/// The rung ends for `rates` rates and a budget: B/2^h, …, B/2, B with h
/// halvings, each a multiple of `eval_every` (a rung ends at an evaluation).
pub fn rung_updates(rates: usize, budget: usize, eval_every: usize) -> Vec<usize> {
    let halvings = rates.max(1).next_power_of_two().trailing_zeros();
    (0..=halvings)
        .map(|i| {
            let target = budget >> (halvings - i);
            (target / eval_every).max(1) * eval_every
        })
        .map(|t| t.min(budget))
        .collect()
}

impl Job for SearchJob {
    type Part = SearchResult;

    fn key(&self) -> String {
        let data = self.images.as_ref().map_or(DataId::Shapeset, |s| s.data);
        format!("{}-{}-search", data.name(), self.model.model(self.images.is_some()).key())
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<SearchResult> {
        let first = RunSpec::of_plan(inputs, self.model, self.images.as_ref(), 0.0);
        search(inputs, &first, &self.rates, true, progress)
    }

    fn checkpoint_keys(&self) -> Vec<String> {
        self.rates.iter().map(|&lr| run_key(self.model, self.images.as_ref(), lr)).collect()
    }
}

/// Chooses a learning rate for `run` (its `lr` is ignored) among `rates` by
/// validation error: by successive halving when `halving`, else by training
/// every rate to the end (one rung). A rung's value is each run's validation
/// error at the rung's update count, read from its curve, so a search stopped
/// and resumed any number of times records what an uninterrupted one does.
fn search(
    inputs: &Inputs,
    run: &RunSpec<'_>,
    rates: &[f64],
    halving: bool,
    progress: &dyn Progress,
) -> Result<SearchResult> {
    let scale = &inputs.scale;
    let updates = budget(scale, run.images);
    let targets = if halving {
        rung_updates(rates.len(), updates, scale.eval_every.min(updates.max(1)))
    } else {
        vec![updates]
    };
    let mut alive = rates.to_vec();
    let mut latest: Vec<(f64, RunResult)> = vec![];
    let mut rungs = vec![];
    for (r, &target) in targets.iter().enumerate() {
        let mut validation = vec![];
        for &lr in &alive {
            let result = train_one(inputs, &RunSpec { lr, ..run.clone() }, target, progress)?;
            validation.push((lr, result.at(target).validation_error));
            latest.retain(|(l, _)| *l != lr);
            latest.push((lr, result));
        }
        let keep = if r + 1 == targets.len() { 1 } else { alive.len().div_ceil(2) };
        let kept = best_rates(&validation, keep);
        for stopped in alive.iter().filter(|lr| !kept.contains(lr)) {
            retire_run(inputs, &RunSpec { lr: *stopped, ..run.clone() })?;
        }
        alive = kept;
        rungs.push(Rung { updates: target, validation, kept: alive.clone() });
    }
    let runs =
        rates.iter().filter_map(|lr| latest.iter().find(|(l, _)| l == lr).map(|(_, r)| r.clone())).collect();
    Ok(SearchResult { rungs, runs, kept: alive[0] })
}

/// Drops the weights of a run the search stopped (its result stays in its
/// checkpoint): only the rates still going on need theirs.
fn retire_run(inputs: &Inputs, run: &RunSpec<'_>) -> Result<()> {
    match inputs.checkpoints_of(&run.key()) {
        Some(checkpoints) => crate::training::retire(&checkpoints.dir),
        None => Ok(()),
    }
}

/// A network trained from several seeds (part `<data>-<model>-w<width>-seeds<s1>_<s2>…`):
/// the first seed chooses the learning rate by a search over `rates`, and each
/// later seed trains at the rate it kept. Reusing the rate keeps the cost near
/// one search plus one run per seed; the report says so.
#[derive(Debug, Clone, PartialEq)]
pub struct SeededJob {
    /// The network.
    pub model: ModelId,
    /// `None` for Shapeset, else the image data set.
    pub images: Option<ImageSource>,
    /// Hidden width.
    pub width: usize,
    /// The seeds, the one that searches first.
    pub seeds: Vec<u64>,
    /// The rates the first seed tries.
    pub rates: Vec<f64>,
    /// Successive halving (else every rate trains to the end).
    pub halving: bool,
}

/// What a [`SeededJob`] measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeededResult {
    /// The seeds, in the job's order.
    pub seeds: Vec<u64>,
    /// The first seed's learning-rate search.
    pub search: SearchResult,
    /// The later seeds' runs at the kept rate, in the order of `seeds[1..]`.
    pub repeats: Vec<RunResult>,
}

impl SeededResult {
    /// The run of every seed at the kept rate, first seed first, with its seed.
    pub fn runs(&self) -> Vec<(u64, &RunResult)> {
        let first = self.search.selected().into_iter();
        self.seeds.iter().copied().zip(first.chain(&self.repeats)).collect()
    }
}

impl SeededJob {
    /// What the job has measured so far, from its runs' checkpoints, for a
    /// partial report: the first seed's furthest run (the search's leader)
    /// stands for its search, and each later seed's run in progress at that
    /// rate follows, as far as they have got.
    pub fn in_progress(&self, parts: &crate::job::Parts) -> Option<SeededResult> {
        let first = *self.seeds.first()?;
        let runs: Vec<RunResult> =
            self.rates.iter().filter_map(|&lr| parts.in_progress(&self.run_of(first, lr).key())).collect();
        let furthest = runs.iter().map(|r| r.last().updates).max()?;
        let lead =
            RunResult::lowest_validation(runs.iter().filter(|r| r.last().updates == furthest))?.clone();
        let repeats: Vec<RunResult> = self.seeds[1..]
            .iter()
            .map_while(|&seed| parts.in_progress(&self.run_of(seed, lead.lr).key()))
            .collect();
        let seeds = self.seeds[..1 + repeats.len()].to_vec();
        let search = SearchResult { rungs: vec![], kept: lead.lr, runs: vec![lead] };
        Some(SeededResult { seeds, search, repeats })
    }

    fn run_of(&self, seed: u64, lr: f64) -> RunSpec<'_> {
        RunSpec { model: self.model, images: self.images.as_ref(), width: self.width, seed, lr, seeded: true }
    }
}

impl Job for SeededJob {
    type Part = SeededResult;

    fn key(&self) -> String {
        let data = self.images.as_ref().map_or(DataId::Shapeset, |s| s.data);
        let seeds: Vec<String> = self.seeds.iter().map(u64::to_string).collect();
        let network = self.model.model(self.images.is_some()).key();
        format!("{}-{network}-w{}-seeds{}", data.name(), self.width, seeds.join("_"))
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<SeededResult> {
        let (&first, later) =
            self.seeds.split_first().ok_or_else(|| Error::usage("a seeded job needs a seed"))?;
        let search = search(inputs, &self.run_of(first, 0.0), &self.rates, self.halving, progress)?;
        let mut repeats = vec![];
        for &seed in later {
            repeats.push(train_one(inputs, &self.run_of(seed, search.kept), usize::MAX, progress)?);
        }
        Ok(SeededResult { seeds: self.seeds.clone(), search, repeats })
    }

    /// Every seed at every rate (which rate the later seeds train at is known
    /// only once the search has run).
    fn checkpoint_keys(&self) -> Vec<String> {
        let runs = self.seeds.iter().flat_map(|&seed| self.rates.iter().map(move |&lr| (seed, lr)));
        runs.map(|(seed, lr)| self.run_of(seed, lr).key()).collect()
    }
}

/// How the plan trains one network on one data set and picks its learning rate.
struct Selection<'p> {
    plan: &'p Plan,
    model: ModelId,
    images: Option<ImageSource>,
}

impl Selection<'_> {
    fn search(&self) -> Option<SearchJob> {
        let rates = &self.plan.scale.learning_rates;
        (self.plan.scale.lr_search == LrSearch::Halving && rates.len() > 1).then(|| SearchJob {
            model: self.model,
            images: self.images.clone(),
            rates: rates.clone(),
        })
    }

    fn each(&self) -> Vec<TrainingJob> {
        let rates = &self.plan.scale.learning_rates;
        rates.iter().map(|&lr| TrainingJob { model: self.model, images: self.images.clone(), lr }).collect()
    }

    fn seeded(&self) -> Option<SeededJob> {
        let scale = &self.plan.scale;
        self.plan.seeded().then(|| SeededJob {
            model: self.model,
            images: self.images.clone(),
            width: scale.width,
            seeds: self.plan.seeds.clone(),
            rates: scale.learning_rates.clone(),
            halving: scale.lr_search == LrSearch::Halving,
        })
    }

    fn jobs(&self) -> Vec<Box<dyn AnyJob>> {
        if let Some(seeded) = self.seeded() {
            return vec![boxed(seeded)];
        }
        match self.search() {
            Some(search) => vec![boxed(search)],
            None => self.each().into_iter().map(boxed).collect(),
        }
    }

    /// The selected run: the search's kept rate, or the rate with the lowest
    /// final validation error. In a partial report, runs still in progress
    /// stand in, from their checkpoints.
    fn selected(&self, ctx: &Context<'_>) -> Option<RunResult> {
        let lowest = |runs: Vec<RunResult>| RunResult::lowest_validation(&runs).cloned();
        if let Some(seeded) = self.seeded() {
            if let Some(done) = ctx.parts.load(&seeded) {
                return done.search.selected().cloned();
            }
            let first = seeded.seeds[0];
            let in_progress: Vec<RunResult> = seeded
                .rates
                .iter()
                .filter_map(|&lr| ctx.parts.in_progress(&seeded.run_of(first, lr).key()))
                .collect();
            let furthest = in_progress.iter().map(|r| r.last().updates).max()?;
            return lowest(in_progress.into_iter().filter(|r| r.last().updates == furthest).collect());
        }
        if let Some(search) = self.search() {
            if let Some(done) = ctx.parts.load(&search) {
                return done.selected().cloned();
            }
            let in_progress: Vec<RunResult> =
                search.checkpoint_keys().iter().filter_map(|k| ctx.parts.in_progress(k)).collect();
            let furthest = in_progress.iter().map(|r| r.last().updates).max()?;
            return lowest(in_progress.into_iter().filter(|r| r.last().updates == furthest).collect());
        }
        let runs: Vec<RunResult> = self
            .each()
            .iter()
            .filter_map(|job| {
                ctx.parts.load(job).map(|r| (*r).clone()).or_else(|| ctx.parts.in_progress(&Job::key(job)))
            })
            .collect();
        lowest(runs)
    }
}

/// The Shapeset jobs of `models`: a search each, or one run per learning rate.
pub fn shapeset_jobs(plan: &Plan, models: &[ModelId]) -> Vec<Box<dyn AnyJob>> {
    models
        .iter()
        .filter(|&&m| plan.trains(m))
        .flat_map(|&model| Selection { plan, model, images: None }.jobs())
        .collect()
}

/// The image-data jobs: every image source × the image models.
pub fn image_jobs(plan: &Plan) -> Vec<Box<dyn AnyJob>> {
    plan.images
        .iter()
        .flat_map(|source| {
            IMAGE_MODELS
                .iter()
                .filter(|&&m| plan.trains(m))
                .flat_map(move |&model| Selection { plan, model, images: Some(source.clone()) }.jobs())
        })
        .collect()
}

/// The selected Shapeset run of each of `models` that has one.
pub fn best_shapeset_runs(ctx: &Context<'_>, models: &[ModelId]) -> Vec<RunResult> {
    models
        .iter()
        .filter_map(|&model| Selection { plan: ctx.plan, model, images: None }.selected(ctx))
        .collect()
}

/// The selected runs of every image data set of the plan, by data set name.
pub fn best_image_runs(ctx: &Context<'_>) -> Vec<(String, Vec<RunResult>)> {
    ctx.plan
        .images
        .iter()
        .map(|source| {
            let runs = IMAGE_MODELS
                .iter()
                .filter_map(|&model| {
                    Selection { plan: ctx.plan, model, images: Some(source.clone()) }.selected(ctx)
                })
                .collect();
            (source.data.name().to_string(), runs)
        })
        .filter(|(_, runs): &(String, Vec<RunResult>)| !runs.is_empty())
        .collect()
}

/// The finished seeded runs of `models` on Shapeset (empty unless the plan has several seeds).
pub fn seeded_shapeset_runs(
    ctx: &Context<'_>,
    models: &[ModelId],
) -> Vec<(ModelId, std::sync::Arc<SeededResult>)> {
    models
        .iter()
        .filter_map(|&model| {
            let job = Selection { plan: ctx.plan, model, images: None }.seeded()?;
            ctx.parts.load(&job).map(|result| (model, result))
        })
        .collect()
}

/// The learning-rate searches of the plan that are done, as (data set, model, search).
pub fn searches(ctx: &Context<'_>) -> Vec<(String, ModelId, std::sync::Arc<SearchResult>)> {
    let sources = std::iter::once(None).chain(ctx.plan.images.iter().cloned().map(Some));
    let mut found = vec![];
    for images in sources {
        let models: &[ModelId] = if images.is_some() { &IMAGE_MODELS } else { &SHAPESET_MODELS };
        for &model in models {
            let selection = Selection { plan: ctx.plan, model, images: images.clone() };
            let data = images.as_ref().map_or(DataId::Shapeset, |s| s.data).name().to_string();
            if let Some(result) = selection.search().and_then(|job| ctx.parts.load(&job)) {
                found.push((data.clone(), model, result));
            }
            if let Some(result) = selection.seeded().and_then(|job| ctx.parts.load(&job)) {
                found.push((data, model, std::sync::Arc::new(result.search.clone())));
            }
        }
    }
    found
}

/// The run of `model` among `runs`, if it recorded probes.
pub fn find(runs: &[RunResult], model: ModelId) -> Option<&RunResult> {
    runs.iter().find(|r| r.model.id() == Some(model) && !r.probes.is_empty())
}

/// Updates as the paper's 20k-update epochs.
pub fn epochs(updates: u64) -> f64 {
    updates as f64 / PAPER_EPOCH as f64
}

/// One sentence on a run: its network, length and final error, and whether it trained.
pub fn run_text(run: &RunResult) -> String {
    let last = run.last();
    format!(
        "{}: widths {}, learning rate {}, {} updates of minibatch 10 on the online Shapeset stream ({:.2} epochs of 20k updates); final test error {:.1}%{}.",
        run.model.name,
        run.widths.iter().map(usize::to_string).collect::<Vec<_>>().join("-"),
        run.lr,
        last.updates,
        epochs(last.updates as u64),
        100.0 * last.test_error,
        did_not_train_text(run)
    )
}

/// `" — did not train (…)"` for a run at chance level, else nothing.
pub fn did_not_train_text(run: &RunResult) -> String {
    if !run.did_not_train() {
        return String::new();
    }
    format!(
        " — did not train: no better than always answering the most frequent class ({:.1}%)",
        100.0 * run.chance_error()
    )
}

/// One curve per layer of `value(layer probe)` against epochs, with optional error bars.
pub fn per_layer_lines(
    run: &RunResult,
    label: &str,
    value: impl Fn(&LayerProbe) -> f64,
    error: Option<&dyn Fn(&LayerProbe) -> f64>,
) -> Vec<Line> {
    let depth = run.probes.first().map_or(0, |p| p.layers.len());
    (0..depth)
        .map(|l| {
            let points = run.probes.iter().map(|p| (epochs(p.step), value(&p.layers[l]))).collect();
            let mut line = Line::new(format!("{label}layer {}", l + 1), points);
            line.colour = Some(l);
            line.error = error.map(|e| run.probes.iter().map(|p| e(&p.layers[l])).collect());
            line
        })
        .collect()
}

/// The 98th percentile of |z| of a layer (NaN when not recorded).
pub fn abs_p98(layer: &LayerProbe) -> f64 {
    layer.activation.abs_percentile(98.0).unwrap_or(f64::NAN)
}

/// The p98-and-std chart of Figs. 3 and 10, drawn into the section.
pub fn percentile_chart(s: &mut crate::report::Section, run: &RunResult, dir: &Path, id: &str, title: &str) {
    let mut chart = crate::plot::Chart::new(
        format!("{title}: {}", run.model.name),
        "epochs of 20k updates",
        "98th percentile of |z| (solid), std (dashed)",
    );
    chart.lines = per_layer_lines(run, "p98 ", abs_p98, None);
    let mut stds = per_layer_lines(run, "std ", |l| l.activation.std, None);
    stds.iter_mut().for_each(|line| line.dashed = true);
    chart.lines.extend(stds);
    crate::studies::figure(s, dir, &format!("{id}_{}", run.model.key()), &chart);
}

/// Figs. 3 and 10: the layers' 98th percentiles stay within 0.15 of each other
/// at every probe during training (update 0, fixed by the initialization, is
/// left out: docs/criteria.md, "Revisions"), beside the earlier criterion that
/// counted it.
pub fn band_check(run: &RunResult) -> crate::report::Check {
    let band_of = |from_update: u64| {
        let per_probe: Vec<Vec<f64>> = run
            .probes
            .iter()
            .filter(|p| p.step >= from_update)
            .map(|p| p.layers.iter().map(abs_p98).collect())
            .collect();
        let band = per_probe
            .iter()
            .map(|v| {
                v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                    - v.iter().cloned().fold(f64::INFINITY, f64::min)
            })
            .fold(0.0, f64::max);
        (band, per_probe.concat())
    };
    let check = |from_update: u64, when: &str| {
        let (band, values) = band_of(from_update);
        crate::report::Check::new(
            &format!(
                "{}: the layers' 98th percentiles stay within 0.15 of each other at every probe{when}",
                run.model.name
            ),
            "layers saturate less and together; no layer-by-layer onset",
            format!("largest spread {band:.3}"),
            &values,
            band <= 0.15,
        )
    };
    if run.probes.iter().all(|p| p.step == 0) {
        return crate::report::Check::not_checkable(
            &format!(
                "{}: the layers' 98th percentiles stay within 0.15 of each other during training",
                run.model.name
            ),
            "layers saturate less and together; no layer-by-layer onset",
            "no probe after update 0".into(),
            "the run has no probe during training",
        );
    }
    check(1, " during training").beside_earlier(check(0, ""))
}
