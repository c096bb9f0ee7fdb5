//! Fig. 7: histograms of the back-propagated gradients ∂C/∂s at initialization. With the standard init they get smaller towards the input; with the normalized init they do not.

use std::path::Path;

use super::shared::init::{self, histogram_section, stds, InitStudy};
use super::{missing, sci, section, Context, Study};
use crate::job::AnyJob;
use crate::plan::Plan;
use crate::report::{Check, Section};

/// The study.
pub struct Fig7;

impl Study for Fig7 {
    fn command(&self) -> &'static str {
        "fig7"
    }
    fn about(&self) -> &'static str {
        "Fig. 7: back-propagated gradient histograms at initialization."
    }
    fn title(&self) -> &'static str {
        "Back-propagated gradients at initialization"
    }
    fn paper_figure(&self) -> &'static str {
        "with standard initialization the back-propagated gradients ∂C/∂s get smaller toward the input; with normalized initialization they have about the same spread in every layer."
    }
    fn jobs(&self, _plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        init::jobs()
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![init::load(ctx).map_or_else(
            || missing(self, "the probes at initialization (part init)"),
            |study| fig7(&study, ctx.dir),
        )]
    }
}

/// Fig. 7: back-propagated gradient histograms.
pub fn fig7(study: &InitStudy, dir: &Path) -> Section {
    let mut s = histogram_section(section(&Fig7), study, dir, "∂C/∂s", |l| &l.grad_pre_activation);
    let (st, no) = (
        stds(&study.standard, |l| l.grad_pre_activation.std),
        stds(&study.normalized, |l| l.grad_pre_activation.std),
    );
    s.checks.push(Check::new(
        "standard: std(∂C/∂s, L1)/std(L5) < 0.2 (gradients smaller in lower layers)",
        "0-peak decreases going up; reference ratio 0.10",
        format!("{} (ratio {:.3})", sci(&st), st[0] / st[4]),
        &st,
        st[0] / st[4] < 0.2,
    ));
    s.checks.push(Check::new(
        "normalized: std(∂C/∂s, L1)/std(L5) > 0.5",
        "no such decrease; reference ratio 0.64",
        format!("{} (ratio {:.3})", sci(&no), no[0] / no[4]),
        &no,
        no[0] / no[4] > 0.5,
    ));
    s
}
