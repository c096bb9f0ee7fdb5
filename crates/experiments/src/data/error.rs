//! Data errors: every one names the file and what was wrong with it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A data file that could not be used.
#[derive(Debug)]
pub struct DataError {
    /// The file (or folder) concerned.
    pub path: PathBuf,
    /// What was wrong.
    pub problem: Problem,
}

/// What was wrong with a data file.
#[derive(Debug)]
pub enum Problem {
    /// The file is not there (the message says which names were tried).
    Missing(String),
    /// It could not be read.
    Io(std::io::Error),
    /// Its content is not what the format says (bad magic, truncated, label out of range, ...).
    Corrupt(String),
}

impl DataError {
    pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> Self {
        DataError { path: path.to_path_buf(), problem: Problem::Corrupt(detail.into()) }
    }

    pub(crate) fn io(path: &Path, e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            return DataError { path: path.to_path_buf(), problem: Problem::Missing("no such file".into()) };
        }
        DataError { path: path.to_path_buf(), problem: Problem::Io(e) }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Missing(detail) => write!(f, "{}: missing: {detail}", self.path.display()),
            Problem::Io(e) => write!(f, "{}: cannot read: {e}", self.path.display()),
            Problem::Corrupt(detail) => write!(f, "{}: corrupt: {detail}", self.path.display()),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            Problem::Io(e) => Some(e),
            _ => None,
        }
    }
}
