//! Do this machine's CPUs share a physical core? A probe, not a benchmark of
//! gradlab: it runs a loop of fused multiply-adds (12 independent register
//! chains, nothing read from memory) on one thread alone, then on two threads
//! at once, alternately, and prints each thread's rate both ways.
//!
//! Why: a cloud VM's "2 CPUs" are often two hyperthreads of one physical core,
//! or two host threads the hypervisor moves about. When they share a core, two
//! threads together do little more multiply-add work than one alone, and a
//! one-thread measurement slows whenever the other CPU is busy (with another
//! tenant, or the system). On an Intel Xeon (family 6 model 207, 2 vCPUs) the two CPUs ran
//! this loop at 89 GFLOP/s each together (179 alone) in one trial and at 175
//! each in the next three, minutes apart: which CPUs share a core changes while
//! the machine runs, and with it every figure measured there.
//!
//! Run: `taskset -c 0,1 cargo bench --bench core_sharing` (about ten seconds;
//! `taskset` names the two CPUs to test, the scheduler then puts one busy
//! thread on each). `ROUNDS` (10) sets how many alone/together alternations;
//! `GRADLAB_ISA=avx2` runs the 8-lane loop on an AVX-512 CPU.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

/// How long each thread runs its loop per measurement.
const WINDOW: Duration = Duration::from_millis(200);
/// Multiply-adds per call of the loop body, per lane: 12 chains × 2,000 iterations.
const CHAINS: usize = 12;
const ITERATIONS: usize = 2_000;

fn main() {
    let Some(fma) = widest_fma() else {
        println!("core_sharing: needs an x86-64 CPU with FMA (AVX2 or AVX-512); nothing measured");
        return;
    };
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(10).max(1);
    println!(
        "core_sharing: {}-lane FMA loop, {rounds} rounds of one thread alone then two together",
        fma.lanes
    );
    let mut shares = Vec::new();
    for round in 1..=rounds {
        let one = run_threads(fma, 1)[0];
        let two = run_threads(fma, 2);
        let share = (two[0] + two[1]) / 2.0 / one;
        println!(
            "  round {round:2}: alone {one:6.1} GFLOP/s; together {:6.1} and {:6.1} (each {:3.0} % of alone)",
            two[0],
            two[1],
            100.0 * share
        );
        shares.push(share);
    }
    let shared = shares.iter().filter(|&&s| s < SHARED).count();
    println!(
        "in {shared} of {rounds} rounds the two threads each ran below {:.0} % of one alone: {}",
        100.0 * SHARED,
        verdict(shared, rounds)
    );
}

/// Below this share of its rate alone, a thread ran on a core shared with the other.
const SHARED: f64 = 0.65;

/// What `shared` rounds of `rounds` say about the two CPUs.
fn verdict(shared: usize, rounds: usize) -> &'static str {
    match shared {
        0 => "the two CPUs ran on separate cores",
        s if s == rounds => "the two CPUs share a physical core; two threads are not twice one",
        _ => "the two CPUs shared a core part of the time (which host threads they get changes); expect noisy figures",
    }
}

/// Runs the loop on `threads` threads at once for [`WINDOW`]; each thread's GFLOP/s.
fn run_threads(fma: Fma, threads: usize) -> Vec<f64> {
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(move || run_window(fma))).collect();
        handles.into_iter().map(|h| h.join().expect("the FMA loop does not panic")).collect()
    })
}

/// One thread's rate over a window: calls of the loop until the window ends.
fn run_window(fma: Fma) -> f64 {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < WINDOW {
        // SAFETY: `widest_fma` chose this loop because the CPU has its features.
        black_box(unsafe { (fma.run)() });
        calls += 1;
    }
    let flops = calls as f64 * (CHAINS * ITERATIONS * fma.lanes * 2) as f64;
    flops / start.elapsed().as_secs_f64() / 1e9
}

/// A loop of multiply-adds and the lanes each of its multiply-adds has.
#[derive(Clone, Copy)]
struct Fma {
    lanes: usize,
    /// Safe to call only on a CPU with the features the loop was built for.
    run: unsafe fn() -> f32,
}

/// The loop on the widest FMA the CPU has, or None without FMA; with
/// `GRADLAB_ISA=avx2` the AVX2 loop (one core's FMA rate for the AVX2 class
/// of BENCHMARKS.md). (The two loops differ only in their register type:
/// intrinsics name it.)
fn widest_fma() -> Option<Fma> {
    #[cfg(target_arch = "x86_64")]
    {
        use gradlab::tensor::kernels::plan::{isa, Isa};
        // The plan is at AVX-512 only on a CPU with AVX-512F and FMA.
        if isa() == Isa::Avx512 {
            return Some(Fma { lanes: 16, run: fma::loop_avx512 });
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Some(Fma { lanes: 8, run: fma::loop_avx2 });
        }
    }
    None
}

#[cfg(target_arch = "x86_64")]
mod fma {
    use super::{CHAINS, ITERATIONS};
    use std::arch::x86_64::*;

    /// 12 chains of `acc = acc·x + y` in 16-lane registers: two FMA units
    /// with a latency of 4 cycles need at least 8 chains to stay busy.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn loop_avx512() -> f32 {
        let (x, y) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        let mut acc = [_mm512_set1_ps(0.5); CHAINS];
        for _ in 0..ITERATIONS {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(*a, x, y);
            }
        }
        acc.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
    }

    /// The same with 8-lane registers.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn loop_avx2() -> f32 {
        let (x, y) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        let mut acc = [_mm256_set1_ps(0.5); CHAINS];
        for _ in 0..ITERATIONS {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_ps(*a, x, y);
            }
        }
        let mut lanes = [0.0f32; 8];
        acc.iter()
            .map(|&a| {
                _mm256_storeu_ps(lanes.as_mut_ptr(), a);
                lanes.iter().sum::<f32>()
            })
            .sum()
    }
}
