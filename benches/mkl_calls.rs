//! gradlab's `matmul` against MKL's `sgemm`, called alternately, call by call,
//! in one process: a development measurement, not a claim against peers (the
//! claims come from `benches/peers/run.sh`, one process per framework).
//!
//! Why: on a shared machine the speed of a 100×1000×1000 product swings by
//! half within a minute, and two processes timed one after the other see
//! different moments of it. Alternating the two libraries call by call (`G M
//! M G G M …`) gives both the same moments; each comparison reports both sides'
//! spread and the share of pairs gradlab won. MKL is the one PyTorch ships: this
//! bench loads `libtorch_cpu.so` from the peer scripts' virtual environment
//! (`benches/peers/.venv`, made by `run.sh`) and calls its Fortran `sgemm_`.
//! Without that environment it says so and stops.
//!
//! The products are those of a training step of W2 (minibatch 100, 1000-wide
//! layers) and W1's forward product:
//!
//! | name | product | in training |
//! |---|---|---|
//! | `x·W` | 100×1000 · 1000×1000, W row-major | forward (MM100) |
//! | `g·Wᵀ` | 100×1000 · (1000×1000)ᵀ | backward, to the layer's input |
//! | `xᵀ·g` | (100×1000)ᵀ · 100×1000 | backward, the weight gradient |
//! | `x·W m=10` | 10×1000 · 1000×1000 | W1's forward (MM10) |
//!
//! Run: `taskset -c 1 cargo bench --bench mkl_calls` (one thread; about a
//! minute). Settings from the environment: `CALLS` (pairs per product, 1000),
//! `ROTATE` (weights used in turn, 16: as in training, where each layer's
//! weight comes back after the others have been read, so it is not in cache;
//! 1 for one weight, as in MM100), `THREADS` (both libraries' threads, 1; with
//! 2, run under `taskset -c 0,1`: calls then go in blocks of 20 with a pause
//! between, the first of each block not counted, so that neither library's
//! idle threads, which spin for a while, take CPU from the other), `ONLY`
//! (the products whose names contain it, e.g. `ONLY=xᵀ`; every one without).

use std::ffi::{c_char, c_int, c_void, CString};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gradlab::Tensor;

/// Fortran `sgemm_`: column-major C ← α·op(A)·op(B) + β·C, every argument by reference.
type Sgemm = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const c_int,
    *const c_int,
    *const c_int,
    *const f32,
    *const f32,
    *const c_int,
    *const f32,
    *const c_int,
    *const f32,
    *mut f32,
    *const c_int,
);
/// MKL's Fortran `mkl_set_num_threads_local_`: this thread's MKL thread count, by reference.
type SetThreads = unsafe extern "C" fn(*const c_int) -> c_int;

extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}
const RTLD_NOW: c_int = 2;

/// One product of the table above: C (m×n) = op(A) (m×k) · op(B) (k×n).
struct Product {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    /// A is stored k×m and used as its transpose (`xᵀ`).
    a_transposed: bool,
    /// B is stored n×k and used as its transpose (`Wᵀ`).
    b_transposed: bool,
}

const PRODUCTS: [Product; 4] = [
    Product { name: "x·W", m: 100, k: 1000, n: 1000, a_transposed: false, b_transposed: false },
    Product { name: "g·Wᵀ", m: 100, k: 1000, n: 1000, a_transposed: false, b_transposed: true },
    Product { name: "xᵀ·g", m: 1000, k: 100, n: 1000, a_transposed: true, b_transposed: false },
    Product { name: "x·W m=10", m: 10, k: 1000, n: 1000, a_transposed: false, b_transposed: false },
];

/// The PyTorch library of the peer scripts' virtual environment, if there is one.
fn torch_library() -> Option<PathBuf> {
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peers/.venv/lib");
    std::fs::read_dir(lib).ok()?.flatten().find_map(|python| {
        let so = python.path().join("site-packages/torch/lib/libtorch_cpu.so");
        so.exists().then_some(so)
    })
}

