//! The small-row products for f32 on AVX2 + FMA, written with intrinsics: a
//! minibatch of a few rows times a weight, B streamed once per block of rows,
//! never packed.
//!
//! * [`matmul_f32`]: a row-major B (the forward product x·W of the paper's
//!   network), strips of 16 columns of C; with B in passes (see [`in_passes`])
//!   it is also the AVX2 plan's product for many rows and its rank update.
//! * [`dot_f32`]: a column-major B (the backward product g·Wᵀ, W's rows
//!   contiguous), each element of C a dot product.
//!
//! AVX2 has 16 vector registers of 8 lanes. A register block is up to
//! [`BLOCK_ROWS`] rows of A by 16 columns of C: 12 accumulators, two vectors
//! of B and one broadcast of A — 15 registers, so nothing spills (the generic
//! kernels, built for AVX-512's 32 registers of 16 lanes, spilled here and ran
//! at a fifth to four fifths of matrixmultiply's speed). In the strip kernel
//! each element of C is a sum over p in order, one FMA per term; in the dot
//! kernel, eight sums over every eighth p, then added in a fixed tree. Either
//! way the result does not depend on how the columns or rows are blocked (or
//! split over threads).
//!
//! Both compile to 256-bit vector code: in a release build, `objdump -d` of
//! `matmul_f32` and `dot_f32` shows their multiply-adds as `vfmadd…ps` on
//! `ymm` registers only (306 and 130 of them, every monomorphized block
//! inlined; none on `zmm`, none scalar).

use std::arch::x86_64::*;

use super::small_matmul::K_BLOCK;

/// Rows of A in one register block.
pub(crate) const BLOCK_ROWS: usize = 6;

/// The fewest elements of a row-major B for which the strip kernel goes by
/// passes (256 KB, a quarter of a Zen 4 core's L2): [`matmul_f32`].
const PASSES_FROM: usize = 1 << 16;

/// Whether [`matmul_f32`] goes through B in passes of [`K_BLOCK`] rows. Passes
/// pay for a B too large to stay in L2 between uses (k·n ≥ [`PASSES_FROM`]):
/// a minibatch times a weight, where each pass is read from memory once
/// however many rows A has. A smaller B stays in cache (W3's 784×30 layer
/// ran at 0.94× in passes). A narrow product (C at most [`NARROW`] columns)
/// of many rows has a large A, which one pass reads straight through, row
/// by row (in passes, 128 to 1000 rows ran at 0.84–0.95× sgemm).
pub(crate) fn in_passes((m, k, n): (usize, usize, usize)) -> bool {
    k * n >= PASSES_FROM && (m <= 2 * BLOCK_ROWS || n > NARROW)
}

/// The widest C (in columns) that [`in_passes`] counts as narrow.
const NARROW: usize = 128;

/// A's m rows in register blocks of nearly equal size, at most
/// [`BLOCK_ROWS`] each (10 rows are two blocks of 5): (first row, end).
fn row_blocks(m: usize) -> impl Iterator<Item = (usize, usize)> {
    let blocks = m.div_ceil(BLOCK_ROWS);
    (0..blocks).map(move |r| (r * m / blocks, (r + 1) * m / blocks))
}

/// Calls `$block.run::<R>()` with the const R equal to `$rows` (1 to 6).
macro_rules! with_rows {
    ($rows:expr, $block:ident) => {
        match $rows {
            1 => $block.run::<1>(),
            2 => $block.run::<2>(),
            3 => $block.run::<3>(),
            4 => $block.run::<4>(),
            5 => $block.run::<5>(),
            6 => $block.run::<6>(),
            rows => unreachable!("a register block has 1 to {BLOCK_ROWS} rows, not {rows}"),
        }
    };
}

