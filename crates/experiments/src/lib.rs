//! # gradlab's `experiments`: data sets and the paper's experiments
//!
//! * [`data`]: the Shapeset-3x2 generator, MNIST-format and CIFAR-10 readers, minibatches.

pub mod data;
