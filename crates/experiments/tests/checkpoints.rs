//! Runs that survive a kill: a run interrupted after k updates and resumed
//! gives the same curves, probes and weights, bit for bit, as one that never
//! stopped — on the Shapeset stream and on a finite data set; and a
//! learning-rate search resumes the same way.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use experiments::data::shapeset::{streams, Shapeset};
use experiments::data::{BatchSource, Dataset, Minibatches};
use experiments::models::ModelId;
use experiments::progress::Silent;
use experiments::studies::shared::runs::rung_updates;
use experiments::training::{
    checkpoint_weights, train, train_resumable, Checkpoints, RunResult, StepKind, TrainSpec,
};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-ckpt-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// A small Shapeset run checkpointed in a scratch folder of its own (a
/// checkpoint an hour: in these tests, only when a run stops), validated
/// and tested on one 50-image test set.
struct SmallRun {
    test: Dataset,
    checkpoints: Checkpoints,
    source: Shapeset,
}

impl SmallRun {
    fn new(name: &str) -> Self {
        SmallRun {
            test: Shapeset::dataset(50, 9, streams::TEST, "test"),
            checkpoints: Checkpoints { dir: scratch(name), every: Duration::from_secs(3600) },
            source: Shapeset::new(9, streams::TRAIN),
        }
    }

    /// `train_resumable` of `spec` in this folder, until `until` updates.
    fn train(
        &mut self,
        spec: &TrainSpec<'_>,
        until: usize,
        progress: &dyn experiments::progress::Progress,
    ) -> experiments::Result<RunResult> {
        let test = &self.test;
        train_resumable(spec, &mut self.source, test, test, &test.head(5), until, &self.checkpoints, progress)
    }
}

#[test]
fn retiring_a_run_whose_weights_are_gone_keeps_its_result() {
    // A search's committed checkpoints may leave out the weights of a rate the
    // next rung is sure to stop; retiring it then must still work.
    let model = ModelId::Tanh.model(false);
    let spec = spec(&model, StepKind::Plain);
    let mut small = SmallRun::new("retire-without-weights");
    let dir = small.checkpoints.dir.clone();
    let run = small.train(&spec, 80, &Silent).unwrap();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "safetensors") {
            fs::remove_file(path).unwrap();
        }
    }
    experiments::training::retire(&dir).unwrap();
    let state = fs::read_to_string(dir.join("state.json")).unwrap();
    assert!(state.contains("\"weights\":null"), "{state}");
    assert_eq!(timeless(experiments::training::checkpoint_result(&dir).unwrap()), timeless(run));
    let _ = fs::remove_dir_all(&dir);
}

/// Progress calls as text, in order.
#[derive(Default)]
struct Recorded(std::sync::Mutex<Vec<String>>);

impl experiments::progress::Progress for Recorded {
    fn start(&self, total: u64) {
        self.0.lock().unwrap().push(format!("start {total}"));
    }
    fn set_position(&self, done: u64) {
        self.0.lock().unwrap().push(format!("at {done}"));
    }
    fn message(&self, text: &str) {
        self.0.lock().unwrap().push(format!("message {text}"));
    }
    fn finish(&self) {
        self.0.lock().unwrap().push("finish".to_string());
    }
}

#[test]
fn a_run_trained_earlier_reports_its_own_length_and_result() {
    // A search replaying its rungs asks again for runs that are done; their
    // progress must read as that run (120 of 120, its test error), not as an
    // empty job ("0/0" in a log).
    let model = ModelId::Tanh.model(false);
    let spec = spec(&model, StepKind::Plain);
    let mut small = SmallRun::new("trained-earlier");
    let dir = small.checkpoints.dir.clone();
    let first = small.train(&spec, usize::MAX, &Silent).unwrap();
    let recorded = Recorded::default();
    let again = small.train(&spec, usize::MAX, &recorded).unwrap();
    assert_eq!(timeless(again), timeless(first.clone()));
    let calls = recorded.0.into_inner().unwrap();
    let error = format!("{:.1}%", 100.0 * first.last().test_error);
    assert_eq!(calls.first().map(String::as_str), Some("start 120"), "{calls:?}");
    assert!(calls.iter().any(|c| c.contains("trained earlier") && c.contains(&error)), "{calls:?}");
    assert_eq!(calls.last().map(String::as_str), Some("finish"), "{calls:?}");
    let _ = fs::remove_dir_all(&dir);
}

fn spec(model: &experiments::models::Model, step: StepKind) -> TrainSpec<'_> {
    TrainSpec {
        model,
        width: 12,
        lr: 0.05,
        batch: 10,
        updates: 120,
        eval_every: 40,
        seed: 9,
        probes: true,
        step,
        tensorboard: None,
    }
}