/// C = A·B for A m×k (rows `lda` apart, unit stride along them), B k×n
/// row-major (rows `ldb` apart, unit stride), C m×n (rows `ldc` apart;
/// written, not read).
///
/// As in the AVX-512 kernel, B goes by in passes of [`K_BLOCK`] rows: within
/// a pass every row block sweeps all strips, so the pass (128 KB of a
/// 1000-wide weight) is read from memory once, and the first row block
/// prefetches the next pass as it goes (each row of such a weight is a page
/// of its own, where the hardware prefetcher starts afresh). Without this,
/// in training, where a weight comes from memory, the kernel ran at half its
/// speed on a cached one (W1 under `GRADLAB_ISA=avx2`, perf: 540 µs per
/// forward product against 255 in a loop).
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
    let pass = if in_passes((m, k, n)) { K_BLOCK } else { k };
    for p0 in (0..k).step_by(pass) {
        let p1 = (p0 + pass).min(k);
        for (block, (i0, i1)) in row_blocks(m).enumerate() {
            for j0 in (0..n).step_by(16) {
                let strip = Strip {
                    a: a.wrapping_add(i0 * lda),
                    lda,
                    b: b.wrapping_add(j0),
                    ldb,
                    c: c.wrapping_add(i0 * ldc + j0),
                    ldc,
                    passes: (p0, p1),
                    ahead: if block == 0 { pass.min(k - p1) } else { 0 },
                    width: (n - j0).min(16),
                };
                // SAFETY: rows i0..i1 of A and C, rows p0..p1 + ahead of B and
                // columns j0..j0+width of B and C are inside them (the
                // contract above); the CPU has AVX2 and FMA.
                unsafe { with_rows!(i1 - i0, strip) }
            }
        }
    }
}

/// One register block of one pass: R rows of A by up to 16 columns of B and C.
struct Strip {
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    /// The pass's rows of B, p0..p1: C's partial sums are read back when p0 > 0.
    passes: (usize, usize),
    /// Rows of the next pass to prefetch, one per row of this pass (0 but
    /// for the first row block).
    ahead: usize,
    /// Columns of this strip, 1 to 16 (fewer only in the last one).
    width: usize,
}

