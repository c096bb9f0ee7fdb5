//! Fig. 8: histograms of the weight gradients ∂C/∂W at initialization: about the same spread in every layer under either init (eq. 14).

use std::path::Path;

use super::shared::init::{self, histogram_section, spread, stds, InitStudy};
use super::{missing, sci, section, Context, Study};
use crate::job::AnyJob;
use crate::plan::Plan;
use crate::report::{Check, Section};

/// The study.
pub struct Fig8;

impl Study for Fig8 {
    fn command(&self) -> &'static str {
        "fig8"
    }
    fn about(&self) -> &'static str {
        "Fig. 8: weight-gradient histograms at initialization."
    }
    fn title(&self) -> &'static str {
        "Weight gradients at initialization"
    }
    fn paper_figure(&self) -> &'static str {
        "the weight gradients ∂C/∂W have about the same spread in every layer with either initialization (the paper's eq. 14 explains why), even though the back-propagated gradients do not."
    }
    fn jobs(&self, _plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        init::jobs()
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![init::load(ctx).map_or_else(
            || missing(self, "the probes at initialization (part init)"),
            |study| fig8(&study, ctx.dir),
        )]
    }
}

/// Fig. 8: weight-gradient histograms.
pub fn fig8(study: &InitStudy, dir: &Path) -> Section {
    let mut s = histogram_section(section(&Fig8), study, dir, "∂C/∂W", |l| &l.grad_weight);
    for (name, record) in [("standard", &study.standard), ("normalized", &study.normalized)] {
        let w = stds(record, |l| l.grad_weight.std);
        s.checks.push(Check::new(
            &format!("{name}: max/min over layers of std(∂C/∂W) < 1.5 (eq. 14: flat)"),
            "\"the weight gradients do not [get smaller]\"; reference 1.09 / 1.10",
            format!("{} (max/min {:.3})", sci(&w), spread(&w)),
            &w,
            spread(&w) < 1.5,
        ));
    }
    s
}
