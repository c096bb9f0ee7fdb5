//! Jobs and parts: a job is a unit of work whose typed result, its *part*, is
//! saved as `parts/<key>.json` in the run folder. Parts make a run resumable
//! (finished parts are kept), shardable (each machine computes some parts) and
//! mergeable (parts are copied together). Several studies can ask for the same
//! job (Figs. 3, 4, 11 all use the Tanh training run): jobs with the same key are
//! computed once.

use std::any::Any;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::data::cifar::load_cifar10;
use crate::data::idx::load_mnist;
use crate::data::shapeset::{streams, Shapeset};
use crate::data::{DataId, Dataset};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::setting::Scale;
use crate::training::Checkpoints;

/// A unit of work with a typed result.
pub trait Job: Send + Sync + 'static {
    /// What the job computes; saved as JSON.
    type Part: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The part's file stem, e.g. `shapeset-tanh-d5-lr0.05`. Equal keys mean equal work.
    fn key(&self) -> String;
    /// Computes the part.
    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<Self::Part>;
    /// The checkpoint folders its training runs keep (under `checkpoints/`),
    /// removed once the part is saved.
    fn checkpoint_keys(&self) -> Vec<String> {
        vec![]
    }
}

/// Whether a job's part is in a run folder.
#[derive(Debug, Clone, PartialEq)]
pub enum PartState {
    /// Saved and readable.
    Done,
    /// Not saved yet.
    Missing,
    /// Saved but unreadable (truncated by a kill, edited, from another version): why.
    Unreadable(String),
}

/// A job with its part type erased, so one list can hold the jobs of every study.
pub trait AnyJob: Send + Sync {
    /// The part's file stem.
    fn key(&self) -> String;
    /// Whether its part is saved in `parts`.
    fn state(&self, parts: &Path) -> PartState;
    /// Computes the part and saves it in `parts` (atomically: written, then renamed).
    fn run_and_save(&self, inputs: &Inputs, parts: &Path, progress: &dyn Progress) -> Result<()>;
}

/// The file of part `key` in the folder `parts`.
pub fn part_path(parts: &Path, key: &str) -> PathBuf {
    parts.join(format!("{key}.json"))
}

impl<J: Job> AnyJob for J {
    fn key(&self) -> String {
        Job::key(self)
    }

    fn state(&self, parts: &Path) -> PartState {
        let path = part_path(parts, &Job::key(self));
        if !path.exists() {
            return PartState::Missing;
        }
        match read_json::<J::Part>(&path) {
            Ok(_) => PartState::Done,
            Err(e) => PartState::Unreadable(e.to_string()),
        }
    }

    fn run_and_save(&self, inputs: &Inputs, parts: &Path, progress: &dyn Progress) -> Result<()> {
        let key = Job::key(self);
        if crate::interrupt::stop_requested() {
            return Err(Error::Interrupted);
        }
        let part = self.run(inputs, progress).map_err(|e| match e {
            Error::Interrupted => Error::Interrupted,
            e => Error::Job { key: key.clone(), source: Box::new(e) },
        })?;
        write_json(&part_path(parts, &key), &part)?;
        if let Some(policy) = &inputs.checkpoints {
            for checkpoint in self.checkpoint_keys() {
                let _ = fs::remove_dir_all(policy.root.join(checkpoint));
            }
        }
        Ok(())
    }
}

/// Boxes a job for a study's job list.
pub fn boxed(job: impl Job) -> Box<dyn AnyJob> {
    Box::new(job)
}

/// Writes `value` as JSON to `path` through a temporary file and a rename, so a
/// kill never leaves half a file under the final name.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string(value).map_err(|e| Error::json(path, e))?;
    let temporary = path.with_extension("json.tmp");
    fs::write(&temporary, text).map_err(|e| Error::io(&temporary, e))?;
    fs::rename(&temporary, path).map_err(|e| Error::io(path, e))
}

/// Reads JSON from `path`.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::json(path, e))
}

/// Where the training runs of a run folder keep their checkpoints.
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    /// `<run folder>/checkpoints`; each training run has a folder inside, named by its key.
    pub root: PathBuf,
    /// Time between two checkpoints of a run.
    pub every: Duration,
}

/// An image data set the user gave (or Debian's Fashion-MNIST), and its folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageSource {
    /// Which data set.
    pub data: DataId,
    /// The folder holding its files.
    pub folder: PathBuf,
}

/// An image data set's training, validation and test sets.
#[derive(Debug)]
pub struct ImageSets {
    /// Training examples (the paper's: the first 50,000 of the training file).
    pub train: Dataset,
    /// The last 10,000 examples of the training file.
    pub validation: Dataset,
    /// The test file.
    pub test: Dataset,
}

/// The paper's and Nielsen's validation split: the last 10,000 training examples.
pub const IMAGE_VALIDATION: usize = 10_000;

/// What the jobs read: the run's scale and seed, the fixed Shapeset validation
/// and test sets, and the image data sets, each made or loaded once, when a job
/// first asks for it, and shared read-only between jobs.
pub struct Inputs {
    /// The numbers of the run.
    pub scale: Scale,
    /// The run's seed.
    pub seed: u64,
    /// Where training runs keep their checkpoints (`None`: they keep none).
    pub checkpoints: Option<CheckpointPolicy>,
    /// Where training runs write TensorBoard event files, a folder per run
    /// named by its key (`None`: they write none).
    pub tensorboard: Option<PathBuf>,
    shapeset: OnceLock<(Dataset, Dataset)>,
    images: Mutex<BTreeMap<DataId, Arc<ImageSets>>>,
}

