//! Training-step benchmarks W1–W3 (see BENCHMARKS.md): one step = forward +
//! backward + SGD update, f32. The workloads are defined once, in
//! `experiments::bench`; `experiments bench W1 --matmul-threads N` times them too.
//!
//! `cargo bench --bench training` (one thread; criterion reports time per step,
//! steps/s = 1 / time). Two threads: `GRADLAB_THREADS=2 cargo bench --bench training`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use experiments::bench::{workloads, Stepper};

fn training_steps(c: &mut Criterion) {
    let threads = std::env::var("GRADLAB_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(1);
    let _threads = gradlab::tensor::set_threads(threads);
    let mut group = c.benchmark_group(format!("train_step_f32_threads{threads}"));
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5)).sample_size(20);
    for w in workloads() {
        let mut stepper = Stepper::new(&w);
        group.bench_function(w.name, |b| b.iter(|| black_box(stepper.step_fused())));
        let mut stepper = Stepper::new(&w);
        group.bench_function(format!("{}_unfused", w.name), |b| b.iter(|| black_box(stepper.step())));
    }
    group.finish();
}

criterion_group!(benches, training_steps);
criterion_main!(benches);
