//! How many threads a large matrix product may use (default 1), and the few
//! long-lived worker threads that share its columns.
//!
//! A product whose output has enough columns is split by columns — the split
//! that helps a minibatch of 10 times a 1000×1000 weight, where a GEMM's own
//! threading finds nothing to share. Workers are started once and reused; a
//! split sends each worker a pointer to the job and its part number over a
//! one-slot channel, so it allocates nothing, and waiting threads spin for up
//! to 2 ms (`SPIN`) before they sleep. In-place updates of large tensors
//! (an optimizer's step, [`Tensor::zip_assign`](crate::Tensor::zip_assign))
//! and element-wise passes over contiguous tensors split their elements the
//! same way (`split_range`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets the number of threads matrix products and long element-wise passes
/// may use (at least 1), for the whole process, until the returned guard is
/// dropped: then the count it replaced comes back. Keep the guard for as long
/// as the setting should hold:
///
/// ```
/// let _two = tensor::set_threads(2);
/// assert_eq!(tensor::threads(), 2);
/// {
///     let _one = tensor::set_threads(1);
///     assert_eq!(tensor::threads(), 1);
/// }
/// assert_eq!(tensor::threads(), 2);
/// ```
pub fn set_threads(n: usize) -> ThreadsGuard {
    ThreadsGuard { previous: THREADS.swap(n.max(1), Ordering::Relaxed) }
}

/// Restores, when dropped, the thread count that [`set_threads`] replaced.
#[must_use = "the previous thread count comes back as soon as this guard is dropped"]
#[derive(Debug)]
pub struct ThreadsGuard {
    previous: usize,
}

impl Drop for ThreadsGuard {
    fn drop(&mut self) {
        THREADS.store(self.previous, Ordering::Relaxed);
    }
}

/// The number of threads matrix products and long element-wise passes may use.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// A pointer (or a value holding pointers) that may cross to a worker thread:
/// each part writes only its own share of the output and reads the inputs.
#[derive(Clone, Copy)]
pub(crate) struct Shared<T>(pub(crate) T);
// SAFETY: used only for disjoint writes and shared reads within one `run_parallel` call.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Shared<T> {}

/// A job every part of which runs on its own thread: `job(part)` (its real
/// lifetime erased while a worker holds it; see `run_parallel`).
type Job = dyn Fn(usize) + Sync + 'static;

/// One part of a job, for a worker. The pointer is valid until the worker
/// reports the part done: `run_parallel` waits for that before returning.
struct Part {
    job: *const Job,
    part: usize,
}

// SAFETY: `Job` is `Sync`, so calling it from another thread is allowed, and
// `run_parallel` keeps it alive until every part is done.
unsafe impl Send for Part {}

/// A worker: where to send it parts, and where it reports each one done.
struct Worker {
    parts: SyncSender<Part>,
    done: Receiver<()>,
}

fn workers() -> &'static Mutex<Vec<Worker>> {
    static WORKERS: OnceLock<Mutex<Vec<Worker>>> = OnceLock::new();
    WORKERS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Fewest elements per thread worth a split of an element-wise pass: below
/// this, handing a part to a worker costs about as much as the part (a
/// minibatch of 100 × 1000 activations is split in two, one of 10 × 1000 not).
pub(crate) const MIN_ELEMENTS_PER_THREAD: usize = 1 << 14;

/// Runs `part(range)` for stretches of `0..len` that together cover it once,
/// over [`threads()`] threads when `len` is long enough to be worth it (see
/// [`MIN_ELEMENTS_PER_THREAD`]), else `part(0..len)` on this thread.
pub(crate) fn split_range(len: usize, part: &(dyn Fn(std::ops::Range<usize>) + Sync + '_)) {
    let parts = threads().min(len / MIN_ELEMENTS_PER_THREAD).max(1);
    let chunk = len.div_ceil(parts);
    run_parallel(parts, &|p| part((p * chunk).min(len)..((p + 1) * chunk).min(len)));
}

/// Runs `job(0)` on this thread and `job(1)` … `job(parts − 1)` on workers,
/// returning when all are done (also when this thread's part panics); all on
/// this thread when the workers are busy with another split.
pub(crate) fn run_parallel(parts: usize, job: &(dyn Fn(usize) + Sync + '_)) {
    if parts <= 1 {
        return job(0);
    }
    let mut pool = match workers().try_lock() {
        Ok(pool) => pool,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        // The workers are busy: this is a split inside a part of another (a
        // closure of `map` that itself maps a long tensor), or another thread's
        // split. Waiting for them could wait for ourselves: run every part here.
        Err(std::sync::TryLockError::WouldBlock) => return (0..parts).for_each(job),
    };
    while pool.len() < parts - 1 {
        pool.push(spawn_worker());
    }
    // SAFETY: only the lifetime is erased; `Wait` below keeps `job` borrowed
    // until every worker has reported its part done.
    let erased: *const Job =
        unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), *const Job>(job) };
    for (w, worker) in pool.iter().take(parts - 1).enumerate() {
        worker.parts.send(Part { job: erased, part: w + 1 }).expect("workers live as long as the process");
    }
    let _wait = Wait(&pool[..parts - 1]);
    job(0);
}

/// Waits, when dropped, for each of these workers to report its part done.
struct Wait<'a>(&'a [Worker]);

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        // A worker whose part panicked has exited without reporting: its part is
        // over either way, but the product is not complete.
        let failed = self.0.iter().filter(|worker| receive(&worker.done).is_none()).count();
        if failed > 0 && !std::thread::panicking() {
            panic!("{failed} matrix-product worker thread(s) panicked");
        }
    }
}

fn spawn_worker() -> Worker {
    let (parts_tx, parts_rx) = sync_channel::<Part>(1);
    let (done_tx, done_rx) = sync_channel(1);
    std::thread::spawn(move || {
        while let Some(Part { job, part }) = receive(&parts_rx) {
            // SAFETY: see `Part`.
            unsafe { (*job)(part) };
            if done_tx.send(()).is_err() {
                return;
            }
        }
    });
    Worker { parts: parts_tx, done: done_rx }
}

/// How long a thread spins for a message before it sleeps: a training step's
/// products come a few microseconds apart, and waking a sleeping thread costs
/// tens of microseconds. The two halves of a product also finish apart when a
/// shared machine slows one core: with 100 µs, the thread that finished first
/// often slept and was late for the next product (Intel Xeon,
/// family 6 model 207, two threads, five alternating runs of 2 s: W1 158.8 → 175.7
/// steps/s, W2 43.3 → 47.6, with 2 ms). Intel's OpenMP spins 200 ms by
/// default (`KMP_BLOCKTIME`).
const SPIN: Duration = Duration::from_millis(2);

/// The next message, spinning for up to [`SPIN`] before blocking; `None` once
/// the sender is gone.
fn receive<T>(channel: &Receiver<T>) -> Option<T> {
    let started = Instant::now();
    while started.elapsed() < SPIN {
        match channel.try_recv() {
            Ok(message) => return Some(message),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
    channel.recv().ok()
}
