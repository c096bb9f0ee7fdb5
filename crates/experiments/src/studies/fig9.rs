//! Fig. 9: the standard deviation of the weight gradients per layer during
//! training, tanh with the standard vs the normalized initialization.

use std::path::Path;

use super::runs::{best_shapeset_runs, find, per_layer_lines, shapeset_jobs};
use super::{figure, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::models::ModelId;
use crate::plan::Plan;
use crate::plot::Chart;
use crate::report::{Check, Section};
use crate::training::RunResult;

/// The study.
pub struct Fig9;

const MODELS: [ModelId; 2] = [ModelId::Tanh, ModelId::TanhN];

impl Study for Fig9 {
    fn command(&self) -> &'static str {
        "fig9"
    }
    fn about(&self) -> &'static str {
        "Fig. 9: weight-gradient standard deviation during training, tanh standard vs normalized."
    }
    fn title(&self) -> &'static str {
        "Weight-gradient standard deviation during training (tanh)"
    }
    fn paper_figure(&self) -> &'static str {
        "as training goes on, the spread of the weight gradients diverges across layers, larger in the lower layers, especially with standard initialization; normalized initialization keeps about the same spread in every layer."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        shapeset_jobs(plan, &MODELS)
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig9(&best_shapeset_runs(ctx, &MODELS), ctx.dir)]
    }
}

/// std(∂C/∂W¹)/std(∂C/∂Wᴸ) at the last probe.
fn end_ratio(run: &RunResult) -> f64 {
    let layers = &run.probes.last().expect("find() returns runs with probes").layers;
    layers[0].grad_weight.std / layers[layers.len() - 1].grad_weight.std
}

/// The section, from the Tanh and Tanh N runs among `runs`.
pub fn fig9(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(standard), Some(normalized)) = (find(runs, ModelId::Tanh), find(runs, ModelId::TanhN)) else {
        return missing(&Fig9, "the training runs of Tanh and Tanh N");
    };
    let mut s = section(&Fig9);
    for run in [standard, normalized] {
        let mut chart =
            Chart::new(format!("Fig. 9: {}", run.model.name), "epochs of 20k updates", "std of ∂C/∂W");
        chart.log_y = true;
        chart.lines = per_layer_lines(run, "", |l| l.grad_weight.std, None);
        figure(&mut s, dir, &format!("fig9_{}", run.model.key()), &chart);
    }
    let (rs, rn) = (end_ratio(standard), end_ratio(normalized));
    s.checks.push(Check::new(
        "standard: at the end, std(∂C/∂W¹)/std(∂C/∂W⁵) > 2",
        "as training goes on, larger gradients in lower layers, especially with standard init",
        format!("{rs:.3}"),
        &[rs],
        rs > 2.0,
    ));
    s.checks.push(Check::new(
        "normalized: at the end, std(∂C/∂W¹)/std(∂C/∂W⁵) within [0.5, 2]",
        "normalized init keeps the same variance across layers",
        format!("{rn:.3}"),
        &[rn],
        (0.5..=2.0).contains(&rn),
    ));
    s
}
