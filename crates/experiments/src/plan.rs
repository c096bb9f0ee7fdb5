//! What a run will compute: its scale, its seed, and the image data at hand.
//! Studies list their jobs from a plan, and find their parts again from the
//! same plan when the report is rendered.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::DataId;
use crate::job::ImageSource;
use crate::models::ModelId;
use crate::setting::Scale;

/// Where Debian's `dataset-fashion-mnist` puts its files.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The run's numbers and data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The setting's numbers, overrides applied.
    pub scale: Scale,
    /// Seed of data, initial weights and shuffling.
    pub seed: u64,
    /// Seeds of the training runs when more than one (`--seeds`): the first is
    /// `seed`, which also makes the validation and test sets; each later seed
    /// trains the same networks again from other initial weights and data.
    #[serde(default)]
    pub seeds: Vec<u64>,
    /// The networks trained, when not all of the studies' (`--models`).
    #[serde(default)]
    pub models: Option<Vec<ModelId>>,
    /// The image data sets to train on, in this order.
    pub images: Vec<ImageSource>,
}

impl Plan {
    /// The image sources for the given folders: MNIST and CIFAR-10 when given,
    /// Fashion-MNIST when given or, unless MNIST is, from Debian's package when installed.
    pub fn image_sources(
        mnist: Option<PathBuf>,
        cifar: Option<PathBuf>,
        fashion_mnist: Option<PathBuf>,
    ) -> Vec<ImageSource> {
        let installed = || {
            let default = PathBuf::from(FASHION_MNIST_DIR);
            default.join("train-images-idx3-ubyte.gz").exists().then_some(default)
        };
        let fashion = fashion_mnist.or_else(|| if mnist.is_none() { installed() } else { None });
        [(DataId::Mnist, mnist), (DataId::Cifar10, cifar), (DataId::FashionMnist, fashion)]
            .into_iter()
            .filter_map(|(data, folder)| folder.map(|folder| ImageSource { data, folder }))
            .collect()
    }

    /// True when the training runs are repeated over several seeds.
    pub fn seeded(&self) -> bool {
        self.seeds.len() > 1
    }

    /// Whether the plan trains `model` (every model unless `--models` chose some).
    pub fn trains(&self, model: ModelId) -> bool {
        self.models.as_ref().is_none_or(|m| m.contains(&model))
    }

    /// The first MNIST-format source (Nielsen's lessons need one).
    pub fn mnist_format(&self) -> Option<&ImageSource> {
        self.images.iter().find(|s| s.data.is_mnist_format())
    }
}
