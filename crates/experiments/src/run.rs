//! Running studies: which jobs a study needs, running the missing ones in
//! parallel with progress bars, saving each as a "part" (so an interrupted run
//! resumes and a sharded sweep merges), and rendering the report from the parts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::idx::load_mnist;
use crate::data::shapeset::{streams, Shapeset};
use crate::data::{cifar::load_cifar10, Dataset, Minibatches};
use crate::models::{image_models, shapeset_models, Model};
use crate::report::{Report, Section};
use crate::setting::{Scale, Setting};
use crate::studies::{cs231n, dynamics, errors, init, nielsen, surface};
use crate::training::{train, RunResult, TrainSpec};

/// Where Debian's `dataset-fashion-mnist` puts its files.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// A study the CLI can run; `Reproduce` runs them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Study {
    /// Sigmoid saturation (depth 4 and 5).
    Fig2,
    /// Tanh vs softsign saturation during training.
    Fig3,
    /// End-of-training activation histograms.
    Fig4,
    /// Cross-entropy vs quadratic cost surface.
    Fig5,
    /// Activations at initialization.
    Fig6,
    /// Back-propagated gradients at initialization.
    Fig7,
    /// Weight gradients at initialization.
    Fig8,
    /// Weight-gradient spread during training.
    Fig9,
    /// Tanh with normalized init during training.
    Fig10,
    /// Shapeset error curves.
    Fig11,
    /// Image-data error curves.
    Fig12,
    /// Final errors beside the paper's Table 1.
    Table1,
    /// Jacobian singular values (eq. 17).
    Jacobian,
    /// Everything above.
    Reproduce,
    /// Nielsen ch. 5: the vanishing gradient in sigmoid networks.
    Nielsen,
    /// The cs231n weight-initialization demo.
    InitDemo,
}

/// How to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Options {
    /// Scale.
    pub setting: Setting,
    /// Seed of data, initial weights and shuffling.
    pub seed: u64,
    /// Run folder.
    pub out: PathBuf,
    /// Worker threads for independent jobs (default: all cores).
    pub threads: Option<usize>,
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
}

impl Options {
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
        scale
    }
}

/// A unit of work whose result is saved as one part file.
#[derive(Debug, Clone, PartialEq)]
enum Job {
    Init,
    Surface,
    Shapeset { model: Model, lr: f64 },
    Images { data: String, folder: PathBuf, model: Model, lr: f64 },
    NielsenAccuracy { data: String, folder: PathBuf, hidden: usize },
    NielsenGradients { data: String, folder: PathBuf },
    InitDemo,
}

impl Job {
    fn key(&self) -> String {
        match self {
            Job::Init => "init".into(),
            Job::Surface => "surface".into(),
            Job::Shapeset { model, lr } => format!("shapeset-{}-lr{lr}", model.key()),
            Job::Images { data, model, lr, .. } => {
                format!("{}-{}-lr{lr}", data.replace(' ', "_"), model.key())
            }
            Job::NielsenAccuracy { hidden, .. } => format!("nielsen-accuracy-{hidden}"),
            Job::NielsenGradients { .. } => "nielsen-gradients".into(),
            Job::InitDemo => "init-demo".into(),
        }
    }
}

fn uses_shapeset_runs(study: Study) -> bool {
    use Study::*;
    matches!(study, Fig2 | Fig3 | Fig4 | Fig9 | Fig10 | Fig11 | Table1 | Reproduce)
}

fn shapeset_models_for(study: Study) -> Vec<Model> {
    let wanted: &[&str] = match study {
        Study::Fig2 => &["Sigmoid depth 4", "Sigmoid depth 5"],
        Study::Fig3 | Study::Fig4 => &["Tanh", "Softsign"],
        Study::Fig9 => &["Tanh", "Tanh N"],
        Study::Fig10 => &["Tanh N"],
        _ => &[],
    };
    shapeset_models().into_iter().filter(|m| wanted.is_empty() || wanted.contains(&m.name.as_str())).collect()
}