impl Strip {
    /// C's R×width block += A's R rows · B's width columns over the pass,
    /// by the loop made for the strip's width: one vector of 8 columns or
    /// two, the last masked when the width is not whole. Each loop keeps only
    /// what it needs in registers: with both halves and a mask held through
    /// the loop, six rows' accumulators spilled to the stack and the
    /// 10×10·10×10 product ran at 0.92× sgemm.
    ///
    /// # Safety
    /// As for [`matmul_f32`], for this block.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run<const R: usize>(&self) {
        // SAFETY (all four): forwarded; each loop reads and writes only the
        // strip's `width` columns.
        unsafe {
            if self.passes.0 == 0 && self.ahead == 0 {
                self.by_width::<R, false>()
            } else {
                self.by_width::<R, true>()
            }
        }
    }

    /// [`run`](Strip::run) for one strip width; PASSES when this pass is not
    /// the whole product or prefetches the next. A product in one pass (all
    /// with k ≤ 32) runs a loop that neither reads C back nor prefetches:
    /// with those held in registers through it, a 10×10·10×10 product with
    /// B transposed (copied, then a masked strip) took 280–330 ns against
    /// 250.
    ///
    /// # Safety
    /// As for [`matmul_f32`], for this block.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn by_width<const R: usize, const PASSES: bool>(&self) {
        // SAFETY (all four): forwarded; each loop reads and writes only the
        // strip's `width` columns.
        unsafe {
            match self.width {
                16 => self.block::<R, 2, false, PASSES>(),
                9..=15 => self.block::<R, 2, true, PASSES>(),
                8 => self.block::<R, 1, false, PASSES>(),
                _ => self.block::<R, 1, true, PASSES>(),
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
    unsafe fn block<const R: usize, const H: usize, const MASKED: bool, const PASSES: bool>(&self) {
        let last = lane_mask(self.width - 8 * (H - 1));
        // SAFETY (loads and stores of C): C's row r holds the strip's `width`
        // columns; masked loads and stores touch only the lanes masked on.
        let (c, ldc) = (self.c, self.ldc);
        let at_c = |r: usize, h: usize| c.wrapping_add(r * ldc + 8 * h);
        let (p0, p1) = self.passes;
        let mut acc = [[_mm256_setzero_ps(); H]; R];
        if PASSES && p0 > 0 {
            for (r, acc) in acc.iter_mut().enumerate() {
                for (h, acc) in acc.iter_mut().enumerate() {
                    *acc = unsafe {
                        if MASKED && h == H - 1 {
                            _mm256_maskload_ps(at_c(r, h), last)
                        } else {
                            _mm256_loadu_ps(at_c(r, h))
                        }
                    };
                }
            }
        }
        // Copies, so the loops read them from registers.
        let (a, lda, b, ldb) = (self.a, self.lda, self.b, self.ldb);
        let prefetched = if PASSES { p0 + self.ahead } else { p0 };
        for p in p0..p1 {
            let row = b.wrapping_add(p * ldb);
            if PASSES && p < prefetched {
                // The same strip a pass on: its first and last element's
                // lines (prefetches never fault).
                let next = row.wrapping_add((p1 - p0) * ldb);
                _mm_prefetch::<_MM_HINT_T0>(next as *const i8);
                _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(self.width - 1) as *const i8);
            }
            let mut v = [_mm256_setzero_ps(); H];
            for (h, v) in v.iter_mut().enumerate() {
                let at = row.wrapping_add(8 * h);
                // SAFETY: B's row p holds the strip's `width` columns; a masked
                // load does not read (or fault on) the lanes masked off.
                *v = unsafe {
                    if MASKED && h == H - 1 {
                        _mm256_maskload_ps(at, last)
                    } else {
                        _mm256_loadu_ps(at)
                    }
                };
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: A's row r holds k elements.
                let x = _mm256_set1_ps(unsafe { *a.add(r * lda + p) });
                for (acc, v) in acc.iter_mut().zip(v) {
                    *acc = _mm256_fmadd_ps(x, v, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (h, &acc) in acc.iter().enumerate() {
                unsafe {
                    if MASKED && h == H - 1 {
                        _mm256_maskstore_ps(at_c(r, h), last, acc)
                    } else {
                        _mm256_storeu_ps(at_c(r, h), acc)
                    }
                }
            }
        }
    }
}

/// The mask of an 8-lane vector whose first `width` lanes (of 0 to 8) lie
/// inside C: a lane is on when its sign bit is set.
#[target_feature(enable = "avx2")]
fn lane_mask(width: usize) -> __m256i {
    let lane = |l: usize| if l < width { -1 } else { 0 };
    _mm256_setr_epi32(lane(0), lane(1), lane(2), lane(3), lane(4), lane(5), lane(6), lane(7))
}

/// C = A·B for A m×k (rows `lda` apart, unit stride along them) and a
/// column-major B: column j of B is k contiguous elements at `b + j·ldb` (a
/// row of W, in g·Wᵀ). C m×n (rows `ldc` apart; written, not read).
///
/// For each pair of B's columns, every block of up to [`BLOCK_ROWS`] rows of
/// A adds up its dot products with them, 8 lanes at a time: 12 accumulators
/// and two vectors of B in registers, A's values read as memory operands. So
/// B is read from memory once however many rows A has (the other row blocks
/// find the pair in L1), and while one pair is in use the next is brought
/// into L2: each row of a 1000-wide W is a page of its own, where the
/// hardware prefetcher starts afresh.
///
/// # Safety
/// The CPU has AVX2 and FMA; m, k, n ≥ 1; A, B and C hold those elements.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot_f32(
    (m, k, n): (usize, usize, usize),
    (a, lda): (*const f32, usize),
    (b, ldb): (*const f32, usize),
    (c, ldc): (*mut f32, usize),
) {
    for j0 in (0..n).step_by(2) {
        let width = (n - j0).min(2);
        // A last, single column is read twice (its second sums are not stored).
        let w = [b.wrapping_add(j0 * ldb), b.wrapping_add((j0 + width - 1) * ldb)];
        let next = if j0 + 2 < n {
            [b.wrapping_add((j0 + 2) * ldb), b.wrapping_add((j0 + 3).min(n - 1) * ldb)]
        } else {
            w
        };
        for (block, (i0, i1)) in row_blocks(m).enumerate() {
            let dots = Dots {
                a: a.wrapping_add(i0 * lda),
                lda,
                w,
                next: if block == 0 { Some(next) } else { None },
                k,
                c: c.wrapping_add(i0 * ldc + j0),
                ldc,
                width,
            };
            // SAFETY: rows i0..i1 of A and C, columns j0..j0+width of B and C
            // are inside them (the contract above); the CPU has AVX2 and FMA.
            unsafe { with_rows!(i1 - i0, dots) }
        }
    }
}

/// One register block of the dot kernel: R rows of A against two columns of B.
struct Dots {
    a: *const f32,
    lda: usize,
    /// The two columns of B (the same one twice for a last, single column).
    w: [*const f32; 2],
    /// The next two columns, to prefetch into L2 (by the first row block only).
    next: Option<[*const f32; 2]>,
    k: usize,
    c: *mut f32,
    ldc: usize,
    /// Columns of C to store, 1 or 2.
    width: usize,
}

impl Dots {
    /// C's R×width block: 8-lane partial sums over whole chunks of 8 inner
    /// indices, a masked last chunk, then each sum reduced and stored.
    ///
    /// # Safety
    /// As for [`dot_f32`], for this block.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run<const R: usize>(&self) {
        let whole = self.k - self.k % 8;
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        let add = |acc: &mut [[__m256; 2]; R], p: usize, v: [__m256; 2], mask: Option<__m256i>| {
            for (r, sums) in acc.iter_mut().enumerate() {
                let at = self.a.wrapping_add(r * self.lda + p);
                // SAFETY: A's row r holds k elements; a masked load reads only
                // the lanes before k.
                let x = unsafe {
                    match mask {
                        Some(mask) => _mm256_maskload_ps(at, mask),
                        None => _mm256_loadu_ps(at),
                    }
                };
                sums[0] = _mm256_fmadd_ps(x, v[0], sums[0]);
                sums[1] = _mm256_fmadd_ps(x, v[1], sums[1]);
            }
        };
        for p in (0..whole).step_by(8) {
            if let Some(next) = self.next {
                // A line (16 elements) of each next column every other chunk.
                if p % 16 == 0 {
                    _mm_prefetch::<_MM_HINT_T1>(next[0].wrapping_add(p) as *const i8);
                    _mm_prefetch::<_MM_HINT_T1>(next[1].wrapping_add(p) as *const i8);
                }
            }
            // SAFETY: p + 8 ≤ k, inside both columns.
            let v = unsafe { [_mm256_loadu_ps(self.w[0].add(p)), _mm256_loadu_ps(self.w[1].add(p))] };
            add(&mut acc, p, v, None);
        }
        if whole < self.k {
            let mask = lane_mask(self.k - whole);
            // SAFETY: the masked loads read only the columns' elements before k.
            let v = unsafe {
                [
                    _mm256_maskload_ps(self.w[0].add(whole), mask),
                    _mm256_maskload_ps(self.w[1].add(whole), mask),
                ]
            };
            add(&mut acc, whole, v, Some(mask));
        }
        for (r, sums) in acc.iter().enumerate() {
            for (q, &sum) in sums.iter().enumerate().take(self.width) {
                // SAFETY: (r, q) is inside C's block.
                unsafe { self.c.add(r * self.ldc + q).write(horizontal_sum(sum)) };
            }
        }
    }
}

/// The sum of a vector's 8 lanes, always in the same tree: halves, then
/// pairs, then the last two.
#[target_feature(enable = "avx2")]
fn horizontal_sum(v: __m256) -> f32 {
    let halves = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let pairs = _mm_add_ps(halves, _mm_movehl_ps(halves, halves));
    _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps::<1>(pairs, pairs)))
}
