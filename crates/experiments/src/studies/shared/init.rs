//! What Figs. 6–8 and eq. 17 share: a 5-hidden-layer tanh network at
//! initialization, standard vs normalized init, probed on 300 Shapeset test
//! examples — one job whose part holds the probes of both networks, and the
//! histogram figure the three figures draw alike.

use std::path::Path;

use nn::probe::{probe, LayerProbe, ProbeConfig, ProbeRecord};
use nn::{Activation, Init, Loss, Mlp};
use serde::{Deserialize, Serialize};

use crate::data::shapeset::{streams, Shapeset, CLASSES, SIDE};
use crate::error::Result;
use crate::job::{boxed, AnyJob, Inputs, Job};
use crate::plot::Chart;
use crate::progress::Progress;
use crate::report::{Section, Table};
use crate::setting::Scale;
use crate::studies::{figure, histogram_line, sci, Context};

/// Probes of the two initializations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitStudy {
    /// Hidden width used.
    pub width: usize,
    /// Probe examples used.
    pub examples: usize,
    /// Tanh, standard init (eq. 1).
    pub standard: ProbeRecord,
    /// Tanh, normalized init (eq. 16).
    pub normalized: ProbeRecord,
}

/// Builds both networks (same seed) and probes them on the fixed test examples.
pub fn run(scale: &Scale, seed: u64) -> InitStudy {
    let test = Shapeset::dataset(scale.probe_examples, seed, streams::TEST, "shapeset test");
    let batch = test.head::<f32>(scale.probe_examples);
    let config = ProbeConfig { jacobian_examples: scale.jacobian_examples, ..ProbeConfig::default() };
    let widths = [vec![SIDE * SIDE], vec![scale.init_width; 5], vec![CLASSES]].concat();
    let record = |init: Init| {
        let mlp = Mlp::<f32>::builder(&widths).hidden(Activation::Tanh).init(init).seed(seed).build();
        probe(&mlp, &batch.x, &batch.labels, Loss::SoftmaxCrossEntropy, &config, 0)
    };
    InitStudy {
        width: scale.init_width,
        examples: scale.probe_examples,
        standard: record(Init::Standard),
        normalized: record(Init::Normalized),
    }
}

/// The job: probe both networks at initialization (part `init`).
#[derive(Debug, Clone, Copy)]
pub struct InitJob;

impl Job for InitJob {
    type Part = InitStudy;

    fn key(&self) -> String {
        "init".into()
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<InitStudy> {
        progress.message("probing tanh networks at initialization");
        let study = run(&inputs.scale, inputs.seed);
        progress.finish();
        Ok(study)
    }
}

/// The init job, for a study's job list.
pub fn jobs() -> Vec<Box<dyn AnyJob>> {
    vec![boxed(InitJob)]
}

/// The probes, if the run folder holds them.
pub fn load(ctx: &Context<'_>) -> Option<std::sync::Arc<InitStudy>> {
    ctx.parts.load(&InitJob)
}

/// Per-layer values picked from a probe record.
pub fn stds(record: &ProbeRecord, pick: impl Fn(&LayerProbe) -> f64) -> Vec<f64> {
    record.layers.iter().map(pick).collect()
}

/// max/min of `values`.
pub fn spread(values: &[f64]) -> f64 {
    values.iter().cloned().fold(0.0, f64::max) / values.iter().cloned().fold(f64::INFINITY, f64::min)
}

/// One histogram figure (standard and normalized charts) and the std table,
/// into `section` (whose id names the figure files).
pub fn histogram_section(
    mut section: Section,
    study: &InitStudy,
    dir: &Path,
    what: &str,
    pick: fn(&LayerProbe) -> &nn::probe::Summary,
) -> Section {
    let (id, title) = (section.id.clone(), section.title.clone());
    section.text.push(format!(
        "Tanh network 1024-{w}×5-9 at initialization (zero biases), {n} Shapeset test examples; normalized histograms of {what} per layer.",
        w = study.width,
        n = study.examples
    ));
    let mut table = Table::new(&["init", "std layer 1..5", "std(L5)/std(L1)"]);
    for (name, record) in [("standard", &study.standard), ("normalized", &study.normalized)] {
        let mut chart = Chart::new(format!("{title}: {name} initialization"), what, "normalized frequency");
        for layer in &record.layers {
            chart.lines.push(histogram_line(format!("layer {}", layer.layer), &pick(layer).histogram));
        }
        figure(&mut section, dir, &format!("{id}_{name}"), &chart);
        let s = stds(record, |l| pick(l).std);
        table.row(vec![name.into(), sci(&s), format!("{:.3}", s[4] / s[0])]);
    }
    section.tables.push(table);
    section
}