/// The image data sets at hand: given folders, else Debian's Fashion-MNIST if installed.
fn image_sources(options: &Options) -> Vec<(String, PathBuf)> {
    let mut sources = vec![];
    if let Some(dir) = &options.mnist {
        sources.push(("mnist".to_string(), dir.clone()));
    }
    if let Some(dir) = &options.cifar {
        sources.push(("cifar-10".to_string(), dir.clone()));
    }
    let fashion = options.fashion_mnist.clone().or_else(|| {
        let default = PathBuf::from(FASHION_MNIST_DIR);
        (options.mnist.is_none() && default.join("train-images-idx3-ubyte.gz").exists()).then_some(default)
    });
    if let Some(dir) = fashion {
        sources.push(("fashion-mnist".to_string(), dir));
    }
    sources
}

fn jobs(study: Study, scale: &Scale, options: &Options) -> Vec<Job> {
    use Study::*;
    let mut jobs = vec![];
    if matches!(study, Fig6 | Fig7 | Fig8 | Jacobian | Reproduce) {
        jobs.push(Job::Init);
    }
    if matches!(study, Fig5 | Reproduce) {
        jobs.push(Job::Surface);
    }
    if uses_shapeset_runs(study) {
        for model in shapeset_models_for(study) {
            for &lr in &scale.learning_rates {
                jobs.push(Job::Shapeset { model: model.clone(), lr });
            }
        }
    }
    if study == Nielsen {
        if let Some((data, folder)) = image_sources(options).into_iter().find(|(d, _)| d != "cifar-10") {
            for hidden in 1..=4 {
                jobs.push(Job::NielsenAccuracy { data: data.clone(), folder: folder.clone(), hidden });
            }
            jobs.push(Job::NielsenGradients { data, folder });
        }
    }
    if study == InitDemo {
        jobs.push(Job::InitDemo);
    }
    if matches!(study, Fig12 | Table1 | Reproduce) {
        for (data, folder) in image_sources(options) {
            for model in image_models() {
                for &lr in &scale.learning_rates {
                    jobs.push(Job::Images {
                        data: data.clone(),
                        folder: folder.clone(),
                        model: model.clone(),
                        lr,
                    });
                }
            }
        }
    }
    jobs
}

