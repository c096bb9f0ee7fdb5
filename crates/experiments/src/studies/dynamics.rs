//! What happens to activations and gradients during training (Figs. 2, 3, 4, 9,
//! 10), read from the probes recorded on the fixed probe examples at every
//! evaluation of the Shapeset training runs.

use std::path::Path;

use nn::probe::LayerProbe;

use super::{figure, histogram_line, list};
use crate::plot::{Chart, Line};
use crate::report::{Check, Section, Table};
use crate::setting::PAPER_EPOCH;
use crate::training::RunResult;

fn epochs(updates: u64) -> f64 {
    updates as f64 / PAPER_EPOCH as f64
}

/// One curve per layer of `value(layer probe)` against epochs, with optional error bars.
fn per_layer_lines(
    run: &RunResult,
    label: &str,
    value: impl Fn(&LayerProbe) -> f64,
    error: Option<&dyn Fn(&LayerProbe) -> f64>,
) -> Vec<Line> {
    let depth = run.probes.first().map_or(0, |p| p.layers.len());
    (0..depth)
        .map(|l| {
            let points = run.probes.iter().map(|p| (epochs(p.step), value(&p.layers[l]))).collect();
            let mut line = Line::new(format!("{label}layer {}", l + 1), points);
            line.colour = Some(l);
            line.error = error.map(|e| run.probes.iter().map(|p| e(&p.layers[l])).collect());
            line
        })
        .collect()
}

fn missing(id: &str, title: &str, what: &str) -> Section {
    let mut s = Section { id: id.into(), title: title.into(), ..Section::default() };
    s.text.push(format!("Not computed in this run folder: it needs the training run(s) of {what}."));
    s
}

fn find<'a>(runs: &'a [RunResult], name: &str) -> Option<&'a RunResult> {
    runs.iter().find(|r| r.model.name == name && !r.probes.is_empty())
}

fn run_text(run: &RunResult) -> String {
    let last = run.last();
    format!(
        "{}: widths {}, learning rate {}, {} updates of minibatch 10 on the online Shapeset stream ({:.2} epochs of 20k updates); final test error {:.1}%.",
        run.model.name,
        run.widths.iter().map(usize::to_string).collect::<Vec<_>>().join("-"),
        run.lr,
        last.updates,
        epochs(last.updates as u64),
        100.0 * last.test_error
    )
}

/// Fig. 2: mean and std of sigmoid activations per layer during training.
pub fn fig2(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(d4), d5) = (find(runs, "Sigmoid depth 4"), find(runs, "Sigmoid depth 5")) else {
        return missing("fig2", "Sigmoid activations during training", "Sigmoid depth 4 (and 5)");
    };
    let mut s = Section {
        id: "fig2".into(),
        title: "Sigmoid activations during training (mean ± std per layer)".into(),
        ..Section::default()
    };
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
    let mut table = Table::new(&["updates", "layer means (depth 4)"]);
    for (p, probe) in d4.probes.iter().enumerate() {
        table.row(vec![probe.step.to_string(), list(&means(d4, p), 3)]);
    }
    s.tables.push(table);

    let init = means(d4, 0);
    s.checks.push(Check::new(
        "depth 4, at initialization: every layer's mean within 0.5 ± 0.1",
        "all ≈ 0.5 (zero biases)",
        list(&init, 3),
        init.iter().all(|m| (m - 0.5).abs() < 0.1),
    ));
    let early =
        d4.probes.iter().enumerate().filter(|(_, p)| p.step > 0 && p.step <= 2 * PAPER_EPOCH as u64).find(
            |(i, _)| {
                let m = means(d4, *i);
                m[3] < 0.1 && m[..3].iter().all(|&v| v > 0.5) && m[2] > m[1] && m[1] > m[0]
            },
        );
    s.checks.push(Check::new(
        "depth 4, within 40k updates: top layer mean < 0.1 while layers 1–3 > 0.5, ordered L3 > L2 > L1",
        "layer 4 pushed to 0 \"very quickly\"; lower layers > 0.5, decreasing towards the input",
        match early {
            Some((i, p)) => format!("at {} updates: {}", p.step, list(&means(d4, i), 3)),
            None => format!("not seen; last probe: {}", list(&means(d4, d4.probes.len() - 1), 3)),
        },
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
            stays,
        ));
    }
    let last = d4.last().updates;
    let mut escape = Check::new(
        "depth 4: the top layer slowly desaturates around epoch 100",
        "around epoch 100 (~2M updates), while layer 1 begins to saturate",
        format!("run ends at {last} updates"),
        false,
    );
    if last < 2_500_000 {
        escape.passed = None;
        escape.note = "needs ≥ 2.5M updates (the full setting)".into();
    } else {
        let top: Vec<f64> = (0..d4.probes.len()).map(|p| means(d4, p)[3]).collect();
        let low = top.iter().cloned().fold(f64::INFINITY, f64::min);
        escape.passed = Some(top[top.len() - 1] > 2.0 * low);
        escape.measured = format!("top-layer mean min {low:.3}, final {:.3}", top[top.len() - 1]);
    }
    s.checks.push(escape);
    s
}

