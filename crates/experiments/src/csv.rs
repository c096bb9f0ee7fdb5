//! The CSV files of a run folder, written from the parts the report read:
//! `curves.csv` (every training run's learning curve), `probes.csv` (per-layer
//! statistics of the selected Shapeset runs) and `init_stats.csv` (the
//! networks at initialization).

use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::job::Parts;
use crate::models::SHAPESET_MODELS;
use crate::studies::shared::init::InitStudy;
use crate::studies::shared::runs::SearchResult;
use crate::training::RunResult;

fn write_csv(path: &Path, header: &str, rows: Vec<String>) -> Result<()> {
    let text = std::iter::once(header.to_string()).chain(rows).collect::<Vec<_>>().join("\n") + "\n";
    fs::write(path, text).map_err(|e| Error::io(path, e))
}

fn is_shapeset(run: &RunResult) -> bool {
    run.data.starts_with("shapeset")
}

/// For each Shapeset model, its selected run: the kept rate of its search, or
/// the run with the lowest final validation error.
fn selected_shapeset<'r>(
    runs: &'r [Arc<RunResult>],
    searches: &'r [Arc<SearchResult>],
) -> Vec<&'r RunResult> {
    SHAPESET_MODELS
        .iter()
        .filter_map(|&model| {
            let of_model = |r: &&RunResult| is_shapeset(r) && r.model.id() == Some(model);
            let searched = searches.iter().filter_map(|s| s.selected()).find(of_model);
            searched
                .or_else(|| RunResult::lowest_validation(runs.iter().map(|r| r.as_ref()).filter(of_model)))
        })
        .collect()
}

fn curve_rows(runs: &[Arc<RunResult>]) -> Vec<String> {
    let mut ordered: Vec<&RunResult> = runs.iter().map(|r| r.as_ref()).collect();
    ordered.sort_by_key(|r| !is_shapeset(r)); // stable: Shapeset first, then image data
    ordered
        .into_iter()
        .flat_map(|r| {
            r.curve.iter().map(move |c| {
                let loss = c.train_loss.map_or(String::new(), |l| l.to_string());
                format!(
                    "{},{},{},{},{},{},{loss}",
                    r.data, r.model.name, r.lr, c.updates, c.test_error, c.validation_error
                )
            })
        })
        .collect()
}

fn probe_rows(runs: &[&RunResult]) -> Vec<String> {
    runs.iter()
        .flat_map(|r| {
            r.probes.iter().flat_map(move |p| {
                p.layers.iter().map(move |l| {
                    format!(
                        "{},{},{},{},{},{},{},{},{},{}",
                        r.model.name,
                        p.step,
                        l.layer,
                        l.activation.mean,
                        l.activation.std,
                        l.activation.percentile(98.0).unwrap_or(f64::NAN),
                        l.activation.abs_percentile(98.0).unwrap_or(f64::NAN),
                        l.grad_pre_activation.std,
                        l.grad_weight.std,
                        l.saturation.first().map_or(f64::NAN, |s| s.1)
                    )
                })
            })
        })
        .collect()
}

fn init_rows(init: &InitStudy) -> Vec<String> {
    [("standard", &init.standard), ("normalized", &init.normalized)]
        .iter()
        .flat_map(|(name, r)| {
            r.layers.iter().map(move |l| {
                format!(
                    "{name},{},{},{},{}",
                    l.layer, l.activation.std, l.grad_pre_activation.std, l.grad_weight.std
                )
            })
        })
        .collect()
}

/// Writes the CSV files of `dir` from the parts read so far.
pub fn write_csvs(dir: &Path, parts: &Parts) -> Result<()> {
    let searches = parts.loaded::<SearchResult>();
    // Single runs, and every rate's run of each learning-rate search.
    let mut runs = parts.loaded::<RunResult>();
    runs.extend(searches.iter().flat_map(|s| s.runs.iter().cloned().map(Arc::new)));
    write_csv(
        &dir.join("curves.csv"),
        "data,model,lr,updates,test_error,validation_error,train_loss",
        curve_rows(&runs),
    )?;
    write_csv(
        &dir.join("probes.csv"),
        "model,updates,layer,activation_mean,activation_std,activation_p98,activation_abs_p98,grad_s_std,grad_w_std,saturated_0.9",
        probe_rows(&selected_shapeset(&runs, &searches)),
    )?;
    if let Some(init) = parts.loaded::<InitStudy>().first() {
        write_csv(
            &dir.join("init_stats.csv"),
            "init,layer,activation_std,grad_s_std,grad_w_std",
            init_rows(init),
        )?;
    }
    Ok(())
}