/// The run's configuration, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig {
    /// The study run.
    pub study: Study,
    /// The options given.
    pub options: Options,
    /// The numbers of the setting.
    pub scale: Scale,
    /// `git rev-parse HEAD` where the run started, if available.
    pub git_revision: String,
    /// Worker threads used.
    pub threads: usize,
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

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let text = serde_json::to_string(value).map_err(|e| format!("{}: {e}", path.display()))?;
    let temporary = path.with_extension("json.tmp");
    fs::write(&temporary, text)
        .and_then(|_| fs::rename(&temporary, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// An image data set's training, validation and test sets, shared between jobs.
#[derive(Debug)]
struct ImageSets {
    train: Dataset,
    validation: Dataset,
    test: Dataset,
}

/// Shared, read-only inputs of the jobs.
struct Inputs {
    scale: Scale,
    seed: u64,
    validation: Dataset,
    test: Dataset,
    images: Mutex<BTreeMap<String, Arc<ImageSets>>>,
}

impl Inputs {
    /// Train, validation and test sets of an image data set, loaded once.
    fn image_data(&self, data: &str, folder: &Path) -> Result<Arc<ImageSets>, String> {
        let mut cache = self.images.lock().expect("no job panics while holding the cache");
        if let Some(sets) = cache.get(data) {
            return Ok(sets.clone());
        }
        let (train, test) = if data == "cifar-10" {
            let c = load_cifar10(folder).map_err(|e| e.to_string())?;
            (c.train, c.test)
        } else {
            let m = load_mnist(folder, data).map_err(|e| e.to_string())?;
            (m.train, m.test)
        };
        // The paper's and Nielsen's validation split: the last 10,000 training examples.
        let (mut train, validation) =
            train.split_last(10_000, &format!("{data} train"), &format!("{data} validation"));
        if let Some(limit) = self.scale.image_train_limit {
            train = train.take(limit);
        }
        let sets = Arc::new(ImageSets { train, validation, test });
        cache.insert(data.to_string(), sets.clone());
        Ok(sets)
    }
}

fn run_job(job: &Job, inputs: &Inputs, progress: &ProgressBar) -> Result<serde_json::Value, String> {
    let scale = &inputs.scale;
    let to_value = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| e.to_string());
    match job {
        Job::Init => {
            progress.set_message("probing tanh networks at initialization");
            let study = init::run(scale, inputs.seed);
            progress.finish();
            to_value(serde_json::to_value(study))
        }
        Job::Surface => {
            progress.set_message("cost surfaces over two weights");
            let result = surface::run(inputs.seed);
            progress.finish();
            to_value(serde_json::to_value(result))
        }
        Job::Shapeset { model, lr } => {
            let mut stream = Shapeset::new(inputs.seed, streams::TRAIN);
            let probe = inputs.test.head(scale.probe_examples);
            let spec = spec(model, *lr, scale, scale.updates, inputs.seed, true);
            let result = train(&spec, &mut stream, &inputs.validation, &inputs.test, &probe, progress);
            to_value(serde_json::to_value(result))
        }
        Job::Images { data, folder, model, lr } => {
            let sets = inputs.image_data(data, folder)?;
            let (train_set, validation, test) = (&sets.train, &sets.validation, &sets.test);
            let mut batches = Minibatches::endless(train_set, inputs.seed);
            let probe = test.head(scale.probe_examples);
            let spec = spec(model, *lr, scale, scale.image_updates, inputs.seed, false);
            let result = train(&spec, &mut batches, validation, test, &probe, progress);
            to_value(serde_json::to_value(result))
        }
        Job::NielsenAccuracy { data, folder, hidden } => {
            let sets = inputs.image_data(data, folder)?;
            let result = nielsen::accuracy(
                *hidden,
                &sets.train,
                &sets.validation,
                scale.nielsen_epochs,
                inputs.seed,
                progress,
            );
            to_value(serde_json::to_value(NielsenPart {
                data: data.clone(),
                accuracy: Some(result),
                gradients: None,
            }))
        }
        Job::NielsenGradients { data, folder } => {
            let sets = inputs.image_data(data, folder)?;
            let result = nielsen::gradients(&sets.train, scale.nielsen_speed_epochs, inputs.seed, progress);
            to_value(serde_json::to_value(NielsenPart {
                data: data.clone(),
                accuracy: None,
                gradients: Some(result),
            }))
        }
        Job::InitDemo => {
            progress.set_message("forward passes of the cs231n demo");
            let demo = cs231n::run(inputs.seed, scale.init_demo_wide);
            progress.finish();
            to_value(serde_json::to_value(demo))
        }
    }
}

fn spec<'a>(
    model: &'a Model,
    lr: f64,
    scale: &Scale,
    updates: usize,
    seed: u64,
    probes: bool,
) -> TrainSpec<'a> {
    TrainSpec {
        model,
        width: scale.width,
        lr,
        batch: scale.batch,
        updates,
        eval_every: scale.eval_every.min(updates.max(1)),
        seed,
        probes,
    }
}

fn progress_bars(jobs: &[Job], quiet: bool) -> (MultiProgress, Vec<ProgressBar>) {
    let multi = MultiProgress::with_draw_target(if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    });
    let style = ProgressStyle::with_template("{prefix:>34} [{bar:28}] {pos:>8}/{len:8} eta {eta:>4} {msg}")
        .expect("valid template")
        .progress_chars("=> ");
    let bars = jobs
        .iter()
        .map(|job| {
            let bar = multi.add(ProgressBar::new(1).with_style(style.clone()).with_prefix(job.key()));
            bar.set_message("waiting");
            bar
        })
        .collect();
    (multi, bars)
}

