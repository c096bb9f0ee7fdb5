//! The error type of every fallible tensor operation.

use std::fmt;

/// What went wrong in a tensor operation. Every variant names the operation and
/// shows the shapes involved, so a message alone is enough to find the bug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TensorError {
    /// Two shapes that had to agree did not (broadcasting, matmul, concat, ...).
    ShapeMismatch {
        /// The operation that failed, e.g. `"matmul"`.
        op: &'static str,
        /// Shape of the left (or first) operand.
        lhs: Vec<usize>,
        /// Shape of the right (or second) operand, or the requested shape.
        rhs: Vec<usize>,
        /// Why they disagree.
        detail: String,
    },
    /// An axis index was out of range for the tensor's rank.
    InvalidAxis {
        /// The operation that failed.
        op: &'static str,
        /// The axis as it was asked for (negative counts from the back).
        axis: isize,
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// Any other bad argument (a slice past the end, a zero step, a length that
    /// does not match the shape, ...).
    InvalidArgument {
        /// The operation that failed.
        op: &'static str,
        /// The tensor's shape.
        shape: Vec<usize>,
        /// What was wrong.
        detail: String,
    },
}

impl TensorError {
    /// A [`ShapeMismatch`](TensorError::ShapeMismatch) of `op` between two shapes.
    pub fn mismatch(op: &'static str, lhs: &[usize], rhs: &[usize], detail: impl Into<String>) -> Self {
        TensorError::ShapeMismatch { op, lhs: lhs.to_vec(), rhs: rhs.to_vec(), detail: detail.into() }
    }

    /// An [`InvalidAxis`](TensorError::InvalidAxis) of `op`.
    pub fn axis(op: &'static str, axis: isize, shape: &[usize]) -> Self {
        TensorError::InvalidAxis { op, axis, shape: shape.to_vec() }
    }

    /// An [`InvalidArgument`](TensorError::InvalidArgument) of `op` on a tensor of `shape`.
    pub fn invalid(op: &'static str, shape: &[usize], detail: impl Into<String>) -> Self {
        TensorError::InvalidArgument { op, shape: shape.to_vec(), detail: detail.into() }
    }
}

impl fmt::Display for TensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorError::ShapeMismatch { op, lhs, rhs, detail } => {
                write!(f, "{op}: shapes {lhs:?} and {rhs:?} do not fit: {detail}")
            }
            TensorError::InvalidAxis { op, axis, shape } => {
                write!(f, "{op}: axis {axis} is out of range for shape {shape:?} (rank {})", shape.len())
            }
            TensorError::InvalidArgument { op, shape, detail } => {
                write!(f, "{op} on shape {shape:?}: {detail}")
            }
        }
    }
}

impl std::error::Error for TensorError {}

/// Result of a fallible tensor operation.
pub type Result<T> = std::result::Result<T, TensorError>;

/// Unwraps the result of a `try_` op, panicking with the error's message.
///
/// Every panicking op is its `try_` twin followed by this, so the two can never
/// disagree. `#[track_caller]` points the panic at the user's line, not ours.
#[track_caller]
pub(crate) fn or_panic<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}
