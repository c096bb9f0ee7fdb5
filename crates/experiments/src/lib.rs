//! gradlab experiments (in progress).
