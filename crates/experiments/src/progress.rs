//! How long work tells how far it got, without the library knowing who listens:
//! the CLI draws progress bars, tests and library users pass [`Silent`].

/// Progress of one piece of work (a training run, a study's job).
pub trait Progress: Sync {
    /// The work has `total` steps.
    fn start(&self, total: u64);
    /// `done` steps are done.
    fn set_position(&self, done: u64);
    /// A short status line ("Tanh lr 0.05 — test error 48.3%").
    fn message(&self, text: &str);
    /// The work is done.
    fn finish(&self);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64) {}
    fn set_position(&self, _done: u64) {}
    fn message(&self, _text: &str) {}
    fn finish(&self) {}
}

/// What the runner reports while it works on a run folder: a [`Progress`] per
/// job, and warnings a user must see (a part file that had to be recomputed).
pub trait Monitor: Sync {
    /// The progress of the job whose part is `key`.
    fn job(&self, key: &str) -> Box<dyn Progress + '_>;
    /// Something the user should know that does not stop the run.
    fn warn(&self, text: &str);
}

/// A monitor that shows no progress and prints warnings on standard error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Monitor for Quiet {
    fn job(&self, _key: &str) -> Box<dyn Progress + '_> {
        Box::new(Silent)
    }

    fn warn(&self, text: &str) {
        eprintln!("warning: {text}");
    }
}

/// Progress as plain lines on standard error, for a log file or a batch
/// system's output (where bars would not draw): each job says where it is at
/// most once per `every`, and when it is done.
#[derive(Debug)]
pub struct LogLines {
    every: std::time::Duration,
}

impl LogLines {
    /// A line per job at most once per `every`.
    pub fn new(every: std::time::Duration) -> Self {
        LogLines { every }
    }
}

impl Monitor for LogLines {
    fn job(&self, key: &str) -> Box<dyn Progress + '_> {
        Box::new(LogLine {
            key: key.to_string(),
            every: self.every,
            state: std::sync::Mutex::new(LineState::default()),
        })
    }

    fn warn(&self, text: &str) {
        eprintln!("warning: {text}");
    }
}

/// One job's [`LogLines`] progress.
struct LogLine {
    key: String,
    every: std::time::Duration,
    state: std::sync::Mutex<LineState>,
}

#[derive(Default)]
struct LineState {
    total: u64,
    done: u64,
    message: String,
    last_line: Option<std::time::Instant>,
}

impl LogLine {
    /// Prints the job's line when `force`, or when `every` has passed since the last.
    fn report(&self, state: &mut LineState, force: bool) {
        let due = state.last_line.is_none_or(|t| t.elapsed() >= self.every);
        if !(force || due) {
            return;
        }
        state.last_line = Some(std::time::Instant::now());
        let share = if state.total > 0 { 100.0 * state.done as f64 / state.total as f64 } else { 0.0 };
        eprintln!("{}: {}/{} ({share:.1}%) {}", self.key, state.done, state.total, state.message);
    }
}

impl Progress for LogLine {
    fn start(&self, total: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.total = total;
    }
    fn set_position(&self, done: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.done = done;
        self.report(&mut state, false);
    }
    fn message(&self, text: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.message = text.to_string();
    }
    fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.done = state.done.max(state.total);
        self.report(&mut state, true);
    }
}