/// MKL's `sgemm_` and thread setting, loaded from `library`.
fn load_mkl(library: &Path) -> Result<(Sgemm, SetThreads), String> {
    let path = CString::new(library.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: dlopen and dlsym are given NUL-terminated strings; the symbols
    // are cast to the signatures MKL documents for them.
    unsafe {
        let handle = dlopen(path.as_ptr(), RTLD_NOW);
        if handle.is_null() {
            return Err(format!("{} could not be loaded", library.display()));
        }
        let symbol = |name: &str| {
            let c_name = CString::new(name).expect("no NUL in a symbol name");
            let found = dlsym(handle, c_name.as_ptr());
            (!found.is_null()).then_some(found).ok_or(format!("{} has no {name}", library.display()))
        };
        let sgemm = std::mem::transmute::<*mut c_void, Sgemm>(symbol("sgemm_")?);
        let set_threads =
            std::mem::transmute::<*mut c_void, SetThreads>(symbol("mkl_set_num_threads_local_")?);
        Ok((sgemm, set_threads))
    }
}

/// A count from the environment variable `name`, or `default`.
fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Spread of one side's times (µs): min, quartiles, mean.
fn spread(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    format!(
        "min {:6.0}  p25 {:6.0}  median {:6.0}  p75 {:6.0}  mean {:6.0}",
        at(0.0),
        at(0.25),
        at(0.5),
        at(0.75),
        mean
    )
}

fn main() {
    let Some(library) = torch_library() else {
        println!(
            "mkl_calls: skipped, no PyTorch in benches/peers/.venv (`bash benches/peers/run.sh` installs it)"
        );
        return;
    };
    let (sgemm, mkl_threads) = match load_mkl(&library) {
        Ok(mkl) => mkl,
        Err(why) => return println!("mkl_calls: skipped, {why}"),
    };
    let (calls, rotate, threads) =
        (setting("CALLS", 1000).max(1), setting("ROTATE", 16).max(1), setting("THREADS", 1).max(1));
    let _threads = gradlab::tensor::set_threads(threads);
    // SAFETY: a plain setter of MKL's thread count for this thread.
    unsafe { mkl_threads(&(threads as c_int)) };
    let block = if threads > 1 { 20 } else { 1 };
    println!(
        "gradlab matmul against MKL sgemm_ ({}), {threads} thread(s), {rotate} weight(s) in turn",
        library.display()
    );
    let only = std::env::var("ONLY").unwrap_or_default();
    for p in PRODUCTS.iter().filter(|p| p.name.contains(&only)) {
        compare(p, sgemm, (calls, rotate, block));
    }
}

/// Times `calls` pairs of p, gradlab and MKL alternately, and prints both spreads.
fn compare(p: &Product, sgemm: Sgemm, (calls, rotate, block): (usize, usize, usize)) {
    let (m, k, n) = (p.m, p.k, p.n);
    let a_stored = Tensor::<f32>::rand_uniform(&if p.a_transposed { [k, m] } else { [m, k] }, -1.0, 1.0, 1);
    let weights: Vec<Tensor<f32>> = (0..rotate as u64)
        .map(|s| {
            Tensor::<f32>::rand_uniform(&if p.b_transposed { [n, k] } else { [k, n] }, -0.05, 0.05, 2 + s)
        })
        .collect();
    let a = if p.a_transposed { a_stored.t() } else { a_stored.clone() };
    let bs: Vec<Tensor<f32>> =
        weights.iter().map(|w| if p.b_transposed { w.t() } else { w.clone() }).collect();
    // MKL gets copies of its own, not gradlab's buffers: with shared weights the
    // second library of each pair would find W in cache after the first read it.
    let (a_raw, b_raws) = (a_stored.to_vec(), weights.iter().map(Tensor::to_vec).collect::<Vec<_>>());
    let mut c = vec![0f32; m * n];
    // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: MKL gets B first.
    let mkl = |b: &[f32], c: &mut [f32]| {
        let (op_b, ld_b) = if p.b_transposed { (b"T", k) } else { (b"N", n) };
        let (op_a, ld_a) = if p.a_transposed { (b"T", m) } else { (b"N", k) };
        let int = |v: usize| v as c_int;
        // SAFETY: the buffers hold the operands' m·k, k·n and m·n values with
        // the leading dimensions given.
        unsafe {
            sgemm(
                op_b.as_ptr() as *const c_char,
                op_a.as_ptr() as *const c_char,
                &int(n),
                &int(m),
                &int(k),
                &1.0,
                b.as_ptr(),
                &int(ld_b),
                a_raw.as_ptr(),
                &int(ld_a),
                &0.0,
                c.as_mut_ptr(),
                &int(n),
            )
        };
    };
    mkl(&b_raws[0], &mut c);
    let ours = a.matmul(&bs[0]).to_vec();
    let differ = ours.iter().zip(&c).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
    assert!(differ < 1e-3, "{}: gradlab and MKL differ by {differ}", p.name);

    let (mut gradlab, mut intel) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    // One call of one side (`true`: gradlab), kept in its list or not (a warm-up).
    let mut one = |gradlab_side: bool, call: usize, keep: bool| {
        let weight = call % rotate;
        let started = Instant::now();
        if gradlab_side {
            black_box(a.matmul(&bs[weight]));
        } else {
            mkl(&b_raws[weight], &mut c);
            black_box(&c);
        }
        let micros = started.elapsed().as_secs_f64() * 1e6;
        match (keep, gradlab_side) {
            (true, true) => gradlab.push(micros),
            (true, false) => intel.push(micros),
            (false, _) => {}
        }
    };
    if block == 1 {
        // G M, M G, G M …: which side goes second alternates.
        for call in 0..calls {
            let first = call % 2 == 0;
            one(first, call, true);
            one(!first, call, true);
        }
    } else {
        // A block of one side, then one of the other, each after a pause and a
        // call not counted: with more than one thread, each library's idle
        // threads spin for a while after its calls.
        for start in (0..calls).step_by(block) {
            for gradlab_side in [true, false] {
                std::thread::sleep(Duration::from_millis(50));
                one(gradlab_side, start, false);
                (start..(start + block).min(calls)).for_each(|call| one(gradlab_side, call, true));
            }
        }
    }
    let won = gradlab.iter().zip(&intel).filter(|(g, i)| g < i).count();
    println!("{:10} {m}×{k}×{n}", p.name);
    println!("  gradlab  {}", spread(&mut gradlab));
    println!("  MKL      {}", spread(&mut intel));
    println!("  gradlab faster in {won} of {} pairs", gradlab.len().min(intel.len()));
}
