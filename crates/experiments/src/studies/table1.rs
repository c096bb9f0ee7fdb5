//! Table 1: the final test errors beside the paper's.

use super::shared::orderings::{ordering_checks, paper_row, run_of, seeds_less_check, PAPER_TABLE1};
use super::shared::runs::{
    best_image_runs, best_shapeset_runs, image_jobs, searches, seeded_shapeset_runs, shapeset_jobs,
    SearchResult, SeededResult,
};
use super::{section, Context, Study};
use crate::job::AnyJob;
use crate::models::{ModelId, SHAPESET_MODELS};
use crate::plan::Plan;
use crate::report::{Section, Table};
use crate::training::RunResult;

/// The study.
pub struct Table1;

impl Study for Table1 {
    fn command(&self) -> &'static str {
        "table1"
    }
    fn about(&self) -> &'static str {
        "Table 1: final test errors beside the paper's."
    }
    fn title(&self) -> &'static str {
        "Test error (%) beside the paper's Table 1"
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        let mut jobs = shapeset_jobs(plan, &SHAPESET_MODELS);
        jobs.extend(image_jobs(plan));
        jobs
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        let scale = &ctx.plan.scale;
        let budgets = Budgets { shapeset: scale.updates, images: scale.image_updates };
        let mut section =
            table1(&best_shapeset_runs(ctx, &SHAPESET_MODELS), &best_image_runs(ctx), budgets);
        let seeded = seeded_shapeset_runs(ctx, &SHAPESET_MODELS);
        if !seeded.is_empty() {
            seeds_table(&mut section, &seeded, budgets.shapeset);
        }
        let searches = searches(ctx);
        if !searches.is_empty() {
            section.text.push(
                "Learning rates chosen by successive halving on the validation set: every rate starts, and at each rung the better half (by validation error) goes on to twice the updates, until one trains to the end.".into(),
            );
            section.tables.push(search_table(&searches));
            section.text.extend(search_notes(&searches, &ctx.plan.scale.learning_rates));
        }
        vec![section]
    }
}

/// Which rates each search tried, how far each ran, and which it kept.
fn search_table(searches: &[(String, ModelId, std::sync::Arc<SearchResult>)]) -> Table {
    let mut table = Table::new(&["data", "model", "rung: updates — validation error per rate", "kept"]);
    for (data, model, search) in searches {
        let rungs: Vec<String> = search
            .rungs_from_curves()
            .iter()
            .map(|rung| {
                let rates: Vec<String> =
                    rung.validation.iter().map(|(lr, e)| format!("{lr}: {:.2}%", 100.0 * e)).collect();
                format!("{} — {}", rung.updates, rates.join(", "))
            })
            .collect();
        table.row(vec![
            data.clone(),
            model.name(data != "shapeset").into(),
            rungs.join("; "),
            search.kept.to_string(),
        ]);
    }
    table
}

/// The updates a run of each kind trains when it finishes (a partial report
/// marks the runs short of them and leaves them out of the orderings).
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    /// Updates per Shapeset run.
    pub shapeset: usize,
    /// Updates per image-data run.
    pub images: usize,
}

/// The Shapeset errors over seeds: a table of each seed's error, their mean
/// and spread beside the first seed's interval, and the paper's orderings
/// decided over seeds (the first seed's search chose the rate every seed uses).
/// Runs still training are shown as such and left out of the mean and the
/// orderings.
fn seeds_table(section: &mut Section, seeded: &[(ModelId, std::sync::Arc<SeededResult>)], updates: usize) {
    let mut table = Table::new(&[
        "model",
        "Shapeset (paper)",
        "first seed, ± 95% interval",
        "test error per seed (%)",
        "mean ± sd over seeds (%)",
    ]);
    for (model, result) in seeded {
        let runs = result.runs();
        let errors: Vec<f64> =
            runs.iter().filter(|(_, r)| r.finished(updates)).map(|(_, r)| 100.0 * r.last().test_error).collect();
        let (mean, sd) = crate::stats::mean_and_sd(&errors);
        let per_seed: Vec<String> = runs
            .iter()
            .map(|(seed, r)| format!("{seed}: {:.2}{}", 100.0 * r.last().test_error, r.running_note(updates)))
            .collect();
        let spread = match errors.len() {
            0 => "none finished yet".to_string(),
            n => format!("{mean:.2} ± {sd:.2} ({n} seeds)"),
        };
        table.row(vec![
            model.name(false).into(),
            paper_row(*model).map_or("—".into(), |p| format!("{:.2}", p[0])),
            cell(runs.first().map(|(_, r)| *r), updates),
            per_seed.join(", "),
            spread,
        ]);
    }
    section.text.push("Over seeds: each network trained again from each later seed at the learning rate the first seed's search kept (initial weights and training stream change with the seed; validation and test sets do not). The spread over seeds is the variation between training runs that a single run's interval over test examples does not include.".into());
    section.tables.push(table);
    // Each network's runs seed by seed, up to the first still training.
    let of = |model: ModelId| -> Option<Vec<&RunResult>> {
        seeded
            .iter()
            .find(|(m, _)| *m == model)
            .map(|(_, r)| r.runs().into_iter().map(|(_, run)| run).take_while(|run| run.finished(updates)).collect())
    };
    let pairs = [
        (ModelId::TanhN, "normalized init helps tanh"),
        (ModelId::Softsign, "softsign is more robust to the initialization"),
        (ModelId::SoftsignN, "softsign is more robust to the initialization"),
    ];
    for (better, paper) in pairs {
        if let (Some(a), Some(b)) = (of(better), of(ModelId::Tanh)) {
            let n = a.len().min(b.len());
            let checks = seeds_less_check(
                &format!("Shapeset (Table 1): err({}) < err(Tanh)", better.name(false)),
                paper,
                &a[..n],
                &b[..n],
            );
            // The first seed's test-example check is already among the section's checks.
            section.checks.extend(checks.into_iter().filter(|c| c.criterion.ends_with("over seeds")));
        }
    }
}

