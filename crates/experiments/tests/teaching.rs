//! The teaching experiments' criteria (docs/criteria.md) on reduced forms with fixed seeds.

use experiments::data::idx::load_mnist;
use experiments::progress::Silent;
use experiments::studies::{cs231n, nielsen};

mod common;

#[test]
fn cs231n_demo_meets_its_criteria() {
    let demo = cs231n::run(231, false);
    let dir = std::env::temp_dir().join(format!("gradlab-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let section = cs231n::section(&demo, &dir);
    assert_eq!(section.checks.len(), 5);
    for check in &section.checks {
        assert_eq!(check.passed, Some(true), "{} — measured {}", check.criterion, check.measured);
    }
}

/// Needs MNIST-format data: the real Fashion-MNIST from Debian's package. Absent,
/// the test says it skipped, unless `GRADLAB_REQUIRE_FASHION_MNIST=1`.
#[test]
fn nielsen_gradients_vanish_towards_the_input() {
    let Some(folder) = common::fashion_mnist_or_skip("nielsen_gradients_vanish_towards_the_input") else {
        return;
    };
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
