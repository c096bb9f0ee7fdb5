//! Eq. 17: the mean singular value of the layer-to-layer Jacobians
//! ∂z^{l+1}/∂z^l of the tanh network at initialization: about 0.5 with the
//! standard init, about 0.8 with the normalized one.

use super::shared::init::{self, InitStudy};
use super::{list, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::plan::Plan;
use crate::report::{Check, Section, Table};

/// The study.
pub struct Jacobian;

impl Study for Jacobian {
    fn command(&self) -> &'static str {
        "jacobian"
    }
    fn about(&self) -> &'static str {
        "Eq. 17: mean singular values of the layer-to-layer Jacobians."
    }
    fn title(&self) -> &'static str {
        "Mean singular value of the layer Jacobians (eq. 17)"
    }
    fn jobs(&self, _plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        init::jobs()
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![init::load(ctx).map_or_else(
            || missing(self, "the probes at initialization (part init)"),
            |study| jacobian(&study),
        )]
    }
}

/// The section, from the probes at initialization.
pub fn jacobian(study: &InitStudy) -> Section {
    let mut s = section(&Jacobian);
    s.text.push(format!(
        "J = W·diag(f'(s)) between consecutive hidden layers of the tanh network at initialization, averaged over {} examples.",
        study.standard.jacobians.first().map_or(0, |j| j.per_example_mean.len())
    ));
    let mut table = Table::new(&["init", "layers 1→2, 2→3, 3→4, 4→5", "paper"]);
    let cases = [
        ("standard", &study.standard, "≈ 0.5", (0.42, 0.56), "reference 0.473 … 0.489"),
        ("normalized", &study.normalized, "≈ 0.8", (0.68, 0.88), "reference 0.712 … 0.776"),
    ];
    for (name, record, paper, (low, high), reference) in cases {
        let means: Vec<f64> = record.jacobians.iter().map(|j| j.mean_singular_value).collect();
        table.row(vec![name.into(), list(&means, 3), paper.into()]);
        let ok = !means.is_empty() && means.iter().all(|m| (low..=high).contains(m));
        s.checks.push(Check::new(
            &format!("{name}: every mean singular value in [{low}, {high}]"),
            &format!("{paper} ({reference})"),
            list(&means, 3),
            &means,
            ok,
        ));
    }
    s.tables.push(table);
    s
}
