//! Fig. 2: mean and standard deviation of the sigmoid activations per layer
//! during training. With depth 4 the top hidden layer is pushed to 0 early
//! while the lower layers stay above 0.5; with depth 5 it never escapes.

use std::path::Path;

use nn::probe::LayerProbe;

use super::runs::{best_shapeset_runs, find, per_layer_lines, run_text, shapeset_jobs};
use super::{figure, list, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::models::ModelId;
use crate::plan::Plan;
use crate::plot::Chart;
use crate::report::{Check, Section, Table};
use crate::setting::PAPER_EPOCH;
use crate::training::RunResult;

/// The study.
pub struct Fig2;

const MODELS: [ModelId; 2] = [ModelId::SigmoidDepth4, ModelId::SigmoidDepth5];

impl Study for Fig2 {
    fn command(&self) -> &'static str {
        "fig2"
    }
    fn about(&self) -> &'static str {
        "Fig. 2: sigmoid activations during training (depth 4 saturates its top layer; depth 5 never escapes)."
    }
    fn title(&self) -> &'static str {
        "Sigmoid activations during training (mean ± std per layer)"
    }
    fn paper_figure(&self) -> &'static str {
        "the mean activation of the top hidden layer of a 4-layer sigmoid network falls to about 0 early in training and stays there for a long stretch while the lower layers sit near 0.5; late in training (after millions of updates) the top layer slowly leaves saturation."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        shapeset_jobs(plan, &MODELS)
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig2(&best_shapeset_runs(ctx, &MODELS), ctx.dir)]
    }
}

/// The section, from the Sigmoid depth 4 (and 5) runs among `runs`.
pub fn fig2(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(d4), d5) = (find(runs, ModelId::SigmoidDepth4), find(runs, ModelId::SigmoidDepth5)) else {
        return missing(&Fig2, "the training run(s) of Sigmoid depth 4 (and 5)");
    };
    let mut s = section(&Fig2);
    for run in [Some(d4), d5].into_iter().flatten() {
        s.text.push(run_text(run));
        let mut chart = Chart::new(
            format!("Fig. 2: {}", run.model.name),
            "epochs of 20k updates",
            "activation mean (bars: std)",
        );
        chart.lines =
            per_layer_lines(run, "", |l| l.activation.mean, Some(&|l: &LayerProbe| l.activation.std));
        figure(&mut s, dir, &format!("fig2_{}", run.model.key()), &chart);
    }
    let means = |run: &RunResult, p: usize| -> Vec<f64> {
        run.probes[p].layers.iter().map(|l| l.activation.mean).collect()
    };
    // At most about 20 rows: every k-th probe, and the last (the CSV has them all).
    let mut table = Table::new(&["updates", "layer means (depth 4)"]);
    let every = d4.probes.len().div_ceil(20).max(1);
    for (p, probe) in d4.probes.iter().enumerate() {
        if p % every == 0 || p + 1 == d4.probes.len() {
            table.row(vec![probe.step.to_string(), list(&means(d4, p), 3)]);
        }
    }
    s.tables.push(table);

    let init = means(d4, 0);
    s.checks.push(Check::new(
        "depth 4, at initialization: every layer's mean within 0.5 ± 0.1",
        "all ≈ 0.5 (zero biases)",
        list(&init, 3),
        &init,
        init.iter().all(|m| (m - 0.5).abs() < 0.1),
    ));
    let early =
        d4.probes.iter().enumerate().filter(|(_, p)| p.step > 0 && p.step <= 2 * PAPER_EPOCH as u64).find(
            |(i, _)| {
                let m = means(d4, *i);
                m[3] < 0.1 && m[..3].iter().all(|&v| v > 0.5) && m[2] > m[1] && m[1] > m[0]
            },
        );
    let last_means = means(d4, d4.probes.len() - 1);
    s.checks.push(Check::new(
        "depth 4, within 40k updates: top layer mean < 0.1 while layers 1–3 > 0.5, ordered L3 > L2 > L1",
        "layer 4 pushed to 0 \"very quickly\"; lower layers > 0.5, decreasing towards the input",
        match early {
            Some((i, p)) => format!("at {} updates: {}", p.step, list(&means(d4, i), 3)),
            None => format!("not seen; last probe: {}", list(&last_means, 3)),
        },
        &early.map_or(last_means.clone(), |(i, _)| means(d4, i)),
        early.is_some(),
    ));
    if let Some(d5) = d5 {
        let top: Vec<f64> =
            d5.probes.iter().map(|p| p.layers.last().map_or(f64::NAN, |l| l.activation.mean)).collect();
        let first_drop = top.iter().position(|&m| m < 0.1);
        let stays = first_drop.is_some_and(|i| top[i..].iter().all(|&m| m < 0.1));
        s.checks.push(Check::new(
            "depth 5: top layer mean drops below 0.1 and stays there for the rest of the run",
            "with depth 5 the network never escapes the saturation",
            format!("top-layer means {}", list(&top, 3)),
            &top,
            stays,
        ));
    }
    s.checks.push(escape_check(d4, &means));
    s
}

/// Depth 4's late desaturation of the top layer (needs the full setting's length).
fn escape_check(d4: &RunResult, means: &dyn Fn(&RunResult, usize) -> Vec<f64>) -> Check {
    let criterion = "depth 4: the top layer slowly desaturates around epoch 100";
    let paper = "around epoch 100 (~2M updates), while layer 1 begins to saturate";
    let last = d4.last().updates;
    if last < 2_500_000 {
        return Check::not_checkable(
            criterion,
            paper,
            format!("run ends at {last} updates"),
            "needs ≥ 2.5M updates (the full setting)",
        );
    }
    let top: Vec<f64> = (0..d4.probes.len()).map(|p| means(d4, p)[3]).collect();
    let low = top.iter().cloned().fold(f64::INFINITY, f64::min);
    let end = top[top.len() - 1];
    Check::new(
        criterion,
        paper,
        format!("top-layer mean min {low:.3}, final {end:.3}"),
        &top,
        end > 2.0 * low,
    )
}
