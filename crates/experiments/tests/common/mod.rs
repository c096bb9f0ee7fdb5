//! Helpers shared by the integration tests.

use std::path::Path;

/// Where Debian's `dataset-fashion-mnist` puts the files.
pub const FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

/// The Fashion-MNIST folder when the real files are installed. When they are
/// not, prints that `test` skipped and returns `None` — unless
/// `GRADLAB_REQUIRE_FASHION_MNIST=1` (set by `.ci/run`), which makes absence a failure.
pub fn fashion_mnist_or_skip(test: &str) -> Option<&'static Path> {
    let folder = Path::new(FASHION_MNIST);
    if folder.join("train-images-idx3-ubyte.gz").exists() {
        return Some(folder);
    }
    let required = std::env::var("GRADLAB_REQUIRE_FASHION_MNIST").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "GRADLAB_REQUIRE_FASHION_MNIST=1 but {} holds no Fashion-MNIST files",
        folder.display()
    );
    eprintln!("SKIPPED {test}: {} is absent (apt-get install dataset-fashion-mnist)", folder.display());
    None
}