/// Runs `study`: computes the parts it needs that are not in `options.out` yet
/// (all of them unless resuming), then writes the report. Returns the report.
pub fn run(study: Study, options: &Options) -> Result<Report, String> {
    let scale = options.scale();
    let parts_dir = options.out.join("parts");
    if parts_dir.exists()
        && !options.resume
        && fs::read_dir(&parts_dir).map(|mut d| d.next().is_some()).unwrap_or(false)
    {
        return Err(format!(
            "{} already holds a run: pass --resume to continue it, or choose another --out",
            options.out.display()
        ));
    }
    fs::create_dir_all(&parts_dir).map_err(|e| format!("{}: {e}", parts_dir.display()))?;
    let threads =
        options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let config = RunConfig {
        study,
        options: options.clone(),
        scale: scale.clone(),
        git_revision: git_revision(),
        threads,
    };
    write_json(&options.out.join("config.json"), &config)?;

    let mut all = jobs(study, &scale, options);
    if let Some((i, n)) = options.shard {
        if i == 0 || i > n {
            return Err(format!("--shard {i}/{n}: i must be between 1 and n"));
        }
        all = all.into_iter().enumerate().filter(|(k, _)| k % n == i - 1).map(|(_, j)| j).collect();
    }
    let pending: Vec<Job> =
        all.into_iter().filter(|j| !parts_dir.join(format!("{}.json", j.key())).exists()).collect();
    let inputs = Inputs {
        validation: Shapeset::dataset(
            scale.validation_size,
            options.seed,
            streams::VALIDATION,
            "shapeset validation",
        ),
        test: Shapeset::dataset(scale.test_size, options.seed, streams::TEST, "shapeset test"),
        scale: scale.clone(),
        seed: options.seed,
        images: Mutex::new(BTreeMap::new()),
    };
    let (_multi, bars) = progress_bars(&pending, options.quiet);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let results: Vec<Result<(), String>> = pool.install(|| {
        pending
            .par_iter()
            .zip(bars.par_iter())
            .map(|(job, bar)| {
                bar.set_message("running");
                let value = run_job(job, &inputs, bar)?;
                write_json(&parts_dir.join(format!("{}.json", job.key())), &value)
            })
            .collect()
    });
    if !options.quiet {
        eprintln!("{} job(s) done in {:.0} s", pending.len(), started.elapsed().as_secs_f64());
    }
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    render(&options.out, study)
}

/// A Nielsen job's result, with the data set it used.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NielsenPart {
    data: String,
    accuracy: Option<nielsen::Accuracy>,
    gradients: Option<nielsen::Gradients>,
}

/// Everything the parts in `dir` hold.
#[derive(Default)]
struct Parts {
    init: Option<init::InitStudy>,
    nielsen: Vec<NielsenPart>,
    init_demo: Option<cs231n::InitDemo>,
    surface: Option<surface::Surface>,
    shapeset: Vec<RunResult>,
    images: BTreeMap<String, Vec<RunResult>>,
}

fn load_parts(dir: &Path) -> Result<Parts, String> {
    let mut parts = Parts::default();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir.join("parts"))
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        match stem.as_str() {
            "init" => parts.init = Some(read_json(&path)?),
            "surface" => parts.surface = Some(read_json(&path)?),
            "init-demo" => parts.init_demo = Some(read_json(&path)?),
            s if s.starts_with("nielsen-") => parts.nielsen.push(read_json(&path)?),
            s if s.starts_with("shapeset-") => parts.shapeset.push(read_json(&path)?),
            _ => {
                let run: RunResult = read_json(&path)?;
                let data = run.data.trim_end_matches(" test").to_string();
                parts.images.entry(data).or_default().push(run);
            }
        }
    }
    Ok(parts)
}

/// For each model, the run whose final validation error is lowest (the paper's
/// learning-rate selection), in the model order given.
fn select_best(runs: &[RunResult], order: &[Model]) -> Vec<RunResult> {
    order
        .iter()
        .filter_map(|m| {
            runs.iter()
                .filter(|r| r.model.name == m.name)
                .min_by(|a, b| a.last().validation_error.total_cmp(&b.last().validation_error))
                .cloned()
        })
        .collect()
}

fn wants(study: Study, id: &str) -> bool {
    study == Study::Reproduce || format!("{study:?}").to_lowercase() == id
}

/// The report's title for a study.
fn title(study: Study) -> &'static str {
    match study {
        Study::Nielsen => "Nielsen, Neural Networks and Deep Learning, ch. 5 — reproduced with gradlab",
        Study::InitDemo => "The cs231n weight-initialization demo — reproduced with gradlab",
        _ => "Glorot & Bengio (2010), reproduced with gradlab",
    }
}

