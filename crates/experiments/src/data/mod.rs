//! Data: the Shapeset-3x2 generator (built in, no download), MNIST-format IDX
//! files (MNIST, Fashion-MNIST), CIFAR-10 binaries, and minibatching.

pub mod cifar;
mod dataset;
mod error;
pub mod idx;
pub mod shapeset;

pub use dataset::{Batch, BatchSource, Dataset, Minibatches};
pub use error::{DataError, Problem};
