//! gradlab nn (in progress).
