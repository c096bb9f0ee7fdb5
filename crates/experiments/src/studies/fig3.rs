//! Fig. 3: the 98th percentile and the standard deviation of the activations
//! per layer during training, tanh vs softsign with the standard init. Tanh's
//! layers saturate one after the other, the first layer first.

use std::path::Path;

use super::shared::runs::{abs_p98, band_check, best_shapeset_runs, find, percentile_chart, run_text, shapeset_jobs};
use super::{list, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::models::ModelId;
use crate::plan::Plan;
use crate::report::{Check, Section};
use crate::training::RunResult;

/// The study.
pub struct Fig3;

const MODELS: [ModelId; 2] = [ModelId::Tanh, ModelId::Softsign];

impl Study for Fig3 {
    fn command(&self) -> &'static str {
        "fig3"
    }
    fn about(&self) -> &'static str {
        "Fig. 3: 98th percentile and std of activations during training, tanh vs softsign."
    }
    fn title(&self) -> &'static str {
        "Saturation during training: tanh vs softsign (standard init)"
    }
    fn paper_figure(&self) -> &'static str {
        "with standard initialization the 98th percentile of tanh activations reaches ±1 layer after layer during training, the first layer first; softsign layers do not saturate this way."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        shapeset_jobs(plan, &MODELS)
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig3(&best_shapeset_runs(ctx, &MODELS), ctx.dir)]
    }
}

/// First probe index at which layer `l`'s 98th percentile of |z| exceeds 0.95.
fn saturation_onset(run: &RunResult, l: usize) -> Option<usize> {
    run.probes.iter().position(|p| p.layers[l].activation.abs_percentile(98.0).unwrap_or(0.0) > 0.95)
}

/// The section, from the Tanh (and Softsign) runs among `runs`.
pub fn fig3(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(tanh), softsign) = (find(runs, ModelId::Tanh), find(runs, ModelId::Softsign)) else {
        return missing(&Fig3, "the training runs of Tanh and Softsign");
    };
    let mut s = section(&Fig3);
    for run in [Some(tanh), softsign].into_iter().flatten() {
        s.text.push(run_text(run));
        percentile_chart(&mut s, run, dir, "fig3", "Fig. 3");
    }
    s.checks.push(sequence_check(tanh));
    let final_p98: Vec<f64> = tanh.probes.last().map_or(vec![], |p| p.layers.iter().map(abs_p98).collect());
    s.text.push(format!("Tanh, final 98th percentiles of |z| per layer: {}.", list(&final_p98, 3)));
    if let Some(softsign) = softsign {
        s.checks.push(band_check(softsign));
    }
    s
}

/// Tanh's layers saturate in sequence, the first layer first.
fn sequence_check(tanh: &RunResult) -> Check {
    let depth = tanh.probes[0].layers.len();
    let onsets: Vec<Option<usize>> = (0..depth).map(|l| saturation_onset(tanh, l)).collect();
    let sequential = onsets.iter().all(Option::is_some)
        && onsets[0] < onsets[1]
        && onsets.windows(2).skip(1).all(|w| w[0] <= w[1]);
    let shown: Vec<String> =
        onsets.iter().map(|o| o.map_or("never".into(), |i| tanh.probes[i].step.to_string())).collect();
    let all_p98: Vec<f64> = tanh.probes.iter().flat_map(|p| p.layers.iter().map(abs_p98)).collect();
    let mut check = Check::new(
        "tanh: layers saturate in sequence (onset of p98|z| > 0.95: t1 < t2 ≤ t3 ≤ t4 ≤ t5)",
        "layer 1 saturates first, then layer 2, … (over tens of 20k-update epochs)",
        format!("onset updates per layer: {}", shown.join(", ")),
        &all_p98,
        sequential,
    );
    let saturated = onsets.iter().take_while(|o| o.is_some()).count();
    if check.note.is_empty() && !sequential && onsets[saturated..].iter().all(Option::is_none) {
        let in_order = onsets[..saturated].windows(2).all(|w| w[0] <= w[1]);
        check.note = format!(
            "{} within {} updates; in the paper the sequence unfolds over ~10–90 epochs of 20k updates",
            match saturated {
                0 => "no layer saturated".to_string(),
                n => format!(
                    "layers 1–{n} saturated{}, the others not yet",
                    if in_order { " in order" } else { "" }
                ),
            },
            tanh.last().updates,
        );
    }
    check
}
