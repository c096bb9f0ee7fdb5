//! The training-step workloads W1–W3 of BENCHMARKS.md, and a plain timer that
//! prints one comparable line per run (`experiments bench W1 --matmul-threads 2`).
//!
//! One step = forward + backward + SGD update, f32, softmax cross-entropy:
//! * W1: 1024→1000×5 (tanh)→9, lr 0.01, minibatch 10 — the paper's network;
//! * W2: W1 at minibatch 100;
//! * W3: 784→30→30→30→30→10 sigmoid, lr 0.1, minibatch 10 — Nielsen's network.
//!
//! And the bare products inside W1 and W2's forward pass, [rows, 1000]·[1000, 1000]
//! in f32 (MM10, MM100), through gradlab's `matmul` or straight through
//! matrixmultiply's `sgemm` (`--raw`), so a run of the peer scripts
//! (`benches/peers/`) sets the kernels beside numpy's and PyTorch's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use nn::{train_step, Activation, Init, Loss, Mlp, Sgd};
use tensor::Tensor;

/// A benchmark workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// "W1", "W2" or "W3".
    pub name: &'static str,
    /// Layer widths.
    pub widths: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// Learning rate.
    pub lr: f64,
    /// Minibatch size.
    pub batch: usize,
}

/// W1, W2 and W3.
pub fn workloads() -> Vec<Workload> {
    let paper = [vec![1024], vec![1000; 5], vec![9]].concat();
    vec![
        Workload { name: "W1", widths: paper.clone(), activation: Activation::Tanh, lr: 0.01, batch: 10 },
        Workload { name: "W2", widths: paper, activation: Activation::Tanh, lr: 0.01, batch: 100 },
        Workload {
            name: "W3",
            widths: vec![784, 30, 30, 30, 30, 10],
            activation: Activation::Sigmoid,
            lr: 0.1,
            batch: 10,
        },
    ]
}

/// A network, optimizer and fixed minibatch, ready to step.
pub struct Stepper {
    mlp: Mlp<f32>,
    sgd: Sgd<f32>,
    x: Tensor<f32>,
    labels: Vec<usize>,
}

impl Stepper {
    /// Builds the workload's network (normalized init, seed 1) and a random minibatch.
    pub fn new(w: &Workload) -> Self {
        let mlp = Mlp::<f32>::builder(&w.widths).hidden(w.activation).init(Init::Normalized).seed(1).build();
        let classes = *w.widths.last().expect("widths");
        Stepper {
            mlp,
            sgd: Sgd::new(w.lr),
            x: Tensor::rand_uniform(&[w.batch, w.widths[0]], -1.0, 1.0, 2),
            labels: (0..w.batch).map(|i| i % classes).collect(),
        }
    }

    /// One training step (forward, backward, update), unfused; returns the cost.
    pub fn step(&mut self) -> f64 {
        train_step(&mut self.mlp, &mut self.sgd, &self.x, &self.labels, Loss::SoftmaxCrossEntropy)
    }

    /// The same step with each layer's SGD update applied during backward
    /// ([`nn::fused::train_step`]); returns the cost.
    pub fn step_fused(&mut self) -> f64 {
        nn::fused::train_step(&mut self.mlp, &self.sgd, &self.x, &self.labels, Loss::SoftmaxCrossEntropy)
            .expect("the workloads use plain SGD")
    }
}

/// Steps per second: median, min and max over repetitions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Median over repetitions.
    pub median: f64,
    /// Slowest repetition.
    pub min: f64,
    /// Fastest repetition.
    pub max: f64,
    /// Heap allocations per step in the timed repetitions, when the program
    /// counts them (it installed [`CountingAllocator`]).
    pub allocations_per_step: Option<f64>,
}

/// The system allocator, counting every allocation — install it with
/// `#[global_allocator]` (the `experiments` binary does) and the benches report
/// how many heap allocations a training step makes.
pub struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Heap allocations so far, if [`CountingAllocator`] is this program's allocator.
pub fn allocations() -> Option<usize> {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    drop(std::hint::black_box(Box::new(0u64)));
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (after > before).then_some(after)
}