/// Writes `report.md`, `report.html` and the CSV files of the run in `dir`.
pub fn render(dir: &Path, study: Study) -> Result<Report, String> {
    let config: RunConfig = read_json(&dir.join("config.json"))?;
    let parts = load_parts(dir)?;
    let shapeset = select_best(&parts.shapeset, &shapeset_models());
    let images: Vec<(String, Vec<RunResult>)> =
        parts.images.iter().map(|(data, runs)| (data.clone(), select_best(runs, &image_models()))).collect();
    write_csvs(dir, &parts, &shapeset)?;

    let mut sections: Vec<Section> = vec![];
    let mut add = |id: &str, make: &dyn Fn() -> Section| {
        if wants(study, id) {
            sections.push(make());
        }
    };
    let init_missing = || Section {
        id: "init".into(),
        title: "Initialization studies".into(),
        text: vec!["Not computed in this run folder.".into()],
        ..Section::default()
    };
    add("fig2", &|| dynamics::fig2(&shapeset, dir));
    add("fig3", &|| dynamics::fig3(&shapeset, dir));
    add("fig4", &|| dynamics::fig4(&shapeset, dir));
    add("fig5", &|| parts.surface.as_ref().map_or_else(init_missing, |s| surface::fig5(s, dir)));
    add("fig6", &|| parts.init.as_ref().map_or_else(init_missing, |s| init::fig6(s, dir)));
    add("fig7", &|| parts.init.as_ref().map_or_else(init_missing, |s| init::fig7(s, dir)));
    add("fig8", &|| parts.init.as_ref().map_or_else(init_missing, |s| init::fig8(s, dir)));
    add("fig9", &|| dynamics::fig9(&shapeset, dir));
    add("fig10", &|| dynamics::fig10(&shapeset, dir));
    add("fig11", &|| errors::fig11(&shapeset, dir));
    add("fig12", &|| errors::fig12(&images, dir));
    add("table1", &|| errors::table1(&shapeset, &images));
    add("jacobian", &|| parts.init.as_ref().map_or_else(init_missing, init::jacobian));
    if study == Study::Nielsen {
        sections.push(nielsen_section(&parts.nielsen, dir));
    }
    if study == Study::InitDemo {
        sections.push(parts.init_demo.as_ref().map_or_else(init_missing, |d| cs231n::section(d, dir)));
    }

    let report = Report { title: title(study).into(), preamble: preamble(&config), sections };
    fs::write(dir.join("report.md"), report.to_markdown()).map_err(|e| format!("{}: {e}", dir.display()))?;
    fs::write(dir.join("report.html"), report.to_html(dir)).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(report)
}

fn nielsen_section(parts: &[NielsenPart], dir: &Path) -> Section {
    let Some(data) = parts.first().map(|p| p.data.clone()) else {
        return Section {
            id: "nielsen".into(),
            title: "Nielsen ch. 5".into(),
            text: vec!["No MNIST-format data was at hand: pass --mnist DIR, or install Debian's dataset-fashion-mnist.".into()],
            ..Section::default()
        };
    };
    let mut accuracies: Vec<nielsen::Accuracy> = parts.iter().filter_map(|p| p.accuracy.clone()).collect();
    accuracies.sort_by_key(|a| a.hidden);
    let gradients = parts.iter().find_map(|p| p.gradients.as_ref());
    nielsen::section(&data, &accuracies, gradients, dir)
}

fn preamble(config: &RunConfig) -> Vec<String> {
    let s = &config.scale;
    let overridden = if config.options.updates.is_some() || config.options.width.is_some() {
        " (with overrides)"
    } else {
        ""
    };
    let mut lines = vec![format!(
        "Setting `{}`{overridden}, seed {}, {} worker thread(s), git revision {}.",
        s.setting.name(),
        config.options.seed,
        config.threads,
        config.git_revision
    )];
    if s.setting != Setting::Full || !overridden.is_empty() {
        lines.push(format!(
            "Scaled down from the paper: hidden width {} (paper 1000; initialization studies use {}), {} updates per Shapeset run (paper 5,000,000), {} per image-data run, learning rate{} {:?} (the paper picks it per model on validation after 5M updates), validation {} and test {} Shapeset images. Everything else is as the paper: minibatch {}, zero biases, plain SGD, softmax cross-entropy, statistics on {} fixed test examples.",
            s.width,
            s.init_width,
            s.updates,
            s.image_updates,
            if s.learning_rates.len() > 1 { "s" } else { "" },
            s.learning_rates,
            s.validation_size,
            s.test_size,
            s.batch,
            s.probe_examples
        ));
    }
    lines.push("Shapeset-3x2 is gradlab's re-implementation of Glorot's generator (statistically, not pixel-, identical).".into());
    lines
}

