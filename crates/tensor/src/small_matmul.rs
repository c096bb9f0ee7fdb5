//! A matrix product for few rows: C = A·B with A of at most 16 rows.
//!
//! A minibatch of 10 times a 1000×1000 weight matrix is the paper's whole
//! workload. A general GEMM (matrixmultiply) first packs B into panels — for
//! m = 10 that repacks all of W on every call and costs more than the product.
//! Here B is streamed once, in place, and the few rows of A stay in registers:
//!
//! * B row-major (a weight W as stored, in `x·W`): for each strip of 16 columns,
//!   the 16-wide partial sums of all m rows of C live in registers while B's rows
//!   stream past (`strip` kernel); in f32 on AVX-512 with at most 12 rows, strips
//!   of 32 columns through intrinsics (`avx512`), half as many passes down B;
//! * B column-major (a transposed weight, in `g·Wᵀ`): each column of B is a
//!   contiguous row of W, and each C element is a dot product of it with a row
//!   of A, accumulated 16 lanes at a time (`dot` kernel).
//!
//! The row count is a const generic so the accumulators are fixed-size arrays the
//! compiler keeps in registers; [`simd::dispatch`] picks the AVX-512, AVX2 + FMA
//! or portable build at run time. Any other layout (negative
//! or zero strides in B, more rows) goes to matrixmultiply.

use crate::element::Element;
use crate::matmul::Operand;
use crate::simd::{self, madd, Kernel, LANES};

/// The most rows of A this path handles.
pub(crate) const MAX_ROWS: usize = 16;

/// The shape of B in memory that this path can stream.
#[derive(Clone, Copy)]
enum BLayout {
    /// Element (p, j) at `p·row_stride + j`.
    RowMajor { row_stride: usize },
    /// Element (p, j) at `p + j·col_stride`.
    ColumnMajor { col_stride: usize },
}

/// One product to compute. `a` is A copied densely, row-major, each row padded
/// with zeros to `k_padded` (a multiple of 16) so the kernels never run a scalar tail.
struct Job<'a, E> {
    m: usize,
    k: usize,
    k_padded: usize,
    n: usize,
    a: &'a [E],
    b: *const E,
    layout: BLayout,
    /// C, m×n with row stride `ldc`; every element is written, none read.
    c: *mut E,
    ldc: usize,
}

/// Computes C = A·B into `c` (m×n with row stride `ldc`; every element written,
/// none read, so it may be uninitialized) when A has at most 16 rows and B has
/// unit stride along one axis; returns false (and touches nothing) otherwise, so
/// the caller uses the general GEMM.
///
/// # Safety
/// As for [`Element::gemm`]: every element of A and B reachable through the given
/// sizes and strides lies in its buffer, and `c` has room for m·n elements.
pub(crate) unsafe fn try_small_matmul<E: Element>(
    (m, k, n): (usize, usize, usize),
    a: Operand<E>,
    b: Operand<E>,
    c: *mut E,
    ldc: usize,
) -> bool {
    if m == 0 || m > MAX_ROWS || k == 0 || n == 0 {
        return false;
    }
    let layout = if b.cs == 1 && b.rs > 0 {
        BLayout::RowMajor { row_stride: b.rs as usize }
    } else if b.rs == 1 && b.cs > 0 {
        BLayout::ColumnMajor { col_stride: b.cs as usize }
    } else {
        return false;
    };
    // A is small (≤ 16 rows): copy it densely, rows zero-padded to whole 16-lane
    // chunks, so the kernels read it with unit stride and no scalar tail.
    let k_padded = k.div_ceil(LANES) * LANES;
    crate::storage::with_scratch(m * k_padded, |dense: &mut Vec<E>| {
        dense.resize(m * k_padded, E::ZERO);
        // SAFETY: A is m×k by the caller's contract; `dense` holds m rows of k_padded.
        unsafe { simd::gather(dense, k_padded, (m, k), a, E::ONE) };
        simd::dispatch(Job { m, k, k_padded, n, a: dense, b: b.ptr, layout, c, ldc });
    });
    true
}

impl<E: Element> Kernel for Job<'_, E> {
    /// Picks the kernel for the row count (a const generic, so it is unrolled).
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        simd::with_const_up_to_16!(self.m, kernel::<E, N, FMA>(self))
    }
}

#[inline(always)]
fn kernel<E: Element, const M: usize, const FMA: bool>(job: Job<'_, E>) {
    match job.layout {
        BLayout::RowMajor { row_stride } => strip::<E, M, FMA>(&job, row_stride),
        BLayout::ColumnMajor { col_stride } => dot::<E, M, FMA>(&job, col_stride),
    }
}

