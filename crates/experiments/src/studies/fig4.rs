//! Fig. 4: activation histograms at the end of training. Tanh's lower layers
//! are saturated; softsign's values gather around its knees (±0.6 to ±0.8).

use std::path::Path;

use nn::probe::LayerProbe;

use super::shared::runs::{best_shapeset_runs, find, shapeset_jobs};
use super::{figure, histogram_line, list, missing, section, Context, Study};
use crate::job::AnyJob;
use crate::models::ModelId;
use crate::plan::Plan;
use crate::plot::Chart;
use crate::report::{Check, Section, Table};
use crate::training::RunResult;

/// The study.
pub struct Fig4;

const MODELS: [ModelId; 2] = [ModelId::Tanh, ModelId::Softsign];

impl Study for Fig4 {
    fn command(&self) -> &'static str {
        "fig4"
    }
    fn about(&self) -> &'static str {
        "Fig. 4: activation histograms at the end of training, tanh and softsign."
    }
    fn title(&self) -> &'static str {
        "Activation histograms at the end of training"
    }
    fn paper_figure(&self) -> &'static str {
        "at the end of training tanh's lower layers have many values at ±1 (saturated), while softsign's values gather around ±0.6 to ±0.8, non-linear but not saturated."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        shapeset_jobs(plan, &MODELS)
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig4(&best_shapeset_runs(ctx, &MODELS), ctx.dir)]
    }
}

/// Fraction of activations with 0.6 ≤ |z| ≤ 0.8, from a 50-bin histogram over (−1, 1).
fn knee_mass(layer: &LayerProbe) -> f64 {
    let h = &layer.activation.histogram;
    let width = (h.high - h.low) / h.counts.len() as f64;
    let total = (h.counts.iter().sum::<u64>() + h.below + h.above).max(1) as f64;
    let inside = h
        .counts
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let centre = (h.low + (*i as f64 + 0.5) * width).abs();
            (0.6..=0.8).contains(&centre)
        })
        .map(|(_, &c)| c)
        .sum::<u64>();
    inside as f64 / total
}

/// Fraction of activations with |z| > 0.9.
fn saturated(layer: &LayerProbe) -> f64 {
    layer.saturation.iter().find(|(t, _)| *t == 0.9).map_or(f64::NAN, |&(_, f)| f)
}

/// The section, from the Tanh and Softsign runs among `runs`.
pub fn fig4(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(tanh), Some(softsign)) = (find(runs, ModelId::Tanh), find(runs, ModelId::Softsign)) else {
        return missing(&Fig4, "the training runs of Tanh and Softsign");
    };
    let mut s = section(&Fig4);
    let mut table =
        Table::new(&["model", "fraction |z| > 0.9 per layer", "fraction 0.6 ≤ |z| ≤ 0.8 per layer"]);
    for run in [tanh, softsign] {
        let last = run.probes.last().expect("find() returns runs with probes");
        let mut chart = Chart::new(
            format!("Fig. 4: {} after {} updates", run.model.name, last.step),
            "activation value",
            "normalized frequency",
        );
        chart.lines = last
            .layers
            .iter()
            .map(|l| histogram_line(format!("layer {}", l.layer), &l.activation.histogram))
            .collect();
        figure(&mut s, dir, &format!("fig4_{}", run.model.key()), &chart);
        let sat: Vec<f64> = last.layers.iter().map(saturated).collect();
        let knee: Vec<f64> = last.layers.iter().map(knee_mass).collect();
        table.row(vec![run.model.name.clone(), list(&sat, 3), list(&knee, 3)]);
    }
    s.tables.push(table);
    let sat: Vec<f64> = tanh.probes.last().expect("probes").layers.iter().map(saturated).collect();
    s.checks.push(Check::new(
        "tanh: the fraction |z| > 0.9 is largest in layer 1 and decreases with the layer",
        "important saturation of the lower layers",
        list(&sat, 3),
        &sat,
        sat.windows(2).all(|w| w[0] >= w[1]) && sat[0] > sat[sat.len() - 1],
    ));
    let layers = &softsign.probes.last().expect("probes").layers;
    let (knees, sats): (Vec<f64>, Vec<f64>) = layers.iter().map(|l| (knee_mass(l), saturated(l))).unzip();
    s.checks.push(Check::new(
        "softsign: in every layer, mass in 0.6 ≤ |z| ≤ 0.8 exceeds mass in |z| > 0.9",
        "many values around the knees (±0.6 to ±0.8)",
        layers
            .iter()
            .map(|l| format!("L{}: {:.3} vs {:.3}", l.layer, knee_mass(l), saturated(l)))
            .collect::<Vec<_>>()
            .join("; "),
        &[knees.clone(), sats.clone()].concat(),
        knees.iter().zip(&sats).all(|(k, s)| k > s),
    ));
    s
}
