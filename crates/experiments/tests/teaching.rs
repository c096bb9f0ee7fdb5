//! The teaching experiments' criteria (docs/criteria.md) on reduced forms with fixed seeds.

use experiments::studies::cs231n;

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
