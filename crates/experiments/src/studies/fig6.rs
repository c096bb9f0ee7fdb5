//! Fig. 6: activation histograms of the tanh network at initialization. With the standard init they shrink going up; with the normalized init they keep their spread.

use std::path::Path;

use super::shared::init::{self, histogram_section, stds, InitStudy};
use super::{list, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::plan::Plan;
use crate::report::{Check, Section};

/// The study.
pub struct Fig6;

impl Study for Fig6 {
    fn command(&self) -> &'static str {
        "fig6"
    }
    fn about(&self) -> &'static str {
        "Fig. 6: activation histograms at initialization, standard vs normalized."
    }
    fn title(&self) -> &'static str {
        "Activation values at initialization"
    }
    fn paper_figure(&self) -> &'static str {
        "with standard initialization the histogram of tanh activations narrows from layer to layer going up; with normalized initialization all layers keep about the same spread."
    }
    fn jobs(&self, _plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        init::jobs()
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![init::load(ctx).map_or_else(
            || missing(self, "the probes at initialization (part init)"),
            |study| fig6(&study, ctx.dir),
        )]
    }
}

/// Fig. 6: activation histograms.
pub fn fig6(study: &InitStudy, dir: &Path) -> Section {
    let mut s = histogram_section(section(&Fig6), study, dir, "activation value", |l| &l.activation);
    let (st, no) =
        (stds(&study.standard, |l| l.activation.std), stds(&study.normalized, |l| l.activation.std));
    s.checks.push(Check::new(
        "standard: std(L5)/std(L1) < 0.2 (activations shrink going up)",
        "0-peak grows with layer; reference 0.305 … 0.032 (ratio 0.10)",
        format!("{} (ratio {:.3})", list(&st, 3), st[4] / st[0]),
        &st,
        st[4] / st[0] < 0.2,
    ));
    s.checks.push(Check::new(
        "normalized: std(L5)/std(L1) > 0.5",
        "similar across layers; reference 0.452 … 0.278 (ratio 0.62)",
        format!("{} (ratio {:.3})", list(&no, 3), no[4] / no[0]),
        &no,
        no[4] / no[0] > 0.5,
    ));
    s
}