impl Inputs {
    /// Inputs of a run at `scale` from `seed`.
    pub fn new(scale: Scale, seed: u64) -> Self {
        Inputs {
            scale,
            seed,
            checkpoints: None,
            tensorboard: None,
            shapeset: OnceLock::new(),
            images: Mutex::new(BTreeMap::new()),
        }
    }

    /// The checkpoint settings of the training run whose key is `key`, if runs keep checkpoints.
    pub fn checkpoints_of(&self, key: &str) -> Option<Checkpoints> {
        self.checkpoints.as_ref().map(|p| Checkpoints { dir: p.root.join(key), every: p.every })
    }

    /// The fixed Shapeset validation and test sets.
    pub fn shapeset(&self) -> (&Dataset, &Dataset) {
        let (validation, test) = self.shapeset.get_or_init(|| {
            let s = &self.scale;
            (
                Shapeset::dataset(s.validation_size, self.seed, streams::VALIDATION, "shapeset validation"),
                Shapeset::dataset(s.test_size, self.seed, streams::TEST, "shapeset test"),
            )
        });
        (validation, test)
    }

    /// Training, validation and test sets of an image data set, loaded once.
    /// A training file of 10,000 examples or fewer is an error naming its size:
    /// the validation split would leave nothing to train on.
    pub fn images(&self, source: &ImageSource) -> Result<Arc<ImageSets>> {
        let mut cache = self.images.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sets) = cache.get(&source.data) {
            return Ok(sets.clone());
        }
        let name = source.data.name();
        let (train, test) = if source.data == DataId::Cifar10 {
            let c = load_cifar10(&source.folder)?;
            (c.train, c.test)
        } else {
            let m = load_mnist(&source.folder, name)?;
            (m.train, m.test)
        };
        let train = Dataset { name: format!("{name} train ({})", source.folder.display()), ..train };
        let (mut train, validation) =
            train.split_last(IMAGE_VALIDATION, &format!("{name} train"), &format!("{name} validation"))?;
        if let Some(limit) = self.scale.image_train_limit {
            train = train.take(limit);
        }
        let sets = Arc::new(ImageSets { train, validation, test });
        cache.insert(source.data, sets.clone());
        Ok(sets)
    }
}

/// The parts of a run folder, read as the report asks for them. Each part is
/// read once; a part that is missing or unreadable gives `None`, and an
/// unreadable one is also listed in [`Parts::problems`] for the report.
pub struct Parts {
    dir: PathBuf,
    /// `Some(checkpoints folder)` when runs still in progress may stand in for missing parts.
    in_progress: Option<PathBuf>,
    loaded: Mutex<BTreeMap<String, Option<Arc<dyn Any + Send + Sync>>>>,
    problems: Mutex<Vec<String>>,
}

impl Parts {
    /// The parts in `run_dir/parts`.
    pub fn new(run_dir: &Path) -> Self {
        Parts {
            dir: run_dir.join("parts"),
            in_progress: None,
            loaded: Mutex::default(),
            problems: Mutex::default(),
        }
    }

    /// The parts in `run_dir/parts`, and where a training run's part is missing,
    /// its curves so far from its checkpoint in `run_dir/checkpoints` (a partial report).
    pub fn with_runs_in_progress(run_dir: &Path) -> Self {
        Parts { in_progress: Some(run_dir.join("checkpoints")), ..Parts::new(run_dir) }
    }

    /// True when a run in progress has stood in for a missing part (so far: ask
    /// after the sections are rendered). A finished run folder is never partial.
    pub fn is_partial(&self) -> bool {
        let loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        self.in_progress.is_some() && loaded.keys().any(|k| k.starts_with("in-progress "))
    }

    /// The curves and probes so far of the training run `key`, from its
    /// checkpoint, in a partial report (kept for the CSV files too).
    pub fn in_progress(&self, key: &str) -> Option<crate::training::RunResult> {
        let dir = self.in_progress.as_ref()?.join(key);
        if !dir.join("state.json").exists() {
            return None;
        }
        match crate::training::checkpoint_result(&dir) {
            Ok(run) => {
                let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
                loaded.insert(format!("in-progress {key}"), Some(Arc::new(run.clone())));
                Some(run)
            }
            Err(e) => {
                self.problems.lock().unwrap_or_else(|p| p.into_inner()).push(e.to_string());
                None
            }
        }
    }

    /// The part of `job`, if saved and readable.
    pub fn load<J: Job>(&self, job: &J) -> Option<Arc<J::Part>> {
        let key = Job::key(job);
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        let entry = loaded.entry(key.clone()).or_insert_with(|| {
            let path = part_path(&self.dir, &key);
            if !path.exists() {
                return None;
            }
            match read_json::<J::Part>(&path) {
                Ok(part) => Some(Arc::new(part) as Arc<dyn Any + Send + Sync>),
                Err(e) => {
                    self.problems.lock().unwrap_or_else(|p| p.into_inner()).push(e.to_string());
                    None
                }
            }
        });
        entry.clone().and_then(|part| part.downcast::<J::Part>().ok())
    }

    /// Every part of type `T` read so far, in key order (the CSV files list them).
    pub fn loaded<T: Send + Sync + 'static>(&self) -> Vec<Arc<T>> {
        let loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        loaded.values().flatten().filter_map(|part| part.clone().downcast::<T>().ok()).collect()
    }

    /// The unreadable part files met so far, each with what was wrong.
    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
