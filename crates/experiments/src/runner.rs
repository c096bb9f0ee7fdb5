//! Running a study into a run folder: list its jobs, compute those whose parts
//! are missing (in parallel), save each part as it finishes, and render the
//! report from the parts. Also resuming (`--resume`), sharding (`--shard i/n`)
//! and merging shards (`merge`).
//!
//! ```text
//! runs/<name>/config.json      the options, the plan, the git revision
//! runs/<name>/parts/<key>.json one per job
//! runs/<name>/report.md, report.html, *.csv, figures (.svg, .png)
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::csv::write_csvs;
use crate::error::{Error, Result};
use crate::job::{
    part_path, read_json, write_json, AnyJob, CheckpointPolicy, ImageSource, Inputs, PartState, Parts,
};
use crate::plan::Plan;
use crate::progress::Monitor;
use crate::report::Report;
use crate::setting::{LrSearch, Scale, Setting};
use crate::studies::Context;
use crate::studies::StudyId;
use crate::training::StepKind;

/// How to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Options {
    /// Scale.
    pub setting: Setting,
    /// Seed of data, initial weights and shuffling.
    pub seed: u64,
    /// Run folder.
    pub out: PathBuf,
    /// Independent jobs run at once (default: all cores).
    #[serde(default)]
    pub jobs: Option<usize>,
    /// Threads a matrix product may use when one job runs at a time (default 1).
    #[serde(default = "one")]
    pub matmul_threads: usize,
    /// Keep finished parts of an earlier run in `out` and compute only the rest.
    pub resume: bool,
    /// Run only part `i` of `n` (1-based) of the job list.
    pub shard: Option<(usize, usize)>,
    /// MNIST folder (the four IDX files).
    pub mnist: Option<PathBuf>,
    /// CIFAR-10 folder (the binary version).
    pub cifar: Option<PathBuf>,
    /// Fashion-MNIST folder (default: Debian's, when installed).
    pub fashion_mnist: Option<PathBuf>,
    /// No progress bars.
    pub quiet: bool,
    /// Overrides the setting's updates per training run (Shapeset and image data).
    pub updates: Option<usize>,
    /// Overrides the setting's hidden width of the trained networks.
    pub width: Option<usize>,
    /// Seconds between two checkpoints of a training run.
    #[serde(default = "five_minutes")]
    pub checkpoint_seconds: f64,
    /// Overrides the setting's grid of learning rates.
    #[serde(default)]
    pub rates: Option<Vec<f64>>,
    /// Trains every network from each of these seeds (the first searches the
    /// learning rate, the others reuse it); `seed` is the first.
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
    /// Trains only these networks (every one the studies name when `None`).
    #[serde(default)]
    pub models: Option<Vec<crate::models::ModelId>>,
    /// Writes TensorBoard event files there, one folder per training run.
    #[serde(default)]
    pub tensorboard: Option<PathBuf>,
}

fn five_minutes() -> f64 {
    300.0
}

fn one() -> usize {
    1
}

impl Options {
    /// Options for `setting` and `seed` writing to `out`, everything else default.
    pub fn new(setting: Setting, seed: u64, out: impl Into<PathBuf>) -> Self {
        Options {
            setting,
            seed,
            out: out.into(),
            jobs: None,
            matmul_threads: 1,
            resume: false,
            shard: None,
            mnist: None,
            cifar: None,
            fashion_mnist: None,
            quiet: true,
            updates: None,
            width: None,
            checkpoint_seconds: five_minutes(),
            rates: None,
            seeds: None,
            models: None,
            tensorboard: None,
        }
    }

    /// The setting's numbers with this run's overrides applied.
    pub fn scale(&self) -> Scale {
        let mut scale = self.setting.scale();
        if let Some(updates) = self.updates {
            scale.updates = updates;
            scale.image_updates = updates;
            scale.eval_every = scale.eval_every.min(updates.div_ceil(10).max(1));
        }
        if let Some(width) = self.width {
            scale.width = width;
        }
        if let Some(rates) = &self.rates {
            scale.learning_rates = rates.clone();
        }
        scale
    }

