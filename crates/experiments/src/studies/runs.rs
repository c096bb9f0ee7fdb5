//! The training runs that several studies share: one job per network, data set
//! and learning rate; the paper's learning-rate selection (lowest final
//! validation error); and the small pieces the training-run studies draw with.

use std::path::Path;
use std::sync::Arc;

use nn::probe::LayerProbe;

use super::Context;
use crate::data::shapeset::{streams, Shapeset};
use crate::data::{DataId, Minibatches};
use crate::error::Result;
use crate::job::{boxed, AnyJob, ImageSource, Inputs, Job};
use crate::models::{ModelId, IMAGE_MODELS};
use crate::plan::Plan;
use crate::plot::Line;
use crate::progress::Progress;
use crate::setting::PAPER_EPOCH;
use crate::training::{train, RunResult, TrainSpec};

/// One network trained on Shapeset (online) or on an image data set.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingJob {
    /// The network.
    pub model: ModelId,
    /// `None` for Shapeset, else the image data set.
    pub images: Option<ImageSource>,
    /// Learning rate.
    pub lr: f64,
}

impl Job for TrainingJob {
    type Part = RunResult;

    fn key(&self) -> String {
        let data = self.images.as_ref().map_or(DataId::Shapeset, |s| s.data);
        format!("{}-{}-lr{}", data.name(), self.model.model(self.images.is_some()).key(), self.lr)
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<RunResult> {
        let scale = &inputs.scale;
        let model = self.model.model(self.images.is_some());
        let mut spec = TrainSpec {
            model: &model,
            width: scale.width,
            lr: self.lr,
            batch: scale.batch,
            updates: scale.updates,
            eval_every: scale.eval_every.min(scale.updates.max(1)),
            seed: inputs.seed,
            probes: true,
        };
        match &self.images {
            None => {
                let (validation, test) = inputs.shapeset();
                let probe = test.head(scale.probe_examples);
                let mut stream = Shapeset::new(inputs.seed, streams::TRAIN);
                train(&spec, &mut stream, validation, test, &probe, progress)
            }
            Some(source) => {
                let sets = inputs.images(source)?;
                spec.updates = scale.image_updates;
                spec.eval_every = scale.eval_every.min(scale.image_updates.max(1));
                spec.probes = false;
                let probe = sets.test.head(scale.probe_examples);
                let mut batches = Minibatches::endless(&sets.train, inputs.seed);
                train(&spec, &mut batches, &sets.validation, &sets.test, &probe, progress)
            }
        }
    }
}

/// The Shapeset jobs of `models`, at every learning rate of the plan.
pub fn shapeset_jobs(plan: &Plan, models: &[ModelId]) -> Vec<TrainingJob> {
    models
        .iter()
        .flat_map(|&model| {
            plan.scale.learning_rates.iter().map(move |&lr| TrainingJob { model, images: None, lr })
        })
        .collect()
}

/// The image-data jobs: every image source × the image models × every learning rate.
pub fn image_jobs(plan: &Plan) -> Vec<TrainingJob> {
    plan.images
        .iter()
        .flat_map(|source| {
            IMAGE_MODELS.iter().flat_map(move |&model| {
                plan.scale.learning_rates.iter().map(move |&lr| TrainingJob {
                    model,
                    images: Some(source.clone()),
                    lr,
                })
            })
        })
        .collect()
}

/// Boxes training jobs for a study's job list.
pub fn boxed_all(jobs: Vec<TrainingJob>) -> Vec<Box<dyn AnyJob>> {
    jobs.into_iter().map(boxed).collect()
}

/// For each model of `jobs` (in their order), the run with the lowest final
/// validation error among its learning rates: the paper's selection.
pub fn best_runs(ctx: &Context<'_>, jobs: &[TrainingJob]) -> Vec<RunResult> {
    let mut models: Vec<ModelId> = vec![];
    for job in jobs {
        if !models.contains(&job.model) {
            models.push(job.model);
        }
    }
    models
        .into_iter()
        .filter_map(|model| {
            jobs.iter()
                .filter(|j| j.model == model)
                .filter_map(|j| ctx.parts.load(j))
                .min_by(|a, b| a.last().validation_error.total_cmp(&b.last().validation_error))
                .map(|run: Arc<RunResult>| (*run).clone())
        })
        .collect()
}

/// The selected Shapeset runs of `models`.
pub fn best_shapeset_runs(ctx: &Context<'_>, models: &[ModelId]) -> Vec<RunResult> {
    best_runs(ctx, &shapeset_jobs(ctx.plan, models))
}

/// The selected runs of every image data set of the plan, by data set name.
pub fn best_image_runs(ctx: &Context<'_>) -> Vec<(String, Vec<RunResult>)> {
    let jobs = image_jobs(ctx.plan);
    ctx.plan
        .images
        .iter()
        .map(|source| {
            let of_source: Vec<TrainingJob> =
                jobs.iter().filter(|j| j.images.as_ref() == Some(source)).cloned().collect();
            (source.data.name().to_string(), best_runs(ctx, &of_source))
        })
        .filter(|(_, runs)| !runs.is_empty())
        .collect()
}

/// The run of `model` among `runs`, if it recorded probes.
pub fn find(runs: &[RunResult], model: ModelId) -> Option<&RunResult> {
    runs.iter().find(|r| r.model.id() == Some(model) && !r.probes.is_empty())
}

/// Updates as the paper's 20k-update epochs.
pub fn epochs(updates: u64) -> f64 {
    updates as f64 / PAPER_EPOCH as f64
}

/// One sentence on a run: its network, length and final error, and whether it trained.
pub fn run_text(run: &RunResult) -> String {
    let last = run.last();
    format!(
        "{}: widths {}, learning rate {}, {} updates of minibatch 10 on the online Shapeset stream ({:.2} epochs of 20k updates); final test error {:.1}%{}.",
        run.model.name,
        run.widths.iter().map(usize::to_string).collect::<Vec<_>>().join("-"),
        run.lr,
        last.updates,
        epochs(last.updates as u64),
        100.0 * last.test_error,
        did_not_train_text(run)
    )
}

/// `" — did not train (…)"` for a run at chance level, else nothing.
pub fn did_not_train_text(run: &RunResult) -> String {
    if !run.did_not_train() {
        return String::new();
    }
    format!(
        " — did not train: no better than always answering the most frequent class ({:.1}%)",
        100.0 * run.chance_error()
    )
}

/// One curve per layer of `value(layer probe)` against epochs, with optional error bars.
pub fn per_layer_lines(
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

/// The 98th percentile of |z| of a layer (NaN when not recorded).
pub fn abs_p98(layer: &LayerProbe) -> f64 {
    layer.activation.abs_percentile(98.0).unwrap_or(f64::NAN)
}

/// The p98-and-std chart of Figs. 3 and 10, drawn into the section.
pub fn percentile_chart(s: &mut crate::report::Section, run: &RunResult, dir: &Path, id: &str, title: &str) {
    let mut chart = crate::plot::Chart::new(
        format!("{title}: {}", run.model.name),
        "epochs of 20k updates",
        "98th percentile of |z| (solid), std (dashed)",
    );
    chart.lines = per_layer_lines(run, "p98 ", abs_p98, None);
    let mut stds = per_layer_lines(run, "std ", |l| l.activation.std, None);
    stds.iter_mut().for_each(|line| line.dashed = true);
    chart.lines.extend(stds);
    super::figure(s, dir, &format!("{id}_{}", run.model.key()), &chart);
}

/// Figs. 3 and 10: the layers' 98th percentiles stay within 0.15 of each other at every probe.
pub fn band_check(run: &RunResult) -> crate::report::Check {
    let per_probe: Vec<Vec<f64>> =
        run.probes.iter().map(|p| p.layers.iter().map(abs_p98).collect()).collect();
    let band = per_probe
        .iter()
        .map(|v| {
            v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - v.iter().cloned().fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max);
    let values: Vec<f64> = per_probe.concat();
    crate::report::Check::new(
        &format!(
            "{}: the layers' 98th percentiles stay within 0.15 of each other at every probe",
            run.model.name
        ),
        "layers saturate less and together; no layer-by-layer onset",
        format!("largest spread {band:.3}"),
        &values,
        band <= 0.15,
    )
}
