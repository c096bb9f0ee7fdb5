//! How many threads a large matrix product may use (default 1), and the few
//! long-lived worker threads that share its columns.
//!
//! A product whose output has enough columns is split by columns — the split
//! that helps a minibatch of 10 times a 1000×1000 weight, where a GEMM's own
//! threading finds nothing to share. Workers are started once and reused, so a
//! split costs a channel message, not a thread spawn. Element-wise ops stay on
//! one thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Mutex, OnceLock};

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets the number of threads matrix products may use (at least 1).
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The number of threads matrix products may use.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

type Task = Box<dyn FnOnce() + Send>;

/// A worker: where to send it tasks, and where it reports each one done.
struct Worker {
    tasks: Sender<Task>,
    done: Receiver<()>,
}

fn workers() -> &'static Mutex<Vec<Worker>> {
    static WORKERS: OnceLock<Mutex<Vec<Worker>>> = OnceLock::new();
    WORKERS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Runs `tasks[0]` on this thread and the others on workers, returning when all
/// are done. The tasks may only touch memory that outlives this call.
pub(crate) fn run_parallel(mut tasks: Vec<Task>) {
    let here = tasks.remove(0);
    if tasks.is_empty() {
        return here();
    }
    let mut pool = workers().lock().unwrap_or_else(|e| e.into_inner());
    while pool.len() < tasks.len() {
        let (task_tx, task_rx) = channel::<Task>();
        let (done_tx, done_rx) = channel();
        std::thread::spawn(move || {
            for task in task_rx {
                task();
                if done_tx.send(()).is_err() {
                    return;
                }
            }
        });
        pool.push(Worker { tasks: task_tx, done: done_rx });
    }
    let sent = tasks.len();
    for (worker, task) in pool.iter().zip(tasks) {
        worker.tasks.send(task).expect("workers live as long as the process");
    }
    here();
    for worker in pool.iter().take(sent) {
        worker.done.recv().expect("a worker reports every task");
    }
}
