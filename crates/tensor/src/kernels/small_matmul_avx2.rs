//! The small-row product for f32 on AVX2 + FMA, written with intrinsics: a
//! minibatch of a few rows times a row-major weight (the forward product x·W
//! of the paper's network), B streamed once per block of rows, never packed.
//!
//! AVX2 has 16 vector registers of 8 lanes. A register block is up to
//! [`BLOCK_ROWS`] rows of A by 16 columns of C: 12 accumulators, two vectors
//! of B and one broadcast of A — 15 registers, so nothing spills (the generic
//! kernels, built for AVX-512's 32 registers of 16 lanes, spilled here and ran
//! at a fifth to four fifths of matrixmultiply's speed). Each element of C is
//! a sum over p in order, one FMA per term, so results do not depend on how
//! the columns or rows are blocked.

use std::arch::x86_64::*;

/// Rows of A in one register block.
pub(crate) const BLOCK_ROWS: usize = 6;

/// C = A·B for A m×k (rows `lda` apart, unit stride along them), B k×n
/// row-major (rows `ldb` apart, unit stride), C m×n (rows `ldc` apart;
/// written, not read).
///
/// # Safety
/// The CPU has AVX2 and FMA; m, k, n ≥ 1; A, B and C hold those elements.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn matmul_f32(
    (m, k, n): (usize, usize, usize),
    (a, lda): (*const f32, usize),
    (b, ldb): (*const f32, usize),
    (c, ldc): (*mut f32, usize),
) {
    // Row blocks of nearly equal size: 10 rows are two blocks of 5.
    let blocks = m.div_ceil(BLOCK_ROWS);
    let rows = |r: usize| (r * m / blocks, (r + 1) * m / blocks);
    for j0 in (0..n).step_by(16) {
        let width = (n - j0).min(16);
        for (i0, i1) in (0..blocks).map(rows) {
            // SAFETY: rows i0..i1 of A and C and columns j0..j0+width of B and
            // C are inside them (the contract above); the CPU has AVX2 and FMA.
            unsafe {
                let strip = Strip {
                    a: a.add(i0 * lda),
                    lda,
                    b: b.add(j0),
                    ldb,
                    c: c.add(i0 * ldc + j0),
                    ldc,
                    k,
                    width,
                };
                match i1 - i0 {
                    1 => strip.run::<1>(),
                    2 => strip.run::<2>(),
                    3 => strip.run::<3>(),
                    4 => strip.run::<4>(),
                    5 => strip.run::<5>(),
                    6 => strip.run::<6>(),
                    rows => unreachable!("a register block has 1 to {BLOCK_ROWS} rows, not {rows}"),
                }
            }
        }
    }
}

/// One register block: R rows of A by up to 16 columns of B and C.
struct Strip {
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    k: usize,
    /// Columns of this strip, 1 to 16 (fewer only in the last one).
    width: usize,
}

impl Strip {
    /// C's R×width block = A's R rows · B's width columns, by the loop made
    /// for the strip's width: one vector of 8 columns or two, the last masked
    /// when the width is not whole. Each loop keeps only what it needs in
    /// registers: with both halves and a mask held through the loop, six rows'
    /// accumulators spilled to the stack and the 10×10·10×10 product ran at
    /// 0.92× sgemm.
    ///
    /// # Safety
    /// As for [`matmul_f32`], for this block.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run<const R: usize>(&self) {
        // SAFETY (all four): forwarded; each loop reads and writes only the
        // strip's `width` columns.
        unsafe {
            match self.width {
                16 => self.block::<R, 2, false>(),
                9..=15 => self.block::<R, 2, true>(),
                8 => self.block::<R, 1, false>(),
                _ => self.block::<R, 1, true>(),
            }
        }
    }

    /// [`run`](Strip::run) with H vectors of 8 columns; when MASKED, the last
    /// vector covers only the strip's remaining columns.
    ///
    /// # Safety
    /// As for [`matmul_f32`], for this block; `width` is 8·H, or between
    /// 8·(H − 1) + 1 and 8·H − 1 when MASKED.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn block<const R: usize, const H: usize, const MASKED: bool>(&self) {
        let last = lane_mask(self.width - 8 * (H - 1));
        let mut acc = [[_mm256_setzero_ps(); H]; R];
        for p in 0..self.k {
            let row = self.b.wrapping_add(p * self.ldb);
            let mut b = [_mm256_setzero_ps(); H];
            for (h, b) in b.iter_mut().enumerate() {
                let at = row.wrapping_add(8 * h);
                // SAFETY: B's row p holds the strip's `width` columns; a masked
                // load does not read (or fault on) the lanes masked off.
                *b = unsafe {
                    if MASKED && h == H - 1 {
                        _mm256_maskload_ps(at, last)
                    } else {
                        _mm256_loadu_ps(at)
                    }
                };
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: A's row r holds k elements.
                let x = _mm256_set1_ps(unsafe { *self.a.add(r * self.lda + p) });
                for (acc, b) in acc.iter_mut().zip(b) {
                    *acc = _mm256_fmadd_ps(x, b, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let out = self.c.wrapping_add(r * self.ldc);
            for (h, &acc) in acc.iter().enumerate() {
                let at = out.wrapping_add(8 * h);
                // SAFETY: C's row r holds the strip's `width` columns; a masked
                // store does not write the lanes masked off.
                unsafe {
                    if MASKED && h == H - 1 {
                        _mm256_maskstore_ps(at, last, acc)
                    } else {
                        _mm256_storeu_ps(at, acc)
                    }
                }
            }
        }
    }
}

/// The mask of an 8-lane vector whose first `width` lanes (of 1 to 8) lie
/// inside C: a lane is on when its sign bit is set.
#[target_feature(enable = "avx2")]
fn lane_mask(width: usize) -> __m256i {
    let lane = |l: usize| if l < width { -1 } else { 0 };
    _mm256_setr_epi32(lane(0), lane(1), lane(2), lane(3), lane(4), lane(5), lane(6), lane(7))
}
