//! Fig. 10: tanh with the normalized initialization during training: its
//! layers' 98th percentiles stay together, as softsign's do in Fig. 3.

use super::shared::runs::{band_check, best_shapeset_runs, find, percentile_chart, run_text, shapeset_jobs};
use super::{missing, section, Context, Study};
use crate::job::AnyJob;
use crate::models::ModelId;
use crate::plan::Plan;
use crate::report::Section;
use crate::training::RunResult;

/// The study.
pub struct Fig10;

impl Study for Fig10 {
    fn command(&self) -> &'static str {
        "fig10"
    }
    fn about(&self) -> &'static str {
        "Fig. 10: tanh with normalized initialization during training."
    }
    fn title(&self) -> &'static str {
        "Tanh with normalized initialization during training"
    }
    fn paper_figure(&self) -> &'static str {
        "with normalized initialization tanh layers do not saturate one after another: their activation percentiles stay well inside ±1 throughout training."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        shapeset_jobs(plan, &[ModelId::TanhN])
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig10(&best_shapeset_runs(ctx, &[ModelId::TanhN]), ctx.dir)]
    }
}

/// The section, from the Tanh N run among `runs`.
pub fn fig10(runs: &[RunResult], dir: &std::path::Path) -> Section {
    let Some(run) = find(runs, ModelId::TanhN) else {
        return missing(&Fig10, "the training run of Tanh N");
    };
    let mut s = section(&Fig10);
    s.text.push(run_text(run));
    percentile_chart(&mut s, run, dir, "fig10", "Fig. 10");
    s.checks.push(band_check(run));
    s
}
