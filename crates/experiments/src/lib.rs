//! # gradlab's `experiments`: data sets and the paper's experiments
//!
//! * [`data`]: the Shapeset-3x2 generator, MNIST-format and CIFAR-10 readers, minibatches;
//! * [`models`]: the networks the paper compares; [`setting`]: how big a run is;
//! * [`training`]: one training run with the paper's measurements;
//! * [`studies`]: one module per figure, table or lesson, each a [`studies::Study`];
//!   [`studies::StudyId`] lists them;
//! * [`job`]: jobs and their saved parts; [`plan`]: what a run computes;
//!   [`runner`]: running, resuming, sharding and merging run folders;
//! * [`report`], [`plot`] and [`csv`](mod@csv): what a run leaves behind;
//! * [`error`]: what can go wrong; [`progress`]: how long work reports progress;
//! * [`bench`](mod@bench): the W1–W3 training-step workloads.
//!
//! The library draws no progress bars: it reports through [`progress::Progress`],
//! which the `experiments` binary (feature `cli`, on by default) implements.

#![warn(missing_docs)]

pub mod bench;
pub mod csv;
pub mod data;
pub mod error;
pub mod interrupt;
pub mod job;
pub mod models;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod report;
pub mod runner;
pub mod setting;
pub mod stats;
pub mod studies;
pub mod training;

pub use error::{Error, Result};
