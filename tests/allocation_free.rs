//! Once a training loop has run a step, its later steps make no heap allocation:
//! tensor buffers come back from the thread's pool, and tapes and backward reuse
//! their vectors (the goal of the issue "Performance" for Nielsen's network, W3).
//!
//! This test binary counts the allocations of the test's own thread (the test
//! harness runs other tests on other threads).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use gradlab::nn::{train_step, Activation, Init, Loss, Mlp, Sgd};
use gradlab::Tensor;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread's counter may already be gone while it exits.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Allocations made by `steps` training steps after `warm_up` ones.
fn allocations_per_steps(
    widths: &[usize],
    hidden: Activation,
    batch: usize,
    warm_up: usize,
    steps: usize,
) -> usize {
    let mut mlp = Mlp::<f32>::builder(widths).hidden(hidden).init(Init::Normalized).seed(3).build();
    let mut sgd = Sgd::new(0.1);
    let x = Tensor::<f32>::rand_uniform(&[batch, widths[0]], -1.0, 1.0, 4);
    let classes = *widths.last().unwrap();
    let labels: Vec<usize> = (0..batch).map(|i| i % classes).collect();
    let mut costs = [0.0; 2];
    for _ in 0..warm_up {
        costs[0] = train_step(&mut mlp, &mut sgd, &x, &labels, Loss::SoftmaxCrossEntropy);
    }
    let before = ALLOCATIONS.with(Cell::get);
    for _ in 0..steps {
        costs[1] = train_step(&mut mlp, &mut sgd, &x, &labels, Loss::SoftmaxCrossEntropy);
    }
    let made = ALLOCATIONS.with(Cell::get) - before;
    // The steps really trained (the same minibatch: its cost must fall).
    assert!(costs[1] < costs[0], "cost {} after warm-up, {} after the counted steps", costs[0], costs[1]);
    made
}

#[test]
fn nielsens_network_trains_without_allocating() {
    // W3: 784→30→30→30→30→10 sigmoid, minibatch 10.
    let made = allocations_per_steps(&[784, 30, 30, 30, 30, 10], Activation::Sigmoid, 10, 3, 20);
    assert_eq!(made, 0, "{made} heap allocations in 20 steps");
}

#[test]
fn a_tanh_network_trains_without_allocating() {
    // The paper's shape, narrower: five tanh layers, minibatches up to 16 (the
    // streaming products' limit). Past it, matrixmultiply's GEMM allocates its
    // packing buffers on every call, which this crate does not control.
    for batch in [1, 10, 16] {
        let made = allocations_per_steps(&[128, 100, 100, 100, 100, 100, 9], Activation::Tanh, batch, 3, 10);
        assert_eq!(made, 0, "{made} heap allocations in 10 steps at minibatch {batch}");
    }
}