/// First probe index at which layer `l`'s 98th percentile of |z| exceeds 0.95.
fn saturation_onset(run: &RunResult, l: usize) -> Option<usize> {
    run.probes.iter().position(|p| p.layers[l].activation.abs_percentile(98.0).unwrap_or(0.0) > 0.95)
}

fn p98_band(run: &RunResult) -> f64 {
    run.probes
        .iter()
        .map(|p| {
            let v: Vec<f64> =
                p.layers.iter().map(|l| l.activation.abs_percentile(98.0).unwrap_or(f64::NAN)).collect();
            v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - v.iter().cloned().fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

fn percentile_chart(s: &mut Section, run: &RunResult, dir: &Path, id: &str, title: &str) {
    let mut chart = Chart::new(
        format!("{title}: {}", run.model.name),
        "epochs of 20k updates",
        "98th percentile of |z| (solid), std (dashed)",
    );
    chart.lines =
        per_layer_lines(run, "p98 ", |l| l.activation.abs_percentile(98.0).unwrap_or(f64::NAN), None);
    let mut stds = per_layer_lines(run, "std ", |l| l.activation.std, None);
    stds.iter_mut().for_each(|line| line.dashed = true);
    chart.lines.extend(stds);
    figure(s, dir, &format!("{id}_{}", run.model.key()), &chart);
}

fn band_check(run: &RunResult) -> Check {
    let band = p98_band(run);
    Check::new(
        &format!(
            "{}: the layers' 98th percentiles stay within 0.15 of each other at every probe",
            run.model.name
        ),
        "layers saturate less and together; no layer-by-layer onset",
        format!("largest spread {band:.3}"),
        band <= 0.15,
    )
}

/// Fig. 3: 98th percentiles and std of activations, tanh vs softsign (standard init).
pub fn fig3(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(tanh), softsign) = (find(runs, "Tanh"), find(runs, "Softsign")) else {
        return missing("fig3", "Saturation during training: tanh vs softsign", "Tanh and Softsign");
    };
    let mut s = Section {
        id: "fig3".into(),
        title: "Saturation during training: tanh vs softsign (standard init)".into(),
        ..Section::default()
    };
    for run in [Some(tanh), softsign].into_iter().flatten() {
        s.text.push(run_text(run));
        percentile_chart(&mut s, run, dir, "fig3", "Fig. 3");
    }
    let depth = tanh.probes[0].layers.len();
    let onsets: Vec<Option<usize>> = (0..depth).map(|l| saturation_onset(tanh, l)).collect();
    let sequential = onsets.iter().all(Option::is_some)
        && onsets[0] < onsets[1]
        && onsets.windows(2).skip(1).all(|w| w[0] <= w[1]);
    let shown: Vec<String> =
        onsets.iter().map(|o| o.map_or("never".into(), |i| tanh.probes[i].step.to_string())).collect();
    let mut check = Check::new(
        "tanh: layers saturate in sequence (onset of p98|z| > 0.95: t1 < t2 ≤ t3 ≤ t4 ≤ t5)",
        "layer 1 saturates first, then layer 2, … (over tens of 20k-update epochs)",
        format!("onset updates per layer: {}", shown.join(", ")),
        sequential,
    );
    let saturated = onsets.iter().take_while(|o| o.is_some()).count();
    if !sequential && onsets[saturated..].iter().all(Option::is_none) {
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
    s.checks.push(check);
    let final_p98: Vec<f64> = tanh
        .probes
        .last()
        .unwrap()
        .layers
        .iter()
        .map(|l| l.activation.abs_percentile(98.0).unwrap_or(f64::NAN))
        .collect();
    s.text.push(format!("Tanh, final 98th percentiles of |z| per layer: {}.", list(&final_p98, 3)));
    if let Some(softsign) = softsign {
        s.checks.push(band_check(softsign));
    }
    s
}

/// Fig. 10: tanh with normalized init behaves like softsign.
pub fn fig10(runs: &[RunResult], dir: &Path) -> Section {
    let Some(run) = find(runs, "Tanh N") else {
        return missing("fig10", "Tanh with normalized initialization during training", "Tanh N");
    };
    let mut s = Section {
        id: "fig10".into(),
        title: "Tanh with normalized initialization during training".into(),
        ..Section::default()
    };
    s.text.push(run_text(run));
    percentile_chart(&mut s, run, dir, "fig10", "Fig. 10");
    s.checks.push(band_check(run));
    s
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

fn saturated(layer: &LayerProbe) -> f64 {
    layer.saturation.iter().find(|(t, _)| *t == 0.9).map_or(f64::NAN, |&(_, f)| f)
}

/// Fig. 4: activation histograms at the end of training, tanh and softsign.
pub fn fig4(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(tanh), Some(softsign)) = (find(runs, "Tanh"), find(runs, "Softsign")) else {
        return missing("fig4", "Activation histograms at the end of training", "Tanh and Softsign");
    };
    let mut s = Section {
        id: "fig4".into(),
        title: "Activation histograms at the end of training".into(),
        ..Section::default()
    };
    let mut table =
        Table::new(&["model", "fraction |z| > 0.9 per layer", "fraction 0.6 ≤ |z| ≤ 0.8 per layer"]);
    for run in [tanh, softsign] {
        let last = run.probes.last().unwrap();
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
    let sat: Vec<f64> = tanh.probes.last().unwrap().layers.iter().map(saturated).collect();
    s.checks.push(Check::new(
        "tanh: the fraction |z| > 0.9 is largest in layer 1 and decreases with the layer",
        "important saturation of the lower layers",
        list(&sat, 3),
        sat.windows(2).all(|w| w[0] >= w[1]) && sat[0] > sat[sat.len() - 1],
    ));
    let layers = &softsign.probes.last().unwrap().layers;
    let ok = layers.iter().all(|l| knee_mass(l) > saturated(l));
    s.checks.push(Check::new(
        "softsign: in every layer, mass in 0.6 ≤ |z| ≤ 0.8 exceeds mass in |z| > 0.9",
        "many values around the knees (±0.6 to ±0.8)",
        layers
            .iter()
            .map(|l| format!("L{}: {:.3} vs {:.3}", l.layer, knee_mass(l), saturated(l)))
            .collect::<Vec<_>>()
            .join("; "),
        ok,
    ));
    s
}

/// Fig. 9: standard deviation of the weight gradients per layer during training.
pub fn fig9(runs: &[RunResult], dir: &Path) -> Section {
    let (Some(standard), Some(normalized)) = (find(runs, "Tanh"), find(runs, "Tanh N")) else {
        return missing("fig9", "Weight-gradient spread during training", "Tanh and Tanh N");
    };
    let mut s = Section {
        id: "fig9".into(),
        title: "Weight-gradient standard deviation during training (tanh)".into(),
        ..Section::default()
    };
    for run in [standard, normalized] {
        let mut chart =
            Chart::new(format!("Fig. 9: {}", run.model.name), "epochs of 20k updates", "std of ∂C/∂W");
        chart.log_y = true;
        chart.lines = per_layer_lines(run, "", |l| l.grad_weight.std, None);
        figure(&mut s, dir, &format!("fig9_{}", run.model.key()), &chart);
    }
    let end_ratio = |run: &RunResult| {
        let layers = &run.probes.last().unwrap().layers;
        layers[0].grad_weight.std / layers[layers.len() - 1].grad_weight.std
    };
    let (rs, rn) = (end_ratio(standard), end_ratio(normalized));
    s.checks.push(Check::new(
        "standard: at the end, std(∂C/∂W¹)/std(∂C/∂W⁵) > 2",
        "as training goes on, larger gradients in lower layers, especially with standard init",
        format!("{rs:.3}"),
        rs > 2.0,
    ));
    s.checks.push(Check::new(
        "normalized: at the end, std(∂C/∂W¹)/std(∂C/∂W⁵) within [0.5, 2]",
        "normalized init keeps the same variance across layers",
        format!("{rn:.3}"),
        (0.5..=2.0).contains(&rn),
    ));
    s
}
