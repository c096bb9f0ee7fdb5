//! Data: the Shapeset-3x2 generator (built in, no download), MNIST-format IDX
//! files (MNIST, Fashion-MNIST), CIFAR-10 binaries, and minibatching.

pub mod cifar;
mod dataset;
mod error;
pub mod idx;
pub mod shapeset;

pub use dataset::{Batch, BatchSource, Dataset, Minibatches, SourceState, StreamPosition};
pub use error::{DataError, Problem};

/// The data sets the studies train on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum DataId {
    /// The built-in Shapeset-3x2 generator.
    Shapeset,
    /// MNIST (IDX files from a folder the user gives).
    Mnist,
    /// Fashion-MNIST (the same format; Debian's `dataset-fashion-mnist`).
    FashionMnist,
    /// CIFAR-10 (binary batches from a folder the user gives).
    Cifar10,
}

impl DataId {
    /// The name used in part files, reports and data set names: `shapeset`,
    /// `mnist`, `fashion-mnist`, `cifar-10`.
    pub fn name(self) -> &'static str {
        match self {
            DataId::Shapeset => "shapeset",
            DataId::Mnist => "mnist",
            DataId::FashionMnist => "fashion-mnist",
            DataId::Cifar10 => "cifar-10",
        }
    }

    /// True for the MNIST-format sets (MNIST and Fashion-MNIST).
    pub fn is_mnist_format(self) -> bool {
        matches!(self, DataId::Mnist | DataId::FashionMnist)
    }
}