    /// The plan these options describe.
    pub fn plan(&self) -> Plan {
        Plan {
            scale: self.scale(),
            seed: self.seed,
            seeds: self.seeds.clone().unwrap_or_default(),
            models: self.models.clone(),
            images: Plan::image_sources(self.mnist.clone(), self.cifar.clone(), self.fashion_mnist.clone()),
        }
    }
}

/// The run's configuration, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig {
    /// The study run.
    pub study: StudyId,
    /// The options given.
    pub options: Options,
    /// The numbers of the setting.
    pub scale: Scale,
    /// The image data the run used (absent in folders from before it was recorded).
    #[serde(default)]
    pub images: Option<Vec<ImageSource>>,
    /// `git rev-parse HEAD` where the run started, if available.
    pub git_revision: String,
    /// Jobs run at once.
    #[serde(alias = "threads")]
    pub jobs: usize,
    /// Threads per matrix product.
    #[serde(default = "one")]
    pub matmul_threads: usize,
    /// The kernels every part of the run was computed with, when one plan
    /// (absent in folders from before it was recorded).
    #[serde(default)]
    pub kernels: Option<KernelRecord>,
    /// Other kernel plans that parts of the run were computed with (a resume
    /// or a shard on another CPU or instruction set): the f32 results are then
    /// not the bits one plan would give.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_kernels: Vec<KernelRecord>,
}

/// The kernel plan a run computed with: instruction set and CPU
/// ([`tensor::kernels::plan::KernelPlan`]), as saved in `config.json` and in
/// every checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelRecord {
    /// `avx512`, `avx2` or `portable`.
    pub isa: String,
    /// The CPU's model name.
    pub cpu: String,
    /// The instruction set matrixmultiply was held to, when below the CPU's
    /// best (a build without the feature `matrixmultiply-avx512`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrixmultiply_held_to: Option<String>,
}

impl KernelRecord {
    /// The plan in force in this process.
    pub fn current() -> Self {
        let plan = tensor::kernels::plan::KernelPlan::current();
        let held = plan.matrixmultiply_held().then(|| plan.matrixmultiply.name().to_string());
        KernelRecord { isa: plan.isa.name().into(), cpu: plan.cpu, matrixmultiply_held_to: held }
    }
}

impl std::fmt::Display for KernelRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} kernels on \"{}\"", self.isa, self.cpu)?;
        if let Some(held) = &self.matrixmultiply_held_to {
            write!(f, ", matrixmultiply held to {held}")?;
        }
        Ok(())
    }
}

/// What a resume or merge says when parts of one run come from another kernel plan.
fn other_plan_warning(what: &str, before: &KernelRecord, now: &KernelRecord) -> String {
    format!(
        "{what} was computed with {before}, this process runs {now}: f32 results differ in their last bits between kernel plans, so training continued here will not be bit for bit what one plan gives (set GRADLAB_ISA={} on a CPU that has it to match)",
        before.isa
    )
}

impl RunConfig {
    /// The plan the run was made from.
    pub fn plan(&self) -> Plan {
        let mut plan = self.options.plan();
        plan.scale = self.scale.clone();
        if let Some(images) = &self.images {
            plan.images = images.clone();
        }
        plan
    }
}

fn git_revision() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The jobs of `study` for `plan`, each key once, in the study's order.
pub fn jobs_of(study: StudyId, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
    let mut seen = BTreeSet::new();
    study.study().jobs(plan).into_iter().filter(|job| seen.insert(job.key())).collect()
}

/// The jobs of shard `i` of `n` (1-based): every n-th job, starting at the i-th.
fn shard(jobs: Vec<Box<dyn AnyJob>>, shard: Option<(usize, usize)>) -> Result<Vec<Box<dyn AnyJob>>> {
    let Some((i, n)) = shard else { return Ok(jobs) };
    if i == 0 || i > n {
        return Err(Error::usage(format!("--shard {i}/{n}: i must be between 1 and n")));
    }
    Ok(jobs.into_iter().enumerate().filter(|(k, _)| k % n == i - 1).map(|(_, j)| j).collect())
}

