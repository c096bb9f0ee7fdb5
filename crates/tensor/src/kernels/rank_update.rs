//! A matrix product with a short inner dimension: C ← α·A·B + β·C, k ≤ 16.
//!
//! A weight gradient is such a product: zᵀ·∂C/∂s is 1000×10 times 10×1000 for a
//! minibatch of 10. matrixmultiply handles it, but the work is tiny against
//! the memory traffic (C is 4 MB, A and B together 80 KB), so what matters is
//! touching C exactly once. Here each row of C is a combination of B's k rows
//! with coefficients α·A[i, p]: for a block of four rows of C and a strip of 16
//! columns, the four partial rows stay in registers while the k rows of that
//! strip of B go by, then C is written (and, when β ≠ 0, read) once; C's
//! lines a few strips ahead are prefetched for writing.
//!
//! With β = 1 and α = −lr this is an SGD step applied straight to the weight
//! (`Tensor::addmm_assign`), and no weight gradient is ever stored. Like
//! [`small_matmul`](crate::kernels::small_matmul), the inner dimension is a const generic
//! so its loop unrolls, and [`simd::dispatch`] picks the instruction set; other
//! layouts go to the general GEMM.

use crate::element::Element;
use crate::kernels::simd::{self, madd, Kernel, LANES};
use crate::matmul::Operand;

/// The longest inner dimension this path takes.
pub(crate) const MAX_INNER: usize = 16;
/// Rows of C per block: each load of B feeds this many multiply-adds.
const ROWS: usize = 4;

/// One update to compute.
struct Job<'a, E> {
    m: usize,
    k: usize,
    n: usize,
    /// α·A, copied densely: `coef[i * K + p]`.
    coef: &'a [E],
    /// B row-major, rows `rsb` apart.
    b: *const E,
    rsb: usize,
    beta: E,
    /// C, m×n with row stride `ldc`; read only when β ≠ 0.
    c: *mut E,
    ldc: usize,
}

/// Whether [`try_rank_update`] takes a product of inner dimension k with A
/// and B laid out as `a` and `b` are (whatever A's rows and B's columns, so a
/// product split by columns goes to one path whole): k of 1 to 16 and a
/// row-major B, on AVX-512. On AVX2 the generic kernel ran at 0.54–1.17×
/// sgemm in two runs of `GRADLAB_ISA=avx2 cargo bench --bench matmul_plan` on
/// an AMD EPYC (family 25 model 17) — below it for a transposed A (a weight
/// gradient zᵀ·g) and level within the noise otherwise; a kernel written
/// with AVX2 intrinsics (blocks of 6 rows by 16 columns, only the last strip
/// masked) ran at 0.57–1.03× (m = 100–1000, k = 10; 0.89× at 1000×10·10×1000,
/// where both are bound by the FMA rate, and worst at n = 10, where AVX2's
/// masked stores are slow on AMD cores). So AVX2, like the portable build,
/// leaves these products to matrixmultiply.
pub(crate) fn takes_product<E>(k: usize, b: Operand<E>) -> bool {
    (1..=MAX_INNER).contains(&k) && b.cs == 1 && b.rs > 0 && super::plan::isa() == super::plan::Isa::Avx512
}

/// Computes C ← α·A·B + β·C into `c` (m×n, row stride `ldc`) when k ≤ 16 and B
/// is row-major with unit column stride; returns false (touching nothing)
/// otherwise, so the caller uses the general GEMM. As in BLAS, with β = 0 the
/// old C is never read, so it may be uninitialized.
///
/// # Safety
/// As for [`Element::gemm`]: every element of A and B reachable through the given
/// sizes and strides lies in its buffer, and `c` has room for the m×n block.
pub(crate) unsafe fn try_rank_update<E: Element>(
    (m, k, n): (usize, usize, usize),
    alpha: E,
    a: Operand<E>,
    b: Operand<E>,
    beta: E,
    c: *mut E,
    ldc: usize,
) -> bool {
    if m == 0 || n == 0 || !takes_product(k, b) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    if super::plan::f32_on_avx512::<E>() {
        let f = |x: E| x.to_f64() as f32;
        // SAFETY: E is f32 (checked) and the CPU has AVX-512; the sizes and
        // pointers are this call's, valid by its contract.
        unsafe {
            avx512::update_f32(
                (m, k, n),
                (f(alpha), a.ptr as *const f32, a.rs, a.cs),
                (b.ptr as *const f32, b.rs as usize),
                f(beta),
                (c as *mut f32, ldc),
            )
        };
        return true;
    }
    crate::storage::with_scratch(m * k, |coef: &mut Vec<E>| {
        coef.resize(m * k, E::ZERO);
        // SAFETY: A is m×k by the caller's contract; `coef` holds m rows of k.
        unsafe { simd::gather(coef, k, (m, k), a, alpha) };
        simd::dispatch(Job { m, k, n, coef, b: b.ptr, rsb: b.rs as usize, beta, c, ldc });
    });
    true
}

