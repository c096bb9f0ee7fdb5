//! Tensor benchmarks: matmul through `Tensor` against raw matrixmultiply on the
//! same buffers (GFLOP/s: criterion's "elem/s" counts one element per flop), and
//! element-wise passes over 1M f32, contiguous and through a transposed view.
//!
//! Run: `cargo bench --bench tensor_ops` (add `-- matmul` to filter).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use experiments::bench::raw_sgemm;
use gradlab::Tensor;

const SHAPES: [(usize, usize, usize); 3] = [(10, 1000, 1000), (100, 1000, 1000), (1000, 1000, 1000)];

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul_f32");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for (m, k, n) in SHAPES {
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        let a = Tensor::<f32>::rand_uniform(&[m, k], -1.0, 1.0, 1);
        let b = Tensor::<f32>::rand_uniform(&[k, n], -1.0, 1.0, 2);
        let b_stored_transposed = Tensor::<f32>::rand_uniform(&[n, k], -1.0, 1.0, 3);
        let bt = b_stored_transposed.t();
        let label = format!("{m}x{k}x{n}");
        group.bench_function(BenchmarkId::new("tensor", &label), |bench| {
            bench.iter(|| black_box(a.matmul(&b)))
        });
        group.bench_function(BenchmarkId::new("tensor_transposed_b", &label), |bench| {
            bench.iter(|| black_box(a.matmul(&bt)))
        });
        let (a_raw, b_raw, bt_raw) = (a.to_vec(), b.to_vec(), b_stored_transposed.to_vec());
        let mut out = vec![0.0f32; m * n];
        group.bench_function(BenchmarkId::new("raw_matrixmultiply", &label), |bench| {
            bench.iter(|| raw_sgemm(&a_raw, &b_raw, black_box(&mut out), (m, k, n), false))
        });
        group.bench_function(BenchmarkId::new("raw_matrixmultiply_transposed_b", &label), |bench| {
            bench.iter(|| raw_sgemm(&a_raw, &bt_raw, black_box(&mut out), (m, k, n), true))
        });
    }
    group.finish();
}

fn element_wise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise_f32_1M");
    group.throughput(Throughput::Elements(1_000_000));
    let x = Tensor::<f32>::rand_uniform(&[1000, 1000], -1.0, 1.0, 4);
    let y = Tensor::<f32>::rand_uniform(&[1000, 1000], -1.0, 1.0, 5);
    let (xt, yt) = (x.t(), y.t());
    group.bench_function("add_contiguous", |b| b.iter(|| black_box(&x + &y)));
    group.bench_function("add_transposed_view", |b| b.iter(|| black_box(&xt + &yt)));
    // Operands with different layouts take the general strided walk.
    group.bench_function("add_mixed_layouts", |b| b.iter(|| black_box(&xt + &y)));
    group.bench_function("tanh_contiguous", |b| b.iter(|| black_box(x.tanh())));
    group.bench_function("tanh_transposed_view", |b| b.iter(|| black_box(xt.tanh())));
    group.finish();
}

criterion_group!(benches, matmul, element_wise);
criterion_main!(benches);