/// The jobs whose parts are not saved yet; unreadable parts are reported
/// through `monitor` and computed again.
fn pending(jobs: Vec<Box<dyn AnyJob>>, parts_dir: &Path, monitor: &dyn Monitor) -> Vec<Box<dyn AnyJob>> {
    jobs.into_iter()
        .filter(|job| match job.state(parts_dir) {
            PartState::Done => false,
            PartState::Missing => true,
            PartState::Unreadable(why) => {
                monitor.warn(&format!("{why}; computing part {} again", job.key()));
                true
            }
        })
        .collect()
}

/// Refuses to overwrite a run folder that holds parts, unless resuming.
fn check_folder(options: &Options, parts_dir: &Path) -> Result<()> {
    let holds = |dir: &Path| fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false);
    if (holds(parts_dir) || holds(&options.out.join("checkpoints"))) && !options.resume {
        return Err(Error::usage(format!(
            "{} already holds a run: pass --resume to continue it, or choose another --out",
            options.out.display()
        )));
    }
    fs::create_dir_all(parts_dir).map_err(|e| Error::io(parts_dir, e))
}

/// On `--resume`, the kernel plans the run's earlier parts and checkpoints
/// were computed with that differ from `now`, each warned about once through
/// `monitor`.
fn other_kernels_on_resume(
    options: &Options,
    now: &KernelRecord,
    monitor: &dyn Monitor,
) -> Vec<KernelRecord> {
    let path = options.out.join("config.json");
    if !options.resume || !path.exists() {
        return vec![];
    }
    let Ok(before) = read_json::<RunConfig>(&path) else { return vec![] };
    let mut others: Vec<KernelRecord> = before.other_kernels.clone();
    others.extend(before.kernels.clone());
    for checkpoint in crate::training::checkpoint_kernels(&options.out.join("checkpoints")) {
        others.push(checkpoint);
    }
    others.retain(|k| k != now);
    others.sort_by(|a, b| (&a.isa, &a.cpu).cmp(&(&b.isa, &b.cpu)));
    others.dedup();
    for other in &others {
        monitor.warn(&other_plan_warning(&format!("part of {}", options.out.display()), other, now));
    }
    others
}

/// On `--resume`, refuses a plan whose image data differ from the run's (say,
/// Fashion-MNIST was installed then and is not now): the resumed run would
/// quietly leave those studies out.
fn check_same_data(options: &Options, plan: &Plan) -> Result<()> {
    let path = options.out.join("config.json");
    if !options.resume || !path.exists() {
        return Ok(());
    }
    let before: RunConfig = read_json(&path)?;
    match before.images {
        Some(images) if images != plan.images => Err(Error::usage(format!(
            "{}: the run used the image data {:?}, this resume finds {:?}; give the same folders (--mnist, --cifar, --fashion-mnist) or install Debian's dataset-fashion-mnist",
            path.display(),
            images,
            plan.images
        ))),
        _ => Ok(()),
    }
}

