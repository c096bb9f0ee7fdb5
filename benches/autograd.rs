//! Autograd benchmarks: the cost of recording an op, and forward + backward of
//! Nielsen's 784-30-30-30-30-10 sigmoid MLP at minibatch 10.
//!
//! Run: `cargo bench --bench autograd`
//!
//! `record_overhead/*` chains 200 ops (100 × scale, tanh) on a one-element
//! tensor; the per-op recording overhead is (tape − plain tensor) / 200.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gradlab::autograd::Tape;
use gradlab::Tensor;

const CHAIN: usize = 100;

fn record_overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("record_overhead");
    // Each link of the chain is two ops (scale, tanh).
    group.throughput(Throughput::Elements(2 * CHAIN as u64));
    let x = Tensor::<f32>::scalar(0.5);
    group.bench_function("plain_tensor_ops", |b| {
        b.iter(|| {
            let mut v = x.clone();
            for _ in 0..CHAIN {
                v = (&v * 0.999).tanh();
            }
            black_box(v)
        })
    });
    group.bench_function("recorded_on_tape", |b| {
        b.iter(|| {
            let tape = Tape::<f32>::new();
            let mut v = tape.param(x.clone());
            for _ in 0..CHAIN {
                v = (&v * 0.999).tanh();
            }
            black_box(v.value().item())
        })
    });
    group.bench_function("recorded_plus_backward", |b| {
        b.iter(|| {
            let tape = Tape::<f32>::new();
            let p = tape.param(x.clone());
            let mut v = p.clone();
            for _ in 0..CHAIN {
                v = (&v * 0.999).tanh();
            }
            black_box(tape.backward(&v).unwrap().wrt(&p))
        })
    });
    group.finish();
}

fn nielsen_mlp(c: &mut Criterion) {
    let widths = [784, 30, 30, 30, 30, 10];
    let weights: Vec<Tensor<f32>> = widths
        .windows(2)
        .enumerate()
        .map(|(i, w)| Tensor::rand_normal(&[w[0], w[1]], 0.0, 0.05, i as u64))
        .collect();
    let biases: Vec<Tensor<f32>> = widths[1..].iter().map(|&n| Tensor::zeros(&[n])).collect();
    let x = Tensor::<f32>::rand_uniform(&[10, 784], 0.0, 1.0, 99);
    let labels: Vec<usize> = (0..10).collect();
    c.bench_function("mlp_784_30x4_10_sigmoid_batch10/forward_backward", |b| {
        b.iter(|| {
            let tape = Tape::<f32>::new();
            let mut a = tape.constant(x.clone());
            let params: Vec<_> = weights
                .iter()
                .zip(&biases)
                .map(|(w, b)| (tape.param(w.clone()), tape.param(b.clone())))
                .collect();
            for (i, (w, b)) in params.iter().enumerate() {
                let s = &a.matmul(w) + b;
                a = if i + 1 < params.len() { s.sigmoid() } else { s };
            }
            let loss = a.softmax_cross_entropy(&labels);
            black_box(tape.backward(&loss).unwrap())
        })
    });
}

criterion_group!(benches, record_overhead, nielsen_mlp);
criterion_main!(benches);