/// What a reader of the search table must know: a kept rate at an edge of its
/// grid (the best rate may lie beyond it), and rung values a search recorded
/// differently from its curves (searches resumed before rungs were read from
/// the curves; the table shows the curves' values).
pub fn search_notes(
    searches: &[(String, ModelId, std::sync::Arc<SearchResult>)],
    grid: &[f64],
) -> Vec<String> {
    let mut notes = vec![];
    let (low, high) =
        (grid.iter().cloned().fold(f64::INFINITY, f64::min), grid.iter().cloned().fold(0.0, f64::max));
    for (data, model, search) in searches {
        let name = model.name(data != "shapeset");
        if grid.len() > 1 && (search.kept == low || search.kept == high) {
            let edge = if search.kept == low { "lowest" } else { "highest" };
            notes.push(format!(
                "Edge of the grid: {data} {name} kept {}, the {edge} rate tried; its best rate may lie beyond the grid.",
                search.kept
            ));
        }
        let (wrong, other_choice) = search.misrecorded();
        if !wrong.is_empty() {
            let values: Vec<String> = wrong
                .iter()
                .map(|(updates, lr, was, is)| {
                    format!("rate {lr} at {updates}: recorded {:.2}%, curve {:.2}%", 100.0 * was, 100.0 * is)
                })
                .collect();
            notes.push(format!(
                "Corrected rung values ({data} {name}; the search recorded a later value after a resume): {}. {}",
                values.join("; "),
                if other_choice {
                    "With the curves' values the search would have kept other rates at some rung."
                } else {
                    "The curves' values keep the same rates at every rung."
                }
            ));
        }
    }
    notes
}

/// A table cell: the error in %, ± the larger side of its 95% interval when the
/// test-set size is recorded, marked † when the network did not train, and
/// with how far it got when it is still training towards `updates`.
fn cell(run: Option<&RunResult>, updates: usize) -> String {
    run.map_or("—".to_string(), |r| {
        let error = r.last().test_error;
        let spread = r.test_examples.map_or(String::new(), |n| {
            let (lo, hi) = crate::stats::wilson_interval(error, n);
            format!(" ±{:.2}", 100.0 * (hi - error).max(error - lo))
        });
        let mark = if r.did_not_train() { " †" } else { "" };
        format!("{:.2}{spread}{mark}{}", 100.0 * error, r.running_note(updates))
    })
}


/// The section, from the selected Shapeset runs and those of each image data set.
pub fn table1(shapeset: &[RunResult], by_data: &[(String, Vec<RunResult>)], budgets: Budgets) -> Section {
    let mut s = section(&Table1);
    let mut header = vec!["model".to_string(), "Shapeset (paper)".into(), "Shapeset (here)".into()];
    for (data, _) in by_data {
        let paper_column = if data.contains("cifar") { "CIFAR-10" } else { "MNIST" };
        header.push(format!("{paper_column} (paper)"));
        header.push(format!("{data} (here)"));
    }
    let mut table = Table { header, rows: vec![] };
    let models: Vec<ModelId> = if shapeset.is_empty() {
        PAPER_TABLE1.iter().map(|(m, _)| *m).collect()
    } else {
        SHAPESET_MODELS.into_iter().filter(|&m| run_of(shapeset, m).is_some()).collect()
    };
    for model in models {
        let paper = paper_row(model);
        let mut row = vec![
            model.name(false).to_string(),
            paper.map_or("—".into(), |p| format!("{:.2}", p[0])),
            cell(run_of(shapeset, model), budgets.shapeset),
        ];
        for (data, runs) in by_data {
            let column = if data.contains("cifar") { 2 } else { 1 };
            // The image-data networks are all depth 5: Sigmoid depth 4 has no image column.
            let on_images = model != ModelId::SigmoidDepth4;
            row.push(paper.filter(|_| on_images).map_or("—".into(), |p| format!("{:.2}", p[column])));
            row.push(if on_images { cell(run_of(runs, model), budgets.images) } else { "—".into() });
        }
        table.row(row);
    }
    s.tables.push(table);
    s.text.push(
        "The paper's Shapeset numbers come from 5 million updates of 1000-unit networks with a learning rate chosen per model; a shorter run reports what it reached, not the paper's numbers. Small-ImageNet is not available anywhere and is left out."
            .into(),
    );
    s.text.push("± is the larger side of the 95% Wilson interval over the test examples (one seed; the paper's intervals are over its test set too). Orderings are decided by a two-proportion z-test at the paper's p = 0.005: a difference within the noise is reported as not checkable, not as a verdict.".into());
    let untrained = shapeset.iter().chain(by_data.iter().flat_map(|(_, r)| r)).any(RunResult::did_not_train);
    if untrained {
        s.text.push(
            "† did not train: the test error is no better than always answering the most frequent class."
                .into(),
        );
    }
    let finished: Vec<RunResult> = shapeset.iter().filter(|r| r.finished(budgets.shapeset)).cloned().collect();
    if finished.len() < shapeset.len() {
        s.text.push("A run marked running is still training: its error is where it stands, and the orderings leave it out until it finishes.".into());
    }
    s.checks = ordering_checks(&finished, "Shapeset (Table 1)");
    s
}
