//! Tests on the real Fashion-MNIST files of Debian's `dataset-fashion-mnist`.
//!
//! This file has its own test harness (`harness = false` in Cargo.toml) so
//! that a test without its data is reported as *ignored*, with the reason, in
//! `cargo test`'s output and counts — the standard harness can only pass or
//! fail a test that finds its data missing at run time. With
//! `GRADLAB_REQUIRE_FASHION_MNIST=1` (set by `.ci/run`, which installs the
//! package) missing files fail instead.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::ExitCode;

use experiments::data::idx::load_mnist;
use experiments::plan::FASHION_MNIST_DIR;
use experiments::progress::Silent;
use experiments::studies::nielsen;

/// The reader on the real files: sizes, class balance, pixel scale.
fn real_fashion_mnist_loads(folder: &Path) {
    let data = load_mnist(folder, "fashion-mnist").unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(data.train.n_features, 28 * 28);
    assert_eq!(data.train.class_counts(), vec![6000; 10]);
    assert_eq!(data.test.class_counts(), vec![1000; 10]);
    let mean = data.train.features.iter().map(|&v| v as f64).sum::<f64>() / data.train.features.len() as f64;
    assert!((mean - 0.286).abs() < 0.01, "mean pixel {mean}");
}

/// Nielsen's ch. 5 on MNIST-format data: ‖δˡ‖ grows towards the output at
/// initialization within his ratios, and every criterion of the lesson holds.
fn nielsen_gradients_vanish_towards_the_input(folder: &Path) {
    let train = load_mnist(folder, "fashion-mnist").unwrap().train;
    // 110 full-batch epochs: enough for the "after 100 epochs" criterion.
    let g = nielsen::gradients(&train, 110, 2010, &Silent).unwrap();
    let section = nielsen::section("fashion-mnist", &[], Some(&g), &std::env::temp_dir());
    let (low, high) = nielsen::nielsen_ratio_range();
    for norms in &g.init_norms {
        for w in norms.windows(2) {
            let ratio = w[1] / w[0];
            assert!(
                (low..=high).contains(&ratio),
                "adjacent ratio {ratio} outside Nielsen's [{low}, {high}] in {norms:?}"
            );
        }
    }
    for check in &section.checks {
        assert_eq!(check.passed, Some(true), "{} — measured {}", check.criterion, check.measured);
    }
}

/// A test: its name and its body, given the data folder.
type Test = (&'static str, fn(&Path));

const TESTS: [Test; 2] = [
    ("real_fashion_mnist_loads", real_fashion_mnist_loads),
    ("nielsen_gradients_vanish_towards_the_input", nielsen_gradients_vanish_towards_the_input),
];

fn main() -> ExitCode {
    // Arguments that are not flags filter tests by name, as libtest's do.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<_> = TESTS
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    let folder = Path::new(FASHION_MNIST_DIR);
    let installed = folder.join("train-images-idx3-ubyte.gz").exists();
    let required = std::env::var("GRADLAB_REQUIRE_FASHION_MNIST").is_ok_and(|v| v == "1");
    println!("\nrunning {} tests", selected.len());
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    for (name, test) in selected {
        if !installed {
            if required {
                println!("test {name} ... FAILED: GRADLAB_REQUIRE_FASHION_MNIST=1 but {} holds no Fashion-MNIST files", folder.display());
                failed += 1;
            } else {
                println!(
                    "test {name} ... ignored, {} is absent (apt-get install dataset-fashion-mnist)",
                    folder.display()
                );
                ignored += 1;
            }
            continue;
        }
        match catch_unwind(AssertUnwindSafe(|| test(folder))) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!("\ntest result: {verdict}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; 0 filtered out\n");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
