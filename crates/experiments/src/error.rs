//! The errors of the experiments' orchestration: files of a run folder, data,
//! and what the user asked for. Each says which file or data set, and what was wrong.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::data::DataError;

/// What can go wrong while running, resuming, merging or rendering a study.
#[derive(Debug)]
pub enum Error {
    /// A file or folder of the run could not be read or written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A JSON file of the run (configuration or part) is not what it should hold.
    Json {
        /// The file.
        path: PathBuf,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A data file is missing, truncated or corrupt.
    Data(DataError),
    /// A data set holds too few examples for what a study needs of it.
    TooSmall {
        /// The data set, e.g. `mnist train (/data/mnist)`.
        data: String,
        /// Examples it holds.
        examples: usize,
        /// What needed more, with the numbers, e.g. "the last 10000 for validation and at least one for training".
        needed: String,
    },
    /// A training run was given a training set with no examples.
    EmptyTrainingSet {
        /// The data set.
        data: String,
    },
    /// The command line or the options contradict each other or the run folder.
    Usage(String),
    /// A checkpoint could not be written or read back.
    Checkpoint(String),
    /// A stop was requested (Ctrl-C, SIGTERM): the runs in progress saved their checkpoints.
    Interrupted,
    /// A job failed; `source` says why.
    Job {
        /// The job's part name, e.g. `shapeset-tanh-d5-lr0.05`.
        key: String,
        /// The failure.
        source: Box<Error>,
    },
}

/// The experiments' result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }

    /// A JSON error in `path`.
    pub fn json(path: &Path, source: serde_json::Error) -> Self {
        Error::Json { path: path.to_path_buf(), source }
    }

    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Json { path, source } => write!(f, "{}: not valid: {source}", path.display()),
            Error::Data(e) => write!(f, "{e}"),
            Error::TooSmall { data, examples, needed } => {
                write!(f, "{data}: {examples} examples, too few: {needed}")
            }
            Error::EmptyTrainingSet { data } => {
                write!(f, "{data}: the training set is empty, so nothing can be trained")
            }
            Error::Usage(message) => write!(f, "{message}"),
            Error::Checkpoint(message) => write!(f, "checkpoint: {message}"),
            Error::Interrupted => write!(f, "interrupted; the runs in progress saved their checkpoints"),
            Error::Job { key, source } => write!(f, "job {key}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Json { source, .. } => Some(source),
            Error::Data(e) => Some(e),
            Error::Job { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}
