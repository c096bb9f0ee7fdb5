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
