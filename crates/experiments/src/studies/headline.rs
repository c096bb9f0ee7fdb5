//! The paper's headline, settled as well as a run can: standard against
//! normalized initialization of a depth-5 tanh network (Tanh against Tanh N),
//! at a narrow width and at the paper's 1000 units, from several seeds, with
//! each learning rate chosen on validation. It reports the test-error gap
//! Tanh − Tanh N along training for each width, with its spread over seeds,
//! and decides the ordering over test examples and over seeds.

use std::sync::Arc;

use super::shared::orderings::seeds_less_check;
use super::shared::runs::{SeededJob, SeededResult};
use super::{figure, missing, section, Context, Study};
use crate::job::{boxed, AnyJob};
use crate::models::ModelId;
use crate::plan::Plan;
use crate::plot::{Chart, Line};
use crate::report::{Section, Table};
use crate::setting::{LrSearch, Setting};
use crate::stats;
use crate::training::RunResult;

/// The study.
pub struct Headline;

/// The two networks compared.
const MODELS: [ModelId; 2] = [ModelId::Tanh, ModelId::TanhN];

/// The paper's Shapeset errors (Table 1): Tanh 27.15 %, Tanh N 15.60 %.
const PAPER_GAP: f64 = 27.15 - 15.60;

/// The paper's hidden width.
const PAPER_WIDTH: usize = 1000;

/// The widths trained and the seeds at each: the plan's width with every seed
/// of the plan, and the paper's width with the first seed only (a step there
/// costs 2.5–5 times as much as at width 300). The tiny setting stands in
/// twice its width for the paper's, so tests stay fast.
pub fn widths(plan: &Plan) -> Vec<(usize, Vec<u64>)> {
    let seeds = if plan.seeded() { plan.seeds.clone() } else { vec![plan.seed] };
    let narrow = plan.scale.width;
    let wide = if plan.scale.setting == Setting::Tiny { 2 * narrow } else { PAPER_WIDTH };
    let mut widths = vec![(narrow, seeds.clone())];
    if wide != narrow {
        widths.push((wide, seeds[..1].to_vec()));
    }
    widths
}

fn jobs_at(plan: &Plan) -> Vec<(usize, [SeededJob; 2])> {
    let rates = &plan.scale.learning_rates;
    let halving = plan.scale.lr_search == LrSearch::Halving;
    widths(plan)
        .into_iter()
        .map(|(width, seeds)| {
            let job = |model| SeededJob {
                model,
                images: None,
                width,
                seeds: seeds.clone(),
                rates: rates.clone(),
                halving,
            };
            (width, MODELS.map(job))
        })
        .collect()
}

impl Study for Headline {
    fn command(&self) -> &'static str {
        "headline"
    }
    fn about(&self) -> &'static str {
        "Tanh vs Tanh N (standard vs normalized init) at the plan's width and at 1000, over seeds: the test-error gap along training."
    }
    fn title(&self) -> &'static str {
        "The headline: standard against normalized initialization of tanh, by width and seed"
    }
    fn report_title(&self) -> &'static str {
        "Glorot & Bengio (2010), the headline comparison, with gradlab"
    }
    fn in_reproduction(&self) -> bool {
        false
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        jobs_at(plan).into_iter().flat_map(|(_, pair)| pair.map(boxed)).collect()
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        // In a partial report, runs still in progress stand in for missing parts.
        let load = |job: &SeededJob| ctx.parts.load(job).or_else(|| job.in_progress(ctx.parts).map(Arc::new));
        let mut found = vec![];
        for (width, [tanh, tanh_n]) in jobs_at(ctx.plan) {
            if let (Some(a), Some(b)) = (load(&tanh), load(&tanh_n)) {
                found.push(Width { width, tanh: a, tanh_n: b });
            }
        }
        if found.is_empty() {
            return vec![missing(self, "the Tanh and Tanh N runs of at least one width")];
        }
        vec![headline_section(ctx, &found)]
    }
}

/// The two networks' results at one width.
struct Width {
    width: usize,
    tanh: std::sync::Arc<SeededResult>,
    tanh_n: std::sync::Arc<SeededResult>,
}

impl Width {
    /// (seed, Tanh run, Tanh N run) for each seed both have.
    fn pairs(&self) -> Vec<(u64, &RunResult, &RunResult)> {
        let (a, b) = (self.tanh.runs(), self.tanh_n.runs());
        a.iter()
            .filter_map(|&(seed, t)| b.iter().find(|(s, _)| *s == seed).map(|&(_, n)| (seed, t, n)))
            .collect()
    }

