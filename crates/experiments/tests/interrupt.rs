//! A stop request (what Ctrl-C and SIGTERM send) makes a training run save its
//! checkpoint and return `Error::Interrupted`; resumed, it ends as if never
//! stopped. In its own test binary, its tests taking turns: the stop flag is
//! process-wide.

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

/// The stop flag is process-wide: the tests of this binary take turns, so one
/// test's stop request never lands in another's run.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
    let _turn = take_turn();
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
        tensorboard: None,
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

/// Every summary event of a TensorBoard folder, without its wall-clock time:
/// (step, the encoded values).
fn board_events(dir: &std::path::Path) -> Vec<(i64, Vec<u8>)> {
    use nn::tensorboard::{event_files, read_events, EventKind, SummaryProto};
    use prost::Message;
    let mut out = vec![];
    for file in event_files(dir).unwrap() {
        for event in read_events(&file).unwrap() {
            if let Some(EventKind::Summary(summary)) = event.what {
                out.push((event.step, SummaryProto::encode_to_vec(&summary)));
            }
        }
    }
    out
}

#[test]
fn a_resumed_run_continues_its_tensorboard_events_without_repeating_a_step() {
    let _turn = take_turn();
    let model = ModelId::Tanh.model(false);
    let spec = |board: PathBuf| TrainSpec {
        model: &model,
        width: 12,
        lr: 0.05,
        batch: 10,
        updates: 400,
        eval_every: 100,
        seed: 9,
        probes: true,
        step: StepKind::Plain,
        tensorboard: Some(board),
    };
    let validation = Shapeset::dataset(40, 9, streams::VALIDATION, "validation");
    let test = Shapeset::dataset(50, 9, streams::TEST, "test");
    let probe = test.head(20);
    let reference_board = scratch("board-reference");
    let reference = spec(reference_board.clone());
    train(&reference, &mut Shapeset::new(9, streams::TRAIN), &validation, &test, &probe, &Silent).unwrap();

    let board = scratch("board-resumed");
    let resumed = spec(board.clone());
    let checkpoints = Checkpoints { dir: scratch("board-checkpoint"), every: Duration::from_secs(3600) };
    let run = |progress: &dyn Progress| {
        let mut source = Shapeset::new(9, streams::TRAIN);
        train_resumable(&resumed, &mut source, &validation, &test, &probe, usize::MAX, &checkpoints, progress)
    };
    assert!(matches!(run(&StopAt(250)), Err(Error::Interrupted)));
    interrupt::clear();
    run(&Silent).unwrap();

    let (want, got) = (board_events(&reference_board), board_events(&board));
    let steps: Vec<i64> = got.iter().map(|(step, _)| *step).collect();
    // Per evaluation: the errors, the loss (not at 0), the rate, and at every
    // probe three histograms for each of the five layers.
    assert_eq!(steps.iter().filter(|&&s| s == 0).count(), 3 + 15, "{steps:?}");
    assert_eq!(steps.iter().filter(|&&s| s == 200).count(), 4 + 15, "{steps:?}");
    assert_eq!(got, want, "the resumed run's events are the uninterrupted run's, each once");
}

/// A monitor whose jobs ask for a stop at the first progress report of
/// `target` updates or more in any training run, once. The report each run
/// makes as it starts (its resumed position) does not count, so every stop
/// lands after some training.
struct StopOnce {
    target: u64,
    fired: std::sync::atomic::AtomicBool,
}

struct StopOnceProgress<'m> {
    monitor: &'m StopOnce,
    fresh: std::sync::atomic::AtomicBool,
}

impl Progress for StopOnceProgress<'_> {
    fn start(&self, _total: u64) {
        self.fresh.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    fn set_position(&self, done: u64) {
        if self.fresh.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        if done >= self.monitor.target && !self.monitor.fired.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            interrupt::request_stop();
        }
    }
    fn message(&self, _text: &str) {}
    fn finish(&self) {}
}

impl experiments::progress::Monitor for StopOnce {
    fn job(&self, _key: &str) -> Box<dyn Progress + '_> {
        Box::new(StopOnceProgress { monitor: self, fresh: std::sync::atomic::AtomicBool::new(true) })
    }
    fn warn(&self, _text: &str) {}
}

mod kill_anywhere {
    use std::fs;
    use std::path::Path;
    use std::sync::OnceLock;

    use experiments::interrupt;
    use experiments::progress::Quiet;
    use experiments::runner::{run, Options};
    use experiments::setting::Setting;
    use experiments::studies::StudyId;
    use experiments::Error;
    use proptest::prelude::*;

    use super::{scratch, StopOnce};

    /// A learning-rate search small enough to run many times: Fig. 10 (one
    /// network, Tanh N) at the tiny setting, 2000 updates evaluated every 200,
    /// three rates searched by successive halving: rungs at 400, 1000 and 2000.
    fn options(dir: &Path) -> Options {
        Options {
            updates: Some(2000),
            rates: Some(vec![0.01, 0.03, 0.1]),
            jobs: Some(1),
            checkpoint_seconds: 3600.0,
            ..Options::new(Setting::Tiny, 11, dir)
        }
    }

    /// The files a reader compares: the report in both forms and every CSV file.
    fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().into_string().unwrap())
            .filter(|name| name.starts_with("report.") || name.ends_with(".csv"))
            .map(|name| {
                let bytes = fs::read(dir.join(&name)).unwrap();
                (name, bytes)
            })
            .collect();
        files.sort();
        files
    }

    fn uninterrupted() -> &'static Vec<(String, Vec<u8>)> {
        static REFERENCE: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
        REFERENCE.get_or_init(|| {
            let dir = scratch("kill-anywhere-reference");
            run(StudyId::Fig10, &options(&dir), &Quiet).unwrap();
            outputs(&dir)
        })
    }

    /// Stop points: before, at and just after the rung boundaries (400, 1000),
    /// and anywhere else, in hundreds of updates (progress is reported every 100).
    fn stop_points() -> impl Strategy<Value = Vec<u64>> {
        let near_rungs = prop::sample::select(vec![300u64, 400, 500, 900, 1000, 1100]);
        let anywhere = (1u64..20).prop_map(|h| 100 * h);
        prop::collection::vec(prop_oneof![near_rungs, anywhere], 2..5)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// A search stopped several times at random update counts and resumed
        /// each time writes the same report and CSV files, byte for byte, as one
        /// that ran straight through: its rungs hold the values measured when
        /// each run reached them, not where a checkpoint had got to since.
        #[test]
        fn a_search_stopped_anywhere_and_resumed_reports_byte_for_byte(stops in stop_points()) {
            let _turn = super::take_turn();
            let reference = uninterrupted();
            let dir = scratch("kill-anywhere");
            let mut resume = false;
            let mut stopped = 0;
            for target in stops {
                let monitor = StopOnce { target, fired: false.into() };
                let result = run(StudyId::Fig10, &Options { resume, ..options(&dir) }, &monitor);
                interrupt::clear();
                resume = true;
                match result {
                    Err(Error::Interrupted) => stopped += 1,
                    Ok(_) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            run(StudyId::Fig10, &Options { resume, ..options(&dir) }, &Quiet).unwrap();
            prop_assert!(stopped >= 1, "at least the first stop lands before the end");
            let resumed = outputs(&dir);
            prop_assert_eq!(resumed.len(), reference.len());
            for ((name, bytes), (_, expected)) in resumed.iter().zip(reference.iter()) {
                prop_assert!(bytes == expected, "{} differs after {} stop(s)", name, stopped);
            }
        }
    }
}