impl<E: Element> Kernel for Job<'_, E> {
    /// Picks the kernel for the inner dimension (a const generic, so it is unrolled).
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        simd::with_const_up_to_16!(self.k, update::<E, N, FMA>(&self))
    }
}

/// Blocks of four rows of C (then single rows), each swept in 16-column strips.
#[inline(always)]
fn update<E: Element, const K: usize, const FMA: bool>(job: &Job<'_, E>) {
    let tails = BTails::<E, K>::new(job);
    let blocks = job.m - job.m % ROWS;
    for i0 in (0..blocks).step_by(ROWS) {
        rows::<E, K, ROWS, FMA>(job, &tails, i0);
    }
    for i in blocks..job.m {
        rows::<E, K, 1, FMA>(job, &tails, i);
    }
}

/// The last, narrower strip of B's k rows (n not a multiple of 16), copied once
/// and zero-padded so the kernel runs it like any other strip.
struct BTails<E, const K: usize> {
    start: usize,
    rows: [[E; LANES]; K],
}

impl<E: Element, const K: usize> BTails<E, K> {
    #[inline(always)]
    fn new(job: &Job<'_, E>) -> Self {
        let start = job.n - job.n % LANES;
        let mut rows = [[E::ZERO; LANES]; K];
        for (p, row) in rows.iter_mut().enumerate() {
            // SAFETY: row p, columns start..n of B are inside it.
            unsafe { simd::copy_lanes(job.b.add(p * job.rsb + start), row.as_mut_ptr(), job.n - start) };
        }
        BTails { start, rows }
    }
}

/// Rows `i0..i0+R` of C, strip by strip.
#[inline(always)]
fn rows<E: Element, const K: usize, const R: usize, const FMA: bool>(
    job: &Job<'_, E>,
    tails: &BTails<E, K>,
    i0: usize,
) {
    let coef: [[E; K]; R] = std::array::from_fn(|r| std::array::from_fn(|p| job.coef[(i0 + r) * K + p]));
    for j0 in (0..tails.start).step_by(LANES) {
        prefetch_for_write(job, i0, R, j0 + PREFETCH_AHEAD);
        // SAFETY: row p, columns j0..j0+16 of B are inside it (j0 + 16 ≤ n).
        let b_row = |p| unsafe { std::ptr::read_unaligned(job.b.add(p * job.rsb + j0) as *const [E; LANES]) };
        strip::<E, K, R, FMA>(job, &coef, i0, j0, LANES, b_row);
    }
    if tails.start < job.n {
        strip::<E, K, R, FMA>(job, &coef, i0, tails.start, job.n - tails.start, |p| tails.rows[p]);
    }
}

/// Columns of C between a strip and the lines prefetched for it. C (a 4 MB
/// weight gradient) is written without being read, and each store to a line
/// not in cache waits for that line to arrive (read for ownership): the
/// profile of W1 put 27 % of this kernel's time on one store. Asking for the
/// lines four strips ahead, for writing, overlaps those waits. Measured on the
/// Intel Xeon (W1, alternating runs): no prefetch 94–99 steps/s; 2, 4, 8, 16,
/// 32 strips ahead 136–142, 128–148, 89–134, 112–115, 91–100.
const PREFETCH_AHEAD: usize = 4 * LANES;

/// Asks for column `j` of rows i0..i0+R of C in cache, for writing.
#[inline(always)]
fn prefetch_for_write<E: Element>(job: &Job<'_, E>, i0: usize, rows: usize, j: usize) {
    #[cfg(target_arch = "x86_64")]
    if j < job.n {
        for r in 0..rows {
            let line = job.c.wrapping_add((i0 + r) * job.ldc + j) as *const i8;
            // SAFETY: a prefetch never faults; the address is inside C.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_ET0 }>(line) };
        }
    }
}

/// C[i, j0..j0+width] ← Σₚ coef[i, p]·B[p, j0..] + β·C[i, j0..] for the R rows
/// from `i0`, with the R partial rows in registers while B's K rows go by.
#[inline(always)]
fn strip<E: Element, const K: usize, const R: usize, const FMA: bool>(
    job: &Job<'_, E>,
    coef: &[[E; K]; R],
    i0: usize,
    j0: usize,
    width: usize,
    b_row: impl Fn(usize) -> [E; LANES],
) {
    // SAFETY: rows i0..i0+R of C exist and j0 + width ≤ n; only `width`
    // elements from there are read or written.
    let c_row = |r: usize| unsafe { job.c.add((i0 + r) * job.ldc + j0) };
    let mut acc = [[E::ZERO; LANES]; R];
    if job.beta != E::ZERO {
        for (r, acc_row) in acc.iter_mut().enumerate() {
            // SAFETY: see `c_row`.
            unsafe { simd::copy_lanes(c_row(r), acc_row.as_mut_ptr(), width) };
            acc_row.iter_mut().for_each(|x| *x *= job.beta);
        }
    }
    for p in 0..K {
        let b = b_row(p);
        for (acc_row, coef_row) in acc.iter_mut().zip(coef) {
            for (sum, &y) in acc_row.iter_mut().zip(&b) {
                *sum = madd::<E, FMA>(coef_row[p], y, *sum);
            }
        }
    }
    for (r, acc_row) in acc.iter().enumerate() {
        // SAFETY: see `c_row`.
        unsafe { simd::copy_lanes(acc_row.as_ptr(), c_row(r), width) };
    }
}