/// Runs `study`: computes the parts it needs that are not in `options.out` yet
/// (all of them unless resuming), then writes the report and returns it.
///
/// Several jobs at once (`options.jobs`, default all cores) keep every matrix
/// product on one thread, so the cores are not oversubscribed; one job at a
/// time may split its products over `options.matmul_threads`.
pub fn run(study: StudyId, options: &Options, monitor: &dyn Monitor) -> Result<Report> {
    let plan = options.plan();
    let parts_dir = options.out.join("parts");
    let selected = shard(jobs_of(study, &plan), options.shard)?;
    check_folder(options, &parts_dir)?;
    check_same_data(options, &plan)?;
    let todo = pending(selected, &parts_dir, monitor);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = options.jobs.unwrap_or(cores).clamp(1, todo.len().max(1));
    let matmul_threads = if jobs > 1 { 1 } else { options.matmul_threads.max(1) };
    if jobs > 1 && options.matmul_threads > 1 {
        monitor.warn(&format!(
            "{jobs} jobs run at once, so each keeps its matrix products on one thread (--matmul-threads {} applies with --jobs 1)",
            options.matmul_threads
        ));
    }
    let now = KernelRecord::current();
    let other_kernels = other_kernels_on_resume(options, &now, monitor);
    let config = RunConfig {
        study,
        options: options.clone(),
        scale: plan.scale.clone(),
        images: Some(plan.images.clone()),
        git_revision: git_revision(),
        jobs,
        matmul_threads,
        kernels: Some(now),
        other_kernels,
    };
    write_json(&options.out.join("config.json"), &config)?;

    let _matmul = tensor::set_threads(matmul_threads);
    let mut inputs = Inputs::new(plan.scale.clone(), plan.seed);
    inputs.checkpoints = Some(CheckpointPolicy {
        root: options.out.join("checkpoints"),
        every: Duration::from_secs_f64(options.checkpoint_seconds.max(0.0)),
    });
    inputs.tensorboard = options.tensorboard.clone();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::usage(format!("cannot start {jobs} worker threads: {e}")))?;
    let started = Instant::now();
    let progress: Vec<_> = todo.iter().map(|job| monitor.job(&job.key())).collect();
    // Jobs start in the study's order (a queue, not rayon's split of the list),
    // so a study can put first what should finish first.
    let results: Vec<Result<()>> = pool.install(|| {
        todo.iter()
            .zip(&progress)
            .par_bridge()
            .map(|(job, p)| job.run_and_save(&inputs, &parts_dir, p.as_ref()))
            .collect()
    });
    drop(progress);
    if !options.quiet {
        eprintln!("{} job(s) done in {:.0} s", todo.len(), started.elapsed().as_secs_f64());
    }
    if results.iter().any(|r| matches!(r, Err(Error::Interrupted))) {
        return Err(Error::Interrupted);
    }
    results.into_iter().collect::<Result<Vec<()>>>()?;
    render(&options.out)
}

/// Renders the report of a run that may still be in progress: a training run
/// whose part is missing shows its curves up to its last checkpoint, and the
/// report says it is partial.
pub fn report_in_progress(dir: &Path) -> Result<Report> {
    render_with(dir, Parts::with_runs_in_progress(dir))
}

/// Writes `report.md`, `report.html` and the CSV files of the run in `dir`,
/// from its configuration and parts.
pub fn render(dir: &Path) -> Result<Report> {
    render_with(dir, Parts::new(dir))
}

fn render_with(dir: &Path, parts: Parts) -> Result<Report> {
    let config: RunConfig = read_json(&dir.join("config.json"))?;
    let plan = config.plan();
    let study = config.study.study();
    let sections = study.sections(&Context { plan: &plan, parts: &parts, dir });
    write_csvs(dir, &parts)?;
    let mut preamble = preamble(&config);
    for problem in parts.problems() {
        preamble.push(format!("Unreadable part, left out of this report: {problem}."));
    }
    let mut title = study.report_title().to_string();
    if parts.is_partial() {
        title.push_str(" (partial)");
        preamble.insert(
            0,
            "Partial report of a run in progress: training runs that have not finished show their curves and probes up to their last checkpoint, and their verdicts may change.".into(),
        );
    }
    let report = Report { title, preamble, sections };
    let md = dir.join("report.md");
    fs::write(&md, report.to_markdown()).map_err(|e| Error::io(&md, e))?;
    let html = dir.join("report.html");
    fs::write(&html, report.to_html(dir)).map_err(|e| Error::io(&html, e))?;
    Ok(report)
}