fn write_csv(path: &Path, header: &str, rows: Vec<String>) -> Result<(), String> {
    let text = std::iter::once(header.to_string()).chain(rows).collect::<Vec<_>>().join("\n") + "\n";
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_csvs(dir: &Path, parts: &Parts, shapeset: &[RunResult]) -> Result<(), String> {
    let all_runs = parts.shapeset.iter().chain(parts.images.values().flatten());
    let curves = all_runs
        .flat_map(|r| {
            r.curve.iter().map(move |c| {
                let loss = c.train_loss.map_or(String::new(), |l| l.to_string());
                format!(
                    "{},{},{},{},{},{},{loss}",
                    r.data, r.model.name, r.lr, c.updates, c.test_error, c.validation_error
                )
            })
        })
        .collect();
    write_csv(
        &dir.join("curves.csv"),
        "data,model,lr,updates,test_error,validation_error,train_loss",
        curves,
    )?;
    let probes = shapeset
        .iter()
        .flat_map(|r| {
            r.probes.iter().flat_map(move |p| {
                p.layers.iter().map(move |l| {
                    format!(
                        "{},{},{},{},{},{},{},{},{},{}",
                        r.model.name,
                        p.step,
                        l.layer,
                        l.activation.mean,
                        l.activation.std,
                        l.activation.percentile(98.0).unwrap_or(f64::NAN),
                        l.activation.abs_percentile(98.0).unwrap_or(f64::NAN),
                        l.grad_pre_activation.std,
                        l.grad_weight.std,
                        l.saturation.first().map_or(f64::NAN, |s| s.1)
                    )
                })
            })
        })
        .collect();
    write_csv(
        &dir.join("probes.csv"),
        "model,updates,layer,activation_mean,activation_std,activation_p98,activation_abs_p98,grad_s_std,grad_w_std,saturated_0.9",
        probes,
    )?;
    if let Some(init) = &parts.init {
        let rows = [("standard", &init.standard), ("normalized", &init.normalized)]
            .iter()
            .flat_map(|(name, r)| {
                r.layers.iter().map(move |l| {
                    format!(
                        "{name},{},{},{},{}",
                        l.layer, l.activation.std, l.grad_pre_activation.std, l.grad_weight.std
                    )
                })
            })
            .collect();
        write_csv(&dir.join("init_stats.csv"), "init,layer,activation_std,grad_s_std,grad_w_std", rows)?;
    }
    Ok(())
}

/// Combines the parts of several run folders (e.g. the shards of a full sweep)
/// into `out` and renders the full report.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Report, String> {
    let first = inputs.first().ok_or("merge needs at least one run folder")?;
    let config: RunConfig = read_json(&first.join("config.json"))?;
    let parts_dir = out.join("parts");
    fs::create_dir_all(&parts_dir).map_err(|e| format!("{}: {e}", parts_dir.display()))?;
    for input in inputs {
        let other: RunConfig = read_json(&input.join("config.json"))?;
        if other.scale != config.scale || other.options.seed != config.options.seed {
            return Err(format!(
                "{} was run with another setting or seed than {}",
                input.display(),
                first.display()
            ));
        }
        for entry in fs::read_dir(input.join("parts")).map_err(|e| format!("{}: {e}", input.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if let Some(name) = path.file_name() {
                fs::copy(&path, parts_dir.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
    }
    let merged = RunConfig {
        options: Options { out: out.to_path_buf(), shard: None, ..config.options.clone() },
        ..config
    };
    write_json(&out.join("config.json"), &merged)?;
    render(out, merged.study)
}