/// The update written with AVX-512 intrinsics for f32: blocks of up to eight
/// rows of C, strips of 32 columns (two registers per row), masked loads and
/// stores at the right edge, so a narrow C (Nielsen's 30-wide layers) is one
/// masked strip per row block instead of a 16-wide strip and a copied tail.
/// A is read in place through its strides (one element at a time, broadcast)
/// and α applied when C is written, so nothing is copied first.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::PREFETCH_AHEAD;
    use std::arch::x86_64::*;

    /// Rows of C per block: 8 rows × 2 accumulators.
    const ROWS: usize = 8;

    /// C ← α·A·B + β·C, A m×k with strides (`rs`, `cs`), B k×n with rows `ldb`
    /// apart, C m×n with rows `ldc` apart (not read when β = 0).
    ///
    /// # Safety
    /// The CPU has AVX-512F; the buffers hold those elements.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn update_f32(
        (m, k, n): (usize, usize, usize),
        (alpha, a, rs, cs): (f32, *const f32, isize, isize),
        (b, ldb): (*const f32, usize),
        beta: f32,
        (c, ldc): (*mut f32, usize),
    ) {
        for i0 in (0..m).step_by(ROWS) {
            let rows = Rows {
                alpha,
                // SAFETY: row i0 of A and of C lies inside them.
                a: unsafe { a.offset(i0 as isize * rs) },
                rs,
                cs,
                c: unsafe { c.add(i0 * ldc) },
            };
            macro_rules! rows {
                ($($r:literal)*) => {
                    match ROWS.min(m - i0) {
                        // SAFETY: forwarded from this function's contract.
                        $($r => unsafe { block::<$r>((k, n), rows, (b, ldb), beta, ldc) },)*
                        _ => unreachable!("a block has 1 to {ROWS} rows"),
                    }
                };
            }
            rows!(1 2 3 4 5 6 7 8);
        }
    }

    /// One block's rows of A (strided) and C, and α.
    #[derive(Clone, Copy)]
    struct Rows {
        alpha: f32,
        a: *const f32,
        rs: isize,
        cs: isize,
        c: *mut f32,
    }

    /// Rows 0..R of C (from `rows.c`), strip by strip.
    #[target_feature(enable = "avx512f")]
    unsafe fn block<const R: usize>(
        (k, n): (usize, usize),
        rows: Rows,
        (b, ldb): (*const f32, usize),
        beta: f32,
        ldc: usize,
    ) {
        let Rows { alpha, a, rs, cs, c } = rows;
        let (alpha, beta_v) = (_mm512_set1_ps(alpha), _mm512_set1_ps(beta));
        for j0 in (0..n).step_by(32) {
            let (lo, hi) = crate::kernels::simd::strip_masks(n - j0);
            // SAFETY (this block): masked-off lanes are not accessed, so only
            // columns j0..n of B's and C's rows are; `wrapping_add` for the
            // second half's address, which may lie past the end when masked off,
            // and for prefetch addresses (a prefetch never faults).
            unsafe {
                if j0 + PREFETCH_AHEAD < n {
                    for r in 0..R {
                        let ahead = c.wrapping_add(r * ldc + j0 + PREFETCH_AHEAD) as *const i8;
                        _mm_prefetch::<_MM_HINT_ET0>(ahead);
                        _mm_prefetch::<_MM_HINT_ET0>(ahead.wrapping_add(64));
                    }
                }
                let mut acc = [[_mm512_setzero_ps(); 2]; R];
                for p in 0..k {
                    let row = b.add(p * ldb + j0);
                    let (b0, b1) =
                        (_mm512_maskz_loadu_ps(lo, row), _mm512_maskz_loadu_ps(hi, row.wrapping_add(16)));
                    for (r, sums) in acc.iter_mut().enumerate() {
                        let x = _mm512_set1_ps(*a.offset(r as isize * rs + p as isize * cs));
                        sums[0] = _mm512_fmadd_ps(x, b0, sums[0]);
                        sums[1] = _mm512_fmadd_ps(x, b1, sums[1]);
                    }
                }
                for (r, sums) in acc.iter().enumerate() {
                    let row = c.add(r * ldc + j0);
                    let halves = [(row, lo, sums[0]), (row.wrapping_add(16), hi, sums[1])];
                    for (at, lanes, sum) in halves {
                        let scaled = if beta == 0.0 {
                            _mm512_mul_ps(alpha, sum)
                        } else {
                            _mm512_fmadd_ps(
                                alpha,
                                sum,
                                _mm512_mul_ps(beta_v, _mm512_maskz_loadu_ps(lanes, at)),
                            )
                        };
                        _mm512_mask_storeu_ps(at, lanes, scaled);
                    }
                }
            }
        }
    }
}