    /// [`pairs`](Width::pairs) whose two runs both finished: trained all
    /// `updates` (or stopped by divergence). A partial report compares only these.
    fn finished_pairs(&self, updates: usize) -> Vec<(u64, &RunResult, &RunResult)> {
        self.pairs().into_iter().filter(|(_, t, n)| t.finished(updates) && n.finished(updates)).collect()
    }

    /// The gap Tanh − Tanh N in test error (points) at each update both runs of every seed measured.
    fn gap_curve(&self) -> Vec<(usize, Vec<f64>)> {
        let pairs = self.pairs();
        let Some((_, first, _)) = pairs.first() else { return vec![] };
        first
            .curve
            .iter()
            .map(|c| c.updates)
            .filter_map(|u| {
                let gaps: Option<Vec<f64>> = pairs
                    .iter()
                    .map(|(_, t, n)| {
                        let (pt, pn) = (point(t, u)?, point(n, u)?);
                        Some(100.0 * (pt - pn))
                    })
                    .collect();
                gaps.map(|g| (u, g))
            })
            .collect()
    }
}


/// The test error of `run` at exactly update `updates`, if it measured one there.
fn point(run: &RunResult, updates: usize) -> Option<f64> {
    run.curve.iter().find(|c| c.updates == updates).map(|c| c.test_error)
}

fn headline_section(ctx: &Context<'_>, widths: &[Width]) -> Section {
    let mut s = section(&Headline);
    s.text.push(format!(
        "Both networks are depth 5 (five tanh hidden layers), trained online on Shapeset-3x2 with minibatch 10; Tanh is initialized with the paper's standard rule U[−1/√n, 1/√n], Tanh N with the normalized rule U[−√6/√(n_in + n_out), √6/√(n_in + n_out)]. The first seed chooses each network's learning rate among {:?} by validation error; later seeds train at the rate the first kept. The paper (width 1000, 5M updates): Tanh {:.2}%, Tanh N {:.2}%, a gap of {PAPER_GAP:.2} points.",
        ctx.plan.scale.learning_rates, 27.15, 15.60
    ));
    s.tables.push(final_table(widths, &ctx.plan.scale.learning_rates, ctx.plan.scale.updates));
    s.tables.push(gap_table(widths));
    let mut chart = Chart::new(
        "Test error of Tanh minus Tanh N along training",
        "updates (minibatch 10)",
        "gap in test error (points); bars: range over seeds",
    );
    for (i, w) in widths.iter().enumerate() {
        let curve = w.gap_curve();
        let mean = curve.iter().map(|(u, g)| (*u as f64, stats::mean_and_sd(g).0)).collect();
        let mut line = Line::new(format!("width {} ({} seed(s))", w.width, w.pairs().len()), mean);
        line.colour = Some(i);
        if w.pairs().len() > 1 {
            let half_range = |g: &Vec<f64>| {
                let (lo, hi) = range(g);
                (hi - lo) / 2.0
            };
            line.error = Some(curve.iter().map(|(_, g)| half_range(g)).collect());
        }
        chart.lines.push(line);
    }
    chart
        .lines
        .push(Line::new(format!("the paper's gap at 5M updates ({PAPER_GAP:.2})"), flat(widths, PAPER_GAP)));
    figure(&mut s, ctx.dir, "headline_gap", &chart);
    let mut errors =
        Chart::new("Test error along training", "updates (minibatch 10)", "test error (%), first seed");
    for (i, w) in widths.iter().enumerate() {
        for (run, dashed) in [(w.tanh.search.selected(), false), (w.tanh_n.search.selected(), true)] {
            if let Some(run) = run {
                let points = run.curve.iter().map(|c| (c.updates as f64, 100.0 * c.test_error)).collect();
                let mut line =
                    Line::new(format!("{} width {} (lr {})", run.model.name, w.width, run.lr), points);
                line.colour = Some(i);
                line.dashed = dashed;
                errors.lines.push(line);
            }
        }
    }
    figure(&mut s, ctx.dir, "headline_errors", &errors);
    for w in widths {
        s.checks.extend(checks(w, ctx.plan.scale.updates));
    }
    s.text.push(summary(widths));
    s
}

/// The lowest and highest of `values`.
fn range(values: &[f64]) -> (f64, f64) {
    values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
}

/// A horizontal line at `y` across the updates of the runs.
fn flat(widths: &[Width], y: f64) -> Vec<(f64, f64)> {
    let end = widths.iter().flat_map(|w| w.gap_curve().last().map(|(u, _)| *u)).max().unwrap_or(0);
    vec![(0.0, y), (end as f64, y)]
}