/// B row-major: 16 columns of C at a time, all M rows, accumulated in registers
/// while the k rows of that strip of B stream past. A last, narrower strip reads
/// its B rows through a zero-padded copy and stores only its columns.
#[inline(always)]
fn strip<E: Element, const M: usize, const FMA: bool>(job: &Job<'_, E>, row_stride: usize) {
    let (k, n, kp, a, b, c, ldc) = (job.k, job.n, job.k_padded, job.a, job.b, job.c, job.ldc);
    let accumulate = |acc: &mut [[E; LANES]; M], p: usize, row: &[E; LANES]| {
        for (i, acc_row) in acc.iter_mut().enumerate() {
            let x = a[i * kp + p];
            for (sum, &y) in acc_row.iter_mut().zip(row) {
                *sum = madd::<E, FMA>(x, y, *sum);
            }
        }
    };
    let store = |acc: &[[E; LANES]; M], j0: usize, width: usize| {
        for (i, acc_row) in acc.iter().enumerate() {
            // SAFETY: row i, columns j0..j0+width of C are inside it.
            unsafe { std::ptr::copy_nonoverlapping(acc_row.as_ptr(), c.add(i * ldc + j0), width) };
        }
    };
    let full = n - n % LANES;
    let paired = strip_pairs(job, row_stride, full, M);
    for j0 in (paired..full).step_by(LANES) {
        let mut acc = [[E::ZERO; LANES]; M];
        for p in 0..k {
            // SAFETY: row p, columns j0..j0+16 of B are inside it (j0 + 16 ≤ n).
            let row: &[E; LANES] = unsafe { &*(b.add(p * row_stride + j0) as *const [E; LANES]) };
            accumulate(&mut acc, p, row);
        }
        store(&acc, j0, LANES);
    }
    if full < n {
        let width = n - full;
        let mut acc = [[E::ZERO; LANES]; M];
        for p in 0..k {
            let mut row = [E::ZERO; LANES];
            // SAFETY: row p, columns full..n of B are inside it.
            unsafe { std::ptr::copy_nonoverlapping(b.add(p * row_stride + full), row.as_mut_ptr(), width) };
            accumulate(&mut acc, p, &row);
        }
        store(&acc, full, width);
    }
}

/// Columns 0 .. (returned) of C computed by the f32 AVX-512 kernel
/// [`avx512::strip_pairs_f32`], 32 at a time, when it applies (f32, an AVX-512
/// CPU, at most 12 rows); 0 otherwise, and the 16-wide strips do them all.
#[inline(always)]
fn strip_pairs<E: Element>(job: &Job<'_, E>, row_stride: usize, full: usize, m: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    if m <= avx512::MAX_PAIRED_ROWS
        && std::any::TypeId::of::<E>() == std::any::TypeId::of::<f32>()
        && simd::has_avx512()
    {
        let paired = full - full % (2 * LANES);
        let cast = |p: *const E| p as *const f32;
        // SAFETY: E is f32 (checked above), the CPU has AVX-512, and the pointers
        // and sizes are the job's, valid by try_small_matmul's contract.
        unsafe {
            avx512::strip_pairs_f32(
                m,
                (cast(job.a.as_ptr()), job.k_padded),
                job.k,
                (cast(job.b), row_stride),
                (job.c as *mut f32, job.ldc),
                paired,
            )
        };
        return paired;
    }
    let _ = (job, row_stride, full, m);
    0
}

/// The row-major `strip` kernel written with AVX-512 intrinsics for f32, two
/// 16-lane columns wide: each pass reads two cache lines of every row of B
/// (half as many passes down the pages of B as 16-wide strips), with 2·M
/// accumulators in registers. Intrinsics, because LLVM's auto-vectorizer turned
/// the same loop over nested arrays into scalar code.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// The most rows of A: 2·12 accumulators, two rows of B and a broadcast of A
    /// fit in the 32 vector registers.
    pub(super) const MAX_PAIRED_ROWS: usize = 12;

    /// C[.., 0..width] = A·B[.., 0..width] for `width` a multiple of 32, A (m×k,
    /// rows `lda` apart), B (k×≥width, rows `ldb` apart), C (rows `ldc` apart).
    ///
    /// # Safety
    /// The CPU has AVX-512F; m ≤ 12; A, B and C hold those elements.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn strip_pairs_f32(
        m: usize,
        (a, lda): (*const f32, usize),
        k: usize,
        (b, ldb): (*const f32, usize),
        (c, ldc): (*mut f32, usize),
        width: usize,
    ) {
        macro_rules! rows {
            ($($n:literal)*) => {
                match m {
                    // SAFETY: forwarded from this function's contract.
                    $($n => unsafe { pass::<$n>((a, lda), k, (b, ldb), (c, ldc), width) },)*
                    _ => unreachable!("at most {MAX_PAIRED_ROWS} rows"),
                }
            };
        }
        rows!(1 2 3 4 5 6 7 8 9 10 11 12)
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn pass<const M: usize>(
        (a, lda): (*const f32, usize),
        k: usize,
        (b, ldb): (*const f32, usize),
        (c, ldc): (*mut f32, usize),
        width: usize,
    ) {
        for j0 in (0..width).step_by(32) {
            let mut acc = [[_mm512_setzero_ps(); 2]; M];
            for p in 0..k {
                // SAFETY (this block): row p, columns j0..j0+32 of B and element
                // (i, p) of A lie inside them by the caller's contract.
                unsafe {
                    let row = b.add(p * ldb + j0);
                    let (b0, b1) = (_mm512_loadu_ps(row), _mm512_loadu_ps(row.add(16)));
                    for (i, acc_row) in acc.iter_mut().enumerate() {
                        let x = _mm512_set1_ps(*a.add(i * lda + p));
                        acc_row[0] = _mm512_fmadd_ps(x, b0, acc_row[0]);
                        acc_row[1] = _mm512_fmadd_ps(x, b1, acc_row[1]);
                    }
                }
            }
            for (i, acc_row) in acc.iter().enumerate() {
                // SAFETY: row i, columns j0..j0+32 of C lie inside it.
                unsafe {
                    _mm512_storeu_ps(c.add(i * ldc + j0), acc_row[0]);
                    _mm512_storeu_ps(c.add(i * ldc + j0 + 16), acc_row[1]);
                }
            }
        }
    }
}

