//! How fast one thread of this machine reads memory: the limit of the
//! products that stream a weight matrix once (MM10, W1), as the FMA rate of
//! `core_sharing` is the limit of those that compute (MM100, W2). Not a
//! benchmark of gradlab.
//!
//! It sums buffers of three sizes, again and again, with sixteen independent
//! lanes (a loop the compiler vectorizes without reordering any sum), and
//! prints the best rate over a few passes:
//!
//! * 4 MB — MM10's B (1000 × 1000 f32), which stays in L3 between products;
//! * 20 MB — W1's five weight matrices;
//! * 512 MB — far more than any cache: main memory.
//!
//! Run: `cargo bench --bench memory_bandwidth` (about ten seconds), on an
//! otherwise idle machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Buffers read, with what each stands for.
const SIZES: [(usize, &str); 3] =
    [(4 << 20, "MM10's B"), (20 << 20, "W1's weights"), (512 << 20, "main memory")];
/// Time spent reading each buffer.
const WINDOW: Duration = Duration::from_secs(2);

fn main() {
    println!("memory_bandwidth: one thread summing a buffer, best pass over {WINDOW:?}");
    for (bytes, what) in SIZES {
        let data = vec![1.0f32; bytes / 4];
        let rate = best_rate(&data);
        println!("  {:>4} MB ({what}): {rate:6.1} GB/s", bytes >> 20);
    }
}

/// The best read rate (GB/s) of passes over `data` within [`WINDOW`].
fn best_rate(data: &[f32]) -> f64 {
    let start = Instant::now();
    let mut best = 0.0f64;
    while start.elapsed() < WINDOW {
        let pass = Instant::now();
        black_box(sum(black_box(data)));
        let seconds = pass.elapsed().as_secs_f64();
        best = best.max(std::mem::size_of_val(data) as f64 / seconds / 1e9);
    }
    best
}

/// The sum of `data` in sixteen lanes: each lane adds every sixteenth element
/// in order, so the compiler may keep the lanes in vector registers.
fn sum(data: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    for chunk in data.chunks_exact(16) {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += x;
        }
    }
    lanes.iter().sum()
}