/// The run's numbers without its wall-clock time, as JSON: serde_json writes
/// each float so that it reads back to the same bits (NaN as null), so equal
/// strings mean bit-equal curves and probes, where `==` on floats would let
/// −0.0 equal 0.0 and fail on NaN.
fn timeless(mut run: RunResult) -> String {
    run.seconds = 0.0;
    serde_json::to_string(&run).unwrap()
}

/// Every parameter's bit patterns, layer by layer.
fn bits(mlp: &nn::Mlp<f32>) -> Vec<Vec<u32>> {
    mlp.parameters().iter().map(|(_, t)| t.to_vec().iter().map(|v| v.to_bits()).collect()).collect()
}

/// Trains uninterrupted, and in three pieces through a checkpoint (stopping at
/// updates that are not evaluation points), with a fresh source each piece, as
/// after a kill; returns both runs and both final networks' checkpoints.
fn both_ways<'d>(step: StepKind, source: &dyn Fn() -> Box<dyn BatchSource + 'd>, name: &str) {
    let model = ModelId::Tanh.model(false);
    let spec = spec(&model, step);
    let validation = Shapeset::dataset(40, 9, streams::VALIDATION, "validation");
    let test = Shapeset::dataset(50, 9, streams::TEST, "test");
    let probe = test.head(20);

    let whole_dir = scratch(&format!("{name}-whole"));
    let whole = Checkpoints { dir: whole_dir.clone(), every: Duration::from_secs(3600) };
    let uninterrupted =
        train_resumable(&spec, source().as_mut(), &validation, &test, &probe, usize::MAX, &whole, &Silent)
            .unwrap();
    let plain = train(&spec, source().as_mut(), &validation, &test, &probe, &Silent).unwrap();
    assert_eq!(timeless(plain), timeless(uninterrupted.clone()), "a checkpointed run = a plain run");

    let pieces_dir = scratch(&format!("{name}-pieces"));
    let pieces = Checkpoints { dir: pieces_dir.clone(), every: Duration::from_secs(3600) };
    for until in [37, 81, usize::MAX] {
        let run =
            train_resumable(&spec, source().as_mut(), &validation, &test, &probe, until, &pieces, &Silent)
                .unwrap();
        if until == 37 {
            assert_eq!(run.curve.len(), 1, "stopping between evaluations adds no point");
        }
    }
    let resumed = experiments::training::checkpoint_result(&pieces_dir).unwrap();
    assert_eq!(timeless(resumed), timeless(uninterrupted), "curves and probes bit for bit");
    assert_eq!(
        bits(&checkpoint_weights(&pieces_dir).unwrap()),
        bits(&checkpoint_weights(&whole_dir).unwrap()),
        "weights bit for bit"
    );
}

#[test]
fn an_interrupted_shapeset_run_resumes_bit_for_bit() {
    both_ways(StepKind::Plain, &|| Box::new(Shapeset::new(9, streams::TRAIN)), "shapeset");
}

#[test]
fn an_interrupted_run_on_a_finite_set_resumes_bit_for_bit() {
    // 35 examples: a pass ends every 3.5 minibatches, so pieces end mid-pass and reshuffles happen in between.
    let data: Dataset = Shapeset::dataset(35, 4, streams::TRAIN, "finite train");
    both_ways(StepKind::Plain, &|| Box::new(Minibatches::endless(&data, 5)), "finite");
}

#[test]
fn fused_steps_resume_bit_for_bit_too() {
    both_ways(StepKind::Fused, &|| Box::new(Shapeset::new(9, streams::TRAIN)), "fused");
}

#[test]
fn a_checkpoint_of_other_settings_is_refused() {
    let model = ModelId::Tanh.model(false);
    let spec = spec(&model, StepKind::Plain);
    let mut small = SmallRun::new("other-settings");
    small.train(&spec, 30, &Silent).unwrap();
    let other = TrainSpec { lr: 0.1, ..spec };
    let result = small.train(&other, 60, &Silent);
    let message = result.unwrap_err().to_string();
    assert!(message.contains("other settings") && message.contains("state.json"), "{message}");
}

#[test]
fn successive_halving_rungs_double_up_to_the_budget() {
    assert_eq!(rung_updates(1, 1000, 10), vec![1000]);
    assert_eq!(rung_updates(2, 1000, 10), vec![500, 1000]);
    assert_eq!(rung_updates(4, 1000, 10), vec![250, 500, 1000]);
    assert_eq!(rung_updates(5, 1000, 100), vec![100, 200, 500, 1000]); // 125 and 250 rounded to evaluations
    let rates = 4.0;
    let cost: f64 = 250.0 * rates + 250.0 * 2.0 + 500.0; // each rung continues the survivors' runs
    assert_eq!(cost, 2.0 * 1000.0, "about 2B updates for 4 rates");
}
