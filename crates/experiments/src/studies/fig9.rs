//! Fig. 9: the standard deviation of the weight gradients per layer during
//! training, tanh with the standard vs the normalized initialization.

use std::path::Path;

use super::shared::runs::{best_shapeset_runs, find, per_layer_lines, shapeset_jobs};
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

/// std(∂C/∂W¹)/std(∂C/∂Wᴸ) at each probe of `run`, with its update.
fn ratios(run: &RunResult) -> Vec<(u64, f64)> {
    run.probes
        .iter()
        .map(|p| (p.step, p.layers[0].grad_weight.std / p.layers[p.layers.len() - 1].grad_weight.std))
        .collect()
}

/// The ratio at the last probe (the earlier criterion).
fn end_ratio(run: &RunResult) -> f64 {
    ratios(run).last().map_or(f64::NAN, |r| r.1)
}

/// The median ratio over the probes of the last fifth of training (at least
/// the last probe), and how many probes that is.
fn late_ratio(run: &RunResult) -> (f64, usize) {
    let all = ratios(run);
    let end = all.last().map_or(0, |r| r.0);
    let mut late: Vec<f64> = all.iter().filter(|(step, _)| 5 * step >= 4 * end).map(|r| r.1).collect();
    if late.iter().any(|r| !r.is_finite()) {
        return (f64::NAN, late.len());
    }
    late.sort_by(f64::total_cmp);
    let n = late.len();
    let median = if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        late[n / 2]
    } else {
        (late[n / 2 - 1] + late[n / 2]) / 2.0
    };
    (median, n)
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
    let late = |run: &RunResult| {
        let (ratio, probes) = late_ratio(run);
        (ratio, format!("median {ratio:.3} over the last {probes} probe(s)"))
    };
    let ((rs, ms), (rn, mn)) = (late(standard), late(normalized));
    let (es, en) = (end_ratio(standard), end_ratio(normalized));
    let standard_paper =
        "as training goes on, larger gradients in lower layers, especially with standard init";
    s.checks.push(
        Check::new(
            "standard: over the last fifth of training, the median of std(∂C/∂W¹)/std(∂C/∂W⁵) > 2",
            standard_paper,
            ms,
            &[rs],
            rs > 2.0,
        )
        .beside_earlier(Check::new(
            "standard: at the end, std(∂C/∂W¹)/std(∂C/∂W⁵) > 2",
            standard_paper,
            format!("{es:.3}"),
            &[es],
            es > 2.0,
        )),
    );
    let normalized_paper = "normalized init keeps the same variance across layers";
    s.checks.push(
        Check::new(
            "normalized: over the last fifth of training, the median of std(∂C/∂W¹)/std(∂C/∂W⁵) within [0.5, 2]",
            normalized_paper,
            mn,
            &[rn],
            (0.5..=2.0).contains(&rn),
        )
        .beside_earlier(Check::new(
            "normalized: at the end, std(∂C/∂W¹)/std(∂C/∂W⁵) within [0.5, 2]",
            normalized_paper,
            format!("{en:.3}"),
            &[en],
            (0.5..=2.0).contains(&en),
        )),
    );
    s
}