/// Warms up for a tenth of `seconds`, then times `repetitions` runs of about
/// `seconds / repetitions` each with `threads` matmul threads, with the fused
/// or the unfused step.
pub fn time(w: &Workload, threads: usize, seconds: f64, repetitions: usize, fused: bool) -> Timing {
    let _threads = tensor::set_threads(threads);
    let mut stepper = Stepper::new(w);
    rate(seconds, repetitions, || {
        if fused {
            stepper.step_fused();
        } else {
            stepper.step();
        }
    })
}

/// A bare product [rows, 1000]·[1000, 1000] in f32.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// "MM10" or "MM100".
    pub name: &'static str,
    /// Rows of the left operand (the minibatch).
    pub rows: usize,
}

/// MM10 (W1's forward product) and MM100 (W2's).
pub fn products() -> Vec<Product> {
    vec![Product { name: "MM10", rows: 10 }, Product { name: "MM100", rows: 100 }]
}

/// Products per second of `p`, through gradlab's `matmul` with `threads`
/// threads, or (`raw`) through matrixmultiply's `sgemm` on one thread.
pub fn time_product(p: &Product, threads: usize, seconds: f64, repetitions: usize, raw: bool) -> Timing {
    let _threads = tensor::set_threads(threads);
    let (m, k, n) = (p.rows, 1000, 1000);
    let a = Tensor::<f32>::rand_uniform(&[m, k], -1.0, 1.0, 1);
    let b = Tensor::<f32>::rand_uniform(&[k, n], -0.05, 0.05, 2);
    if !raw {
        return rate(seconds, repetitions, || drop(std::hint::black_box(a.matmul(&b))));
    }
    let (a, b) = (a.to_vec(), b.to_vec());
    let mut c = vec![0.0f32; m * n];
    rate(seconds, repetitions, || {
        raw_sgemm(&a, &b, &mut c, (m, k, n), false);
        std::hint::black_box(&mut c);
    })
}

/// matrixmultiply's `sgemm` on row-major A (m×k) and B (k×n, or its transpose
/// stored n×k) into C (m×n): the GEMM that gradlab's matmul is measured against.
///
/// # Panics
/// When a slice is shorter than its sizes say.
pub fn raw_sgemm(a: &[f32], b: &[f32], c: &mut [f32], (m, k, n): (usize, usize, usize), b_transposed: bool) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "raw_sgemm: slices too short");
    let (rsb, csb) = if b_transposed { (1, k as isize) } else { (n as isize, 1) };
    // SAFETY: the slices hold m·k, k·n and m·n elements in the layouts given (checked above).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            rsb,
            csb,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

/// Calls `run` for a tenth of `seconds` to warm up, then for `repetitions`
/// stretches of `seconds / repetitions`: calls per second, and heap allocations per call.
fn rate(seconds: f64, repetitions: usize, mut run: impl FnMut()) -> Timing {
    let mut calls = 0usize;
    let mut run_for = |secs: f64, calls: &mut usize| {
        let started = Instant::now();
        let mut done = 0;
        while done == 0 || started.elapsed().as_secs_f64() < secs {
            run();
            done += 1;
        }
        *calls += done;
        done as f64 / started.elapsed().as_secs_f64()
    };
    run_for(seconds / 10.0, &mut calls);
    let allocations_before = allocations();
    let calls_before = calls;
    let mut rates: Vec<f64> =
        (0..repetitions.max(1)).map(|_| run_for(seconds / repetitions.max(1) as f64, &mut calls)).collect();
    // Less the one probe allocation of each `allocations()` call.
    let allocations_per_step = allocations_before
        .zip(allocations())
        .map(|(before, after)| (after - before - 1) as f64 / (calls - calls_before) as f64);
    rates.sort_by(f64::total_cmp);
    Timing {
        median: rates[rates.len() / 2],
        min: rates[0],
        max: rates[rates.len() - 1],
        allocations_per_step,
    }
}
