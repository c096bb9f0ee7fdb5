//! A stop request (what Ctrl-C and SIGTERM send) makes a training run save its
//! checkpoint and return `Error::Interrupted`; resumed, it ends as if never
//! stopped. In its own test binary: the stop flag is process-wide.

use std::path::PathBuf;
use std::time::Duration;

use experiments::data::shapeset::{streams, Shapeset};
use experiments::interrupt;
use experiments::models::ModelId;
use experiments::progress::{Progress, Silent};
use experiments::training::{train, train_resumable, Checkpoints, RunResult, StepKind, TrainSpec};
use experiments::Error;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-stop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn timeless(mut run: RunResult) -> RunResult {
    run.seconds = 0.0;
    run
}

/// Asks for a stop once the run reports `at` updates.
struct StopAt(u64);

impl Progress for StopAt {
    fn start(&self, _total: u64) {}
    fn set_position(&self, done: u64) {
        if done >= self.0 {
            interrupt::request_stop();
        }
    }
    fn message(&self, _text: &str) {}
    fn finish(&self) {}
}

#[test]
fn a_stop_request_saves_a_checkpoint_that_resumes_bit_for_bit() {
    let model = ModelId::Softsign.model(false);
    let spec = TrainSpec {
        model: &model,
        width: 12,
        lr: 0.05,
        batch: 10,
        updates: 400,
        eval_every: 150,
        seed: 9,
        probes: true,
        step: StepKind::Plain,
    };
    let validation = Shapeset::dataset(40, 9, streams::VALIDATION, "validation");
    let test = Shapeset::dataset(50, 9, streams::TEST, "test");
    let probe = test.head(20);
    let reference =
        train(&spec, &mut Shapeset::new(9, streams::TRAIN), &validation, &test, &probe, &Silent).unwrap();

    let dir = scratch("stop-request");
    let checkpoints = Checkpoints { dir: dir.clone(), every: Duration::from_secs(3600) };
    // A fresh generator each time, as in a new process after the kill.
    let run = |progress: &dyn Progress| {
        let mut source = Shapeset::new(9, streams::TRAIN);
        train_resumable(&spec, &mut source, &validation, &test, &probe, usize::MAX, &checkpoints, progress)
    };
    let stopped = run(&StopAt(200));
    interrupt::clear();
    assert!(matches!(stopped, Err(Error::Interrupted)), "{stopped:?}");
    let saved = experiments::training::checkpoint_result(&dir).unwrap();
    assert!(saved.curve.len() == 2, "stopped after update 200, before the end: {:?}", saved.curve);
    let resumed = run(&Silent).unwrap();
    assert_eq!(timeless(resumed), timeless(reference));
}
