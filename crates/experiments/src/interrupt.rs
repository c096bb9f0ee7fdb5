//! Stopping cleanly: the CLI turns Ctrl-C and SIGTERM into [`request_stop`];
//! training runs check [`stop_requested`] between updates, save their
//! checkpoint and return [`crate::Error::Interrupted`]. The library installs no
//! signal handler itself.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every training run of this process to checkpoint and stop.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// True once a stop was requested.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Clears a stop request (tests run several interrupted runs in one process).
pub fn clear() {
    STOP.store(false, Ordering::SeqCst);
}