fn preamble(config: &RunConfig) -> Vec<String> {
    let s = &config.scale;
    let o = &config.options;
    let overridden =
        if o.updates.is_some() || o.width.is_some() || o.rates.is_some() { " (with overrides)" } else { "" };
    let seeds = match &o.seeds {
        Some(seeds) if seeds.len() > 1 => format!(
            "seeds {seeds:?} (the first makes the validation and test sets and searches each network's learning rate; the others train at the rate it kept)"
        ),
        _ => format!("seed {}", o.seed),
    };
    let models = o.models.as_ref().map_or(String::new(), |m| {
        let names: Vec<&str> = m.iter().map(|id| id.name(false)).collect();
        format!(", networks {} only", names.join(", "))
    });
    let mut lines = vec![format!(
        "Setting `{}`{overridden}, {seeds}{models}, {} worker thread(s), git revision {}.",
        s.setting.name(),
        config.jobs,
        config.git_revision
    )];
    if let Some(kernels) = &config.kernels {
        lines.push(format!("Computed with {kernels}."));
    }
    if !config.other_kernels.is_empty() {
        let others: Vec<String> = config.other_kernels.iter().map(ToString::to_string).collect();
        lines.push(format!(
            "Parts of this run were computed with other kernel plans too ({}): its f32 numbers are not the bits one plan would give, and a rerun on one plan may differ in the last digits of its measurements.",
            others.join("; ")
        ));
    }
    let rates = if s.learning_rates.len() > 1 && s.lr_search == LrSearch::Halving {
        format!(
            "learning rate chosen per model on validation among {:?} by successive halving (the paper: its grid, each rate for 5M updates)",
            s.learning_rates
        )
    } else if s.learning_rates.len() > 1 {
        format!(
            "learning rate chosen per model on validation among {:?}, each trained to the end",
            s.learning_rates
        )
    } else {
        format!(
            "learning rate {} for every model (the paper picks it per model on validation after 5M updates)",
            s.learning_rates[0]
        )
    };
    if s.setting != Setting::Full || !overridden.is_empty() {
        lines.push(format!(
            "Scaled down from the paper: hidden width {} (paper 1000; initialization studies use {}), {} updates per Shapeset run (paper 5,000,000), {} per image-data run, {rates}, validation {} and test {} Shapeset images. Everything else is as the paper: minibatch {}, zero biases, plain SGD{}, softmax cross-entropy, statistics on {} fixed test examples.",
            s.width,
            s.init_width,
            s.updates,
            s.image_updates,
            s.validation_size,
            s.test_size,
            s.batch,
            if s.step == StepKind::Fused { " (each layer updated during backward: the fused step)" } else { "" },
            s.probe_examples
        ));
    } else {
        lines.push(format!("The paper's scale: {rates}."));
    }
    lines.push("Shapeset-3x2 is gradlab's re-implementation of Glorot's generator (statistically, not pixel-, identical).".into());
    lines.push(format!("Every criterion, the number it compares against, where in the paper it comes from and why its threshold is what it is: {CRITERIA_URL}."));
    lines
}

/// Where the criteria are explained: in the repository, beside this code.
const CRITERIA_URL: &str = "docs/criteria.md in the gradlab repository";

/// Combines the parts of several run folders (e.g. the shards of a full sweep)
/// into `out` and renders the report. The folders must share setting and seed.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Report> {
    let first = inputs.first().ok_or_else(|| Error::usage("merge needs at least one run folder"))?;
    let config: RunConfig = read_json(&first.join("config.json"))?;
    let parts_dir = out.join("parts");
    fs::create_dir_all(&parts_dir).map_err(|e| Error::io(&parts_dir, e))?;
    let mut other_kernels = config.other_kernels.clone();
    for input in inputs {
        let other: RunConfig = read_json(&input.join("config.json"))?;
        other_kernels.extend(other.other_kernels.iter().cloned());
        if other.kernels != config.kernels {
            other_kernels.extend(other.kernels.clone());
        }
        if other.scale != config.scale || other.options.seed != config.options.seed {
            return Err(Error::usage(format!(
                "{} was run with another setting or seed than {}",
                input.display(),
                first.display()
            )));
        }
        let from = input.join("parts");
        for entry in fs::read_dir(&from).map_err(|e| Error::io(&from, e))? {
            let path = entry.map_err(|e| Error::io(&from, e))?.path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
            if path.extension().is_some_and(|x| x == "json") {
                let to = part_path(&parts_dir, stem);
                fs::copy(&path, &to).map_err(|e| Error::io(&path, e))?;
            }
        }
    }
    other_kernels.retain(|k| Some(k) != config.kernels.as_ref());
    other_kernels.sort_by(|a, b| (&a.isa, &a.cpu).cmp(&(&b.isa, &b.cpu)));
    other_kernels.dedup();
    let merged = RunConfig {
        options: Options { out: out.to_path_buf(), shard: None, ..config.options.clone() },
        other_kernels,
        ..config
    };
    write_json(&out.join("config.json"), &merged)?;
    render(out)
}
