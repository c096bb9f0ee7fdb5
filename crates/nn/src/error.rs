//! Errors of the `nn` crate: checkpoint files, and settings an operation cannot honour.

use std::fmt;
use std::path::PathBuf;

/// What went wrong in `nn`: reading or writing a checkpoint (every such variant
/// names the file), or asking an operation for something it does not do.
#[derive(Debug)]
pub enum NnError {
    /// The file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not a valid safetensors file, or not one gradlab wrote.
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A tensor the model needs is not in the file.
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name, e.g. `layers.0.weight`.
        name: String,
    },
    /// A tensor in the file has another shape than the model's.
    ShapeMismatch {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The shape the model needs, in the file's layout.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
    },
    /// An operation was given a setting it does not honour (e.g. momentum for the fused step).
    Unsupported {
        /// The operation, e.g. `nn::fused::train_step`.
        operation: &'static str,
        /// What it does not honour, and what to use instead.
        detail: String,
    },
}

impl fmt::Display for NnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NnError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            NnError::Format { path, detail } => {
                write!(f, "{}: not a valid checkpoint: {detail}", path.display())
            }
            NnError::MissingTensor { path, name } => {
                write!(f, "{}: tensor `{name}` is missing", path.display())
            }
            NnError::ShapeMismatch { path, name, expected, found } => {
                let layout =
                    if name.ends_with(".weight") { " (weights are stored [n_out, n_in])" } else { "" };
                write!(
                    f,
                    "{}: tensor `{name}` has shape {found:?} in the file where the model needs {expected:?}{layout}",
                    path.display()
                )
            }
            NnError::Unsupported { operation, detail } => write!(f, "{operation}: {detail}"),
        }
    }
}

impl std::error::Error for NnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NnError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