/// Per width and network: the kept rate, each seed's final error (or, for a
/// run in progress, its latest, marked so), and the mean and spread over the
/// seeds that finished all `updates`.
fn final_table(widths: &[Width], grid: &[f64], updates: usize) -> Table {
    let mut table = Table::new(&[
        "width",
        "model",
        "kept rate",
        "test error per seed (%)",
        "mean ± sd over finished seeds (%)",
        "updates",
    ]);
    let (low, high) = grid.iter().fold((f64::INFINITY, 0.0f64), |(l, h), r| (l.min(*r), h.max(*r)));
    for w in widths {
        for result in [&w.tanh, &w.tanh_n] {
            let runs = result.runs();
            let errors: Vec<f64> = runs
                .iter()
                .filter(|(_, r)| r.finished(updates))
                .map(|(_, r)| 100.0 * r.last().test_error)
                .collect();
            let per_seed: Vec<String> = runs
                .iter()
                .map(|(seed, r)| {
                    let untrained = if r.did_not_train() { " †" } else { "" };
                    format!("{seed}: {:.2}{untrained}{}", 100.0 * r.last().test_error, r.running_note(updates))
                })
                .collect();
            let (mean, sd) = stats::mean_and_sd(&errors);
            let kept = result.search.kept;
            let edge =
                if grid.len() > 1 && (kept == low || kept == high) { " (edge of the grid)" } else { "" };
            let name = runs.first().map_or("—".to_string(), |(_, r)| r.model.name.clone());
            let spread = match errors.len() {
                0 => "none finished yet".to_string(),
                1 => format!("{mean:.2} (one seed)"),
                n => format!("{mean:.2} ± {sd:.2} ({n} seeds)"),
            };
            table.row(vec![
                w.width.to_string(),
                name,
                format!("{kept}{edge}"),
                per_seed.join(", "),
                spread,
                updates.to_string(),
            ]);
        }
    }
    table
}

/// The gap at a few points of training (halving fractions of the run), mean over seeds and range.
fn gap_table(widths: &[Width]) -> Table {
    let mut table = Table::new(&["width", "updates", "gap Tanh − Tanh N (points), mean", "range over seeds"]);
    for w in widths {
        let curve = w.gap_curve();
        let Some(&(end, _)) = curve.last() else { continue };
        let mut rows: Vec<&(usize, Vec<f64>)> =
            (0..6).rev().filter_map(|k| curve.iter().find(|(u, _)| *u >= end >> k && *u > 0)).collect();
        rows.dedup_by_key(|(u, _)| *u);
        for (u, gaps) in rows {
            {
                let (mean, _) = stats::mean_and_sd(gaps);
                let (lo, hi) = range(gaps);
                let range = if gaps.len() > 1 { format!("{lo:.2} … {hi:.2}") } else { "one seed".into() };
                table.row(vec![w.width.to_string(), u.to_string(), format!("{mean:.2}"), range]);
            }
        }
    }
    table
}

/// The ordering err(Tanh N) < err(Tanh) at one width: over the test examples
/// of each seed's pair, and over seeds when there are several — of the pairs
/// that finished all `updates` (a run in progress is not a result yet).
fn checks(w: &Width, updates: usize) -> Vec<crate::report::Check> {
    let pairs = w.finished_pairs(updates);
    let tanh: Vec<&RunResult> = pairs.iter().map(|(_, t, _)| *t).collect();
    let tanh_n: Vec<&RunResult> = pairs.iter().map(|(_, _, n)| *n).collect();
    seeds_less_check(
        &format!("width {}: err(Tanh N) < err(Tanh)", w.width),
        "normalized initialization helps tanh (Table 1: 15.60% vs 27.15%)",
        &tanh_n,
        &tanh,
    )
}

/// One paragraph of what the numbers say, written from them.
fn summary(widths: &[Width]) -> String {
    let mut parts = vec![];
    for w in widths {
        let curve = w.gap_curve();
        let (Some((first_u, first)), Some((end_u, end))) = (curve.iter().find(|(u, _)| *u > 0), curve.last())
        else {
            continue;
        };
        let (start, _) = stats::mean_and_sd(first);
        let (last, sd) = stats::mean_and_sd(end);
        let peak =
            curve.iter().map(|(u, g)| (*u, stats::mean_and_sd(g).0)).fold((0, f64::NEG_INFINITY), |a, b| {
                if b.1 > a.1 {
                    b
                } else {
                    a
                }
            });
        let spread =
            if end.len() > 1 { format!(" (sd {sd:.2} over {} seeds)", end.len()) } else { String::new() };
        parts.push(format!(
            "At width {}, the gap is {start:.1} points at update {first_u}, largest ({:.1}) at update {}, and {last:.1}{spread} at update {end_u}, against the paper's {PAPER_GAP:.1} at 5M.",
            w.width, peak.1, peak.0
        ));
    }
    parts.join(" ")
}
