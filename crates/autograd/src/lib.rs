//! gradlab autograd (in progress).
