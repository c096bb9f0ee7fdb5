//! # gradlab's `experiments`: data sets and the paper's experiments
//!
//! * [`data`]: the Shapeset-3x2 generator, MNIST-format and CIFAR-10 readers, minibatches;
//! * [`models`]: the networks the paper compares; [`setting`]: how big a run is;
//! * [`training`]: one training run with the paper's measurements;
//! * [`studies`]: each figure's computation and report section; [`run`]: jobs, parts, resume, shards, merge;
//! * [`report`] and [`plot`]: what a run leaves behind; [`bench`](mod@bench): the W1–W3 training-step workloads.

pub mod bench;
pub mod data;
pub mod models;
pub mod plot;
pub mod report;
pub mod run;
pub mod setting;
pub mod studies;
pub mod training;
