//! Errors of recording and differentiating.

use std::fmt;

use tensor::TensorError;

/// What went wrong while recording an op or running backward.
#[derive(Debug, Clone, PartialEq)]
pub enum AutogradError {
    /// An op's forward rejected its inputs' shapes.
    Tensor(TensorError),
    /// Anomaly mode found a NaN or infinity.
    Anomaly {
        /// `"forward"` or `"backward"`.
        phase: &'static str,
        /// The op that produced it.
        op: String,
        /// Its index on the tape.
        index: usize,
        /// The label of the op's output, if it was [named](crate::Var::named) (in
        /// forward the output is not named yet: `None`).
        label: Option<String>,
        /// Where the op was recorded in the caller's code.
        location: &'static std::panic::Location<'static>,
        /// The shapes of the op's inputs.
        input_shapes: Vec<Vec<usize>>,
    },
    /// `backward` without a seed needs a one-element output.
    NotScalar {
        /// The output's shape.
        shape: Vec<usize>,
    },
    /// The value was computed without recording (or on another tape), so it has no history.
    NotRecorded,
    /// An op's backward returned a gradient whose shape differs from its input's
    /// (a bug in that op — most likely a custom one).
    GradientShape {
        /// The op.
        op: String,
        /// Which input.
        input: usize,
        /// The input's shape.
        expected: Vec<usize>,
        /// The gradient's shape.
        got: Vec<usize>,
    },
    /// A gradient was to be recorded (for a second derivative, `hvp`, `jvp`, …)
    /// through an op that gives no recorded backward ([`Op::backward_recorded`](crate::Op::backward_recorded)).
    NoRecordedBackward {
        /// The op.
        op: String,
        /// Its index on the tape.
        index: usize,
    },
}

impl fmt::Display for AutogradError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutogradError::Tensor(e) => e.fmt(f),
            AutogradError::Anomaly { phase, op, index, label, location, input_shapes } => {
                let named = label.as_ref().map(|l| format!(" (output `{l}`)")).unwrap_or_default();
                write!(
                    f,
                    "anomaly: NaN or infinity produced in {phase} by op `{op}`{named} recorded at {location} (tape index {index}, input shapes {input_shapes:?})"
                )
            }
            AutogradError::NotScalar { shape } => write!(
                f,
                "backward: output has shape {shape:?}; only a one-element output can seed backward by itself (use backward_with a seed gradient)"
            ),
            AutogradError::NotRecorded => write!(f, "backward: this value was not recorded on this tape"),
            AutogradError::GradientShape { op, input, expected, got } => write!(
                f,
                "op `{op}` returned a gradient of shape {got:?} for input {input} of shape {expected:?}"
            ),
            AutogradError::NoRecordedBackward { op, index } => write!(
                f,
                "op `{op}` (tape index {index}) has no recorded backward, so its gradient cannot be differentiated again: give it Op::backward_recorded (write its vjp once, generic over Operand, and use backward_through_vjp!)"
            ),
        }
    }
}

impl std::error::Error for AutogradError {}

impl From<TensorError> for AutogradError {
    fn from(e: TensorError) -> Self {
        AutogradError::Tensor(e)
    }
}

/// Result of recording or differentiating.
pub type Result<T> = std::result::Result<T, AutogradError>;

/// Unwraps, panicking with the error's message at the caller's line.
#[track_caller]
pub(crate) fn or_panic<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}
