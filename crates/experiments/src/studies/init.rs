//! Figs. 6–8 and eq. 17: a 5-hidden-layer tanh network at initialization,
//! standard vs normalized init, probed on 300 Shapeset test examples —
//! activations (Fig. 6), back-propagated gradients ∂C/∂s (Fig. 7), weight
//! gradients (Fig. 8), and the layer-to-layer Jacobians' singular values.

use std::path::Path;

use nn::probe::{probe, LayerProbe, ProbeConfig, ProbeRecord};
use nn::{Activation, Init, Loss, Mlp};
use serde::{Deserialize, Serialize};

use super::{figure, histogram_line, list, ratio, sci};
use crate::data::shapeset::{streams, Shapeset, CLASSES, SIDE};
use crate::plot::Chart;
use crate::report::{Check, Section, Table};
use crate::setting::Scale;

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

fn stds(record: &ProbeRecord, pick: impl Fn(&LayerProbe) -> f64) -> Vec<f64> {
    record.layers.iter().map(pick).collect()
}

fn spread(values: &[f64]) -> f64 {
    values.iter().cloned().fold(0.0, f64::max) / values.iter().cloned().fold(f64::INFINITY, f64::min)
}

/// One histogram figure (standard and normalized charts) and the std table.
fn histogram_section(
    study: &InitStudy,
    dir: &Path,
    id: &str,
    title: &str,
    what: &str,
    pick: fn(&LayerProbe) -> &nn::probe::Summary,
) -> Section {
    let mut section = Section { id: id.into(), title: title.into(), ..Section::default() };
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
        table.row(vec![name.into(), sci(&s), format!("{:.3}", ratio(s[4], s[0]))]);
    }
    section.tables.push(table);
    section
}

/// Fig. 6: activation histograms.
pub fn fig6(study: &InitStudy, dir: &Path) -> Section {
    let mut s = histogram_section(
        study,
        dir,
        "fig6",
        "Activation values at initialization",
        "activation value",
        |l| &l.activation,
    );
    let (st, no) =
        (stds(&study.standard, |l| l.activation.std), stds(&study.normalized, |l| l.activation.std));
    s.checks.push(Check::new(
        "standard: std(L5)/std(L1) < 0.2 (activations shrink going up)",
        "0-peak grows with layer; reference 0.305 … 0.032 (ratio 0.10)",
        format!("{} (ratio {:.3})", list(&st, 3), ratio(st[4], st[0])),
        ratio(st[4], st[0]) < 0.2,
    ));
    s.checks.push(Check::new(
        "normalized: std(L5)/std(L1) > 0.5",
        "similar across layers; reference 0.452 … 0.278 (ratio 0.62)",
        format!("{} (ratio {:.3})", list(&no, 3), ratio(no[4], no[0])),
        ratio(no[4], no[0]) > 0.5,
    ));
    s
}

/// Fig. 7: back-propagated gradient histograms.
pub fn fig7(study: &InitStudy, dir: &Path) -> Section {
    let mut s = histogram_section(
        study,
        dir,
        "fig7",
        "Back-propagated gradients at initialization",
        "∂C/∂s",
        |l| &l.grad_pre_activation,
    );
    let (st, no) = (
        stds(&study.standard, |l| l.grad_pre_activation.std),
        stds(&study.normalized, |l| l.grad_pre_activation.std),
    );
    s.checks.push(Check::new(
        "standard: std(∂C/∂s, L1)/std(L5) < 0.2 (gradients smaller in lower layers)",
        "0-peak decreases going up; reference ratio 0.10",
        format!("{} (ratio {:.3})", sci(&st), ratio(st[0], st[4])),
        ratio(st[0], st[4]) < 0.2,
    ));
    s.checks.push(Check::new(
        "normalized: std(∂C/∂s, L1)/std(L5) > 0.5",
        "no such decrease; reference ratio 0.64",
        format!("{} (ratio {:.3})", sci(&no), ratio(no[0], no[4])),
        ratio(no[0], no[4]) > 0.5,
    ));
    s
}

/// Fig. 8: weight-gradient histograms.
pub fn fig8(study: &InitStudy, dir: &Path) -> Section {
    let mut s =
        histogram_section(study, dir, "fig8", "Weight gradients at initialization", "∂C/∂W", |l| {
            &l.grad_weight
        });
    for (name, record) in [("standard", &study.standard), ("normalized", &study.normalized)] {
        let w = stds(record, |l| l.grad_weight.std);
        s.checks.push(Check::new(
            &format!("{name}: max/min over layers of std(∂C/∂W) < 1.5 (eq. 14: flat)"),
            "\"the weight gradients do not [get smaller]\"; reference 1.09 / 1.10",
            format!("{} (max/min {:.3})", sci(&w), spread(&w)),
            spread(&w) < 1.5,
        ));
    }
    s
}

/// Eq. 17: mean singular values of ∂z^{l+1}/∂z^l.
pub fn jacobian(study: &InitStudy) -> Section {
    let mut s = Section {
        id: "jacobian".into(),
        title: "Mean singular value of the layer Jacobians (eq. 17)".into(),
        ..Section::default()
    };
    s.text.push(format!(
        "J = W·diag(f'(s)) between consecutive hidden layers of the tanh network at initialization, averaged over {} examples.",
        study.standard.jacobians.first().map_or(0, |j| j.per_example_mean.len())
    ));
    let mut table = Table::new(&["init", "layers 1→2, 2→3, 3→4, 4→5", "paper"]);
    let cases = [
        ("standard", &study.standard, "≈ 0.5", (0.42, 0.56), "reference 0.473 … 0.489"),
        ("normalized", &study.normalized, "≈ 0.8", (0.68, 0.88), "reference 0.712 … 0.776"),
    ];
    for (name, record, paper, (low, high), reference) in cases {
        let means: Vec<f64> = record.jacobians.iter().map(|j| j.mean_singular_value).collect();
        table.row(vec![name.into(), list(&means, 3), paper.into()]);
        let ok = !means.is_empty() && means.iter().all(|m| (low..=high).contains(m));
        s.checks.push(Check::new(
            &format!("{name}: every mean singular value in [{low}, {high}]"),
            &format!("{paper} ({reference})"),
            list(&means, 3),
            ok,
        ));
    }
    s.tables.push(table);
    s
}