/// B column-major: C[i][j] is the dot product of A's row i with B's column j
/// (contiguous), accumulated 16 lanes at a time, two columns of B at once so each
/// load of A feeds two FMAs (more would spill the accumulators out of registers).
/// A's rows are zero-padded to whole chunks, so a column's last partial chunk is
/// read through a zero-padded copy and adds nothing past k.
#[inline(always)]
fn dot<E: Element, const M: usize, const FMA: bool>(job: &Job<'_, E>, col_stride: usize) {
    const COLUMNS: usize = 2;
    let (k, n, kp, a, b, c, ldc) = (job.k, job.n, job.k_padded, job.a, job.b, job.c, job.ldc);
    let full = k - k % LANES;
    let load = |ptr: *const E| -> [E; LANES] {
        // SAFETY: callers pass pointers to 16 readable elements.
        unsafe { std::ptr::read_unaligned(ptr as *const [E; LANES]) }
    };
    let mut j0 = 0;
    while j0 < n {
        let width = COLUMNS.min(n - j0);
        // SAFETY: columns j0..j0+width of B are k contiguous elements each.
        let columns: [*const E; COLUMNS] =
            std::array::from_fn(|q| unsafe { b.add((j0 + q.min(width - 1)) * col_stride) });
        let mut acc = [[[E::ZERO; LANES]; COLUMNS]; M];
        // Whole chunks straight from B, then (if k is not a multiple of 16) one
        // zero-padded chunk: the same accumulation, kept out of the hot loop's way.
        let mut p0 = 0;
        while p0 < full {
            // SAFETY: p0 + 16 ≤ k.
            let w: [[E; LANES]; COLUMNS] = std::array::from_fn(|q| load(unsafe { columns[q].add(p0) }));
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let x = load(a[i * kp + p0..i * kp + p0 + LANES].as_ptr());
                for (sums, wq) in acc_row.iter_mut().zip(&w) {
                    for l in 0..LANES {
                        sums[l] = madd::<E, FMA>(x[l], wq[l], sums[l]);
                    }
                }
            }
            p0 += LANES;
        }
        if full < k {
            let w: [[E; LANES]; COLUMNS] = std::array::from_fn(|q| {
                let mut padded = [E::ZERO; LANES];
                // SAFETY: elements full..k of the column are inside B.
                unsafe { std::ptr::copy_nonoverlapping(columns[q].add(full), padded.as_mut_ptr(), k - full) };
                padded
            });
            for (i, acc_row) in acc.iter_mut().enumerate() {
                // A's rows are zero-padded to kp = full + 16.
                let x = load(a[i * kp + full..i * kp + full + LANES].as_ptr());
                for (sums, wq) in acc_row.iter_mut().zip(&w) {
                    for l in 0..LANES {
                        sums[l] = madd::<E, FMA>(x[l], wq[l], sums[l]);
                    }
                }
            }
        }
        for (i, acc_row) in acc.iter().enumerate() {
            for (q, sums) in acc_row.iter().enumerate().take(width) {
                // SAFETY: (i, j0 + q) is inside C.
                unsafe { c.add(i * ldc + j0 + q).write(horizontal_sum(sums)) };
            }
        }
        j0 += width;
    }
}

/// Sum of 16 lanes as a tree (pairs of halves), which vectorizes.
#[inline(always)]
fn horizontal_sum<E: Element>(lanes: &[E; LANES]) -> E {
    let mut v = *lanes;
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            let upper = v[l + width];
            v[l] += upper;
        }
        width /= 2;
    }
    v[0]
}
