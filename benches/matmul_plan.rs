//! Which path is faster on this CPU: gradlab's `matmul` against matrixmultiply's
//! `sgemm` on the same buffers, shape by shape (one thread, f32). The ratio is
//! what the plan in `small_matmul`, `rank_update` and `packed_gemm` promises
//! to keep at 1 or more; a row below 0.95× is a shape where that promise fails
//! on this machine.
//!
//! Run: `cargo bench --bench matmul_plan` (about four minutes; `-- 10 100`
//! for the rows m = 10 and 100 only), and under each instruction set the CPU
//! has with `GRADLAB_ISA=avx2` or `GRADLAB_ISA=portable` in front. On an
//! AVX-512 CPU, `GRADLAB_ISA=avx2 cargo bench --bench matmul_plan
//! --no-default-features` holds matrixmultiply to its AVX2 kernels too (it
//! picks AVX-512 at run time otherwise), as on a CPU without AVX-512: the
//! header's kernel plan says which it ran. Each figure
//! is the best of three rounds that alternate the two sides, so a slower
//! neighbour on a shared machine costs both alike. Each row names the path
//! the plan chose (`tensor::kernels::plan`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use gradlab::Tensor;

/// How a matrix is stored: as itself (row-major) or as its transpose (a `.t()` view).
#[derive(Clone, Copy, PartialEq)]
enum Stored {
    RowMajor,
    Transposed,
}

impl Stored {
    fn label(self) -> &'static str {
        match self {
            Stored::RowMajor => "row",
            Stored::Transposed => "col",
        }
    }
}

/// A rows×cols operand stored as `stored`: the tensor view gradlab sees, its
/// buffer and the (row, column) strides matrixmultiply is given.
fn operand(rows: usize, cols: usize, stored: Stored, seed: u64) -> (Tensor<f32>, Vec<f32>, (isize, isize)) {
    match stored {
        Stored::RowMajor => {
            let t = Tensor::<f32>::rand_uniform(&[rows, cols], -1.0, 1.0, seed);
            let raw = t.to_vec();
            (t, raw, (cols as isize, 1))
        }
        Stored::Transposed => {
            let t = Tensor::<f32>::rand_uniform(&[cols, rows], -1.0, 1.0, seed);
            let raw = t.to_vec();
            (t.t(), raw, (1, rows as isize))
        }
    }
}

/// Calls per second of `f`, timed over at least 40 ms.
fn rate(mut f: impl FnMut()) -> f64 {
    f();
    let mut calls = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            f();
        }
        let elapsed = start.elapsed();
        if elapsed >= Duration::from_millis(40) {
            return calls as f64 / elapsed.as_secs_f64();
        }
        calls *= 2;
    }
}

fn main() {
    // Row counts from the command line (cargo bench passes its own flags too: skipped).
    let chosen: Vec<usize> = std::env::args().skip(1).filter_map(|arg| arg.parse().ok()).collect();
    // k = 10 is a weight gradient's inner dimension at minibatch 10 (the rank update).
    let shapes = [1usize, 2, 4, 6, 8, 10, 16, 24, 50, 64, 100, 128, 256, 1000]
        .into_iter()
        .filter(|m| chosen.is_empty() || chosen.contains(m))
        .flat_map(|m| [10usize, 17, 30, 100, 256, 1000].into_iter().map(move |k| (m, k)))
        .flat_map(|(m, k)| [10usize, 100, 1000].into_iter().map(move |n| (m, k, n)));
    let plan = gradlab::tensor::kernels::plan::KernelPlan::current();
    println!("kernel plan: {plan}");
    println!("{:>5} {:>5} {:>5}  A    B   {:>12} {:>12}  ratio  path", "m", "k", "n", "gradlab/s", "mm/s");
    let mut worst = (f64::INFINITY, String::new());
    let mut below = 0;
    let mut rows = 0;
    for (m, k, n) in shapes {
        for (a_stored, b_stored) in [
            (Stored::RowMajor, Stored::RowMajor),
            (Stored::RowMajor, Stored::Transposed),
            (Stored::Transposed, Stored::RowMajor),
        ] {
            // A stored transposed is a weight gradient xᵀ·g: many rows, short k.
            if a_stored == Stored::Transposed && (m < 100 || k > 256) {
                continue;
            }
            let (a, a_raw, (rsa, csa)) = operand(m, k, a_stored, 1);
            let (b, b_raw, (rsb, csb)) = operand(k, n, b_stored, 2);
            let mut c = vec![0.0f32; m * n];
            let (mut ours, mut theirs) = (0.0f64, 0.0f64);
            for _ in 0..3 {
                ours = ours.max(rate(|| {
                    black_box(a.matmul(&b));
                }));
                theirs = theirs.max(rate(|| {
                    // SAFETY: the buffers hold m×k, k×n and m×n elements at these strides.
                    unsafe {
                        matrixmultiply::sgemm(
                            m,
                            k,
                            n,
                            1.0,
                            a_raw.as_ptr(),
                            rsa,
                            csa,
                            b_raw.as_ptr(),
                            rsb,
                            csb,
                            0.0,
                            c.as_mut_ptr(),
                            n as isize,
                            1,
                        )
                    };
                    black_box(&c);
                }));
            }
            let ratio = ours / theirs;
            let path = gradlab::tensor::kernels::plan::last_path().map_or("—".into(), |p| format!("{p:?}"));
            let row = format!(
                "{m:>5} {k:>5} {n:>5}  {:<4} {:<4} {ours:>12.1} {theirs:>12.1}  {ratio:.2}  {path}",
                a_stored.label(),
                b_stored.label()
            );
            println!("{row}{}", if ratio < 0.95 { "  <" } else { "" });
            rows += 1;
            below += usize::from(ratio < 0.95);
            if ratio < worst.0 {
                worst = (ratio, row);
            }
        }
    }
    println!("{below} of {rows} shapes below 0.95× raw matrixmultiply ({plan})");
    println!("lowest ratio: {}", worst.1);
}
