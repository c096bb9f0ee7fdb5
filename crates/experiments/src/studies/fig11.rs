//! Fig. 11: test error during online training on Shapeset-3x2, the six networks.

use super::shared::orderings::{curves, error_of, final_table, ordering_checks};
use super::shared::runs::{best_shapeset_runs, shapeset_jobs};
use super::{figure, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::models::{ModelId, SHAPESET_MODELS};
use crate::plan::Plan;
use crate::report::{Check, Section};
use crate::training::RunResult;

/// The study.
pub struct Fig11;

impl Study for Fig11 {
    fn command(&self) -> &'static str {
        "fig11"
    }
    fn about(&self) -> &'static str {
        "Fig. 11: Shapeset test-error curves of the six networks."
    }
    fn title(&self) -> &'static str {
        "Test error during online training on Shapeset-3x2"
    }
    fn paper_figure(&self) -> &'static str {
        "test error against examples seen in online training on Shapeset-3x2: sigmoid is worst (depth 5 near the 83 % majority-class rate), then tanh with standard initialization; softsign, softsign N and tanh N train faster and end lowest."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        shapeset_jobs(plan, &SHAPESET_MODELS)
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig11(&best_shapeset_runs(ctx, &SHAPESET_MODELS), ctx.dir)]
    }
}

/// The section, from the selected Shapeset runs.
pub fn fig11(runs: &[RunResult], dir: &std::path::Path) -> Section {
    if runs.is_empty() {
        return missing(&Fig11, "the Shapeset training runs");
    }
    let mut s = section(&Fig11);
    s.text.push("Each network trained on the same online stream (minibatch 10); error on the fixed Shapeset test set.".into());
    figure(&mut s, dir, "fig11", &curves(runs, "Fig. 11: Shapeset-3x2 test error"));
    s.tables.push(final_table(runs));
    s.checks = ordering_checks(runs, "Shapeset");
    if let Some(d5) = error_of(runs, ModelId::SigmoidDepth5) {
        s.checks.push(
            Check::new(
                "Shapeset: Sigmoid depth 5 near the 83.3% majority-class error (> 75%)",
                "82.61% — essentially chance",
                format!("{:.1}%", 100.0 * d5),
                &[d5],
                d5 > 0.75,
            )
            .note("chance here is predicting the most frequent class (1/6 prior)"),
        );
    }
    s
}
