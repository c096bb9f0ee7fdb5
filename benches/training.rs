//! Training-step benchmarks W1–W3 (issue "Performance"): one step = forward +
//! backward + SGD update, f32.
//!
//! * W1: MLP 1024→1000×5 (tanh)→9, softmax cross-entropy, SGD lr 0.01, minibatch 10 (the paper's network)
//! * W2: W1 at minibatch 100
//! * W3: MLP 784→30→30→30→30→10 sigmoid, softmax cross-entropy, SGD lr 0.1, minibatch 10 (Nielsen's)
//!
//! One thread: `cargo bench --bench training`.
//! Two threads: `MATMUL_NUM_THREADS=2 cargo bench --features threads --bench training`.
//! Criterion reports time per step; steps/s = 1 / time.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use gradlab::nn::{train_step, Activation, Init, Loss, Mlp, Sgd};
use gradlab::Tensor;

struct Workload {
    name: &'static str,
    widths: Vec<usize>,
    activation: Activation,
    lr: f64,
    batch: usize,
}

fn workloads() -> Vec<Workload> {
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

fn training_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step_f32");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5)).sample_size(20);
    for w in workloads() {
        let mut mlp =
            Mlp::<f32>::builder(&w.widths).hidden(w.activation).init(Init::Normalized).seed(1).build();
        let mut sgd = Sgd::new(w.lr);
        let classes = *w.widths.last().unwrap();
        let x = Tensor::<f32>::rand_uniform(&[w.batch, w.widths[0]], -1.0, 1.0, 2);
        let labels: Vec<usize> = (0..w.batch).map(|i| i % classes).collect();
        group.bench_function(w.name, |b| {
            b.iter(|| black_box(train_step(&mut mlp, &mut sgd, &x, &labels, Loss::SoftmaxCrossEntropy)))
        });
    }
    group.finish();
}

criterion_group!(benches, training_steps);
criterion_main!(benches);
