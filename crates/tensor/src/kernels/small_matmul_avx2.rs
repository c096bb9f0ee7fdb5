//! The small-row products for f32 on AVX2 + FMA, written with intrinsics: a
//! minibatch of a few rows times a weight, B streamed once per block of rows
//! where it lies (a transposed B is packed, a pass at a time, unless the dot
//! kernel takes it).
//!
//! * [`matmul_f32`]: a row-major B (the forward product x·W of the paper's
//!   network), strips of 16 columns of C; with B in passes (see [`in_passes`])
//!   it is also the AVX2 plan's product for many rows and its rank update.
//! * [`dot_f32`]: a column-major B (the backward product g·Wᵀ, W's rows
//!   contiguous) and a few rows, each element of C a dot product.
//! * [`matmul_packing_b_f32`]: a column-major B and many rows (g·Wᵀ at
//!   minibatch 100), or a small one (at most 4096 elements) and few rows:
//!   the strip kernel on B transposed a pass at a time.
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
//! inlined; none on `zmm`, none scalar). [`matmul_packing_b_f32`] runs the
//! strip kernel's register blocks (`Strip::run`), and its transposes compile
//! to `vunpck…`, `vperm2f128` and `vmovups`/`vmaskmovps` on `ymm` registers
//! (none on `zmm`).

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

/// Inner indices per pass of [`matmul_packing_b_f32`]: a packed pass of a
/// 1000-wide B is 512 KB, in L2 while every block of six rows reads it. On
/// the Intel Xeon (family 6 model 207, 2 MB L2 per core; `GRADLAB_ISA=avx2
/// cargo bench --bench matmul_plan --no-default-features -- 50 100 256`),
/// against the AVX2 sgemm at 50–256 rows, k = 100–1000, n = 1000: passes of
/// 32 ran 1.02–1.18×, 64 1.08–1.27×, 128 1.13–1.28×, 256 1.11–1.28× (longer
/// passes read C back less often; k ≤ 128 is one pass). A CPU with a smaller
/// L2 (512 KB on a Zen 3) is not measured with it.
const PACKED_PASS: usize = 128;

/// The floats [`matmul_packing_b_f32`] packs one pass of B into, for C
/// `n` columns wide and an inner dimension k: [`PACKED_PASS`] steps (fewer if k is
/// shorter) of every strip of 16 columns.
pub(crate) fn packed_pass_len(k: usize, n: usize) -> usize {
    PACKED_PASS.min(k) * n.next_multiple_of(16)
}

/// C = A·B for A m×k (rows `lda` apart, unit stride along them) and a
/// column-major B: column j of B is k contiguous elements at `b + j·ldb` (a
/// row of W, in g·Wᵀ). C m×n (rows `ldc` apart; written, not read).
///
/// The strip kernel of [`matmul_f32`], pass by pass of [`PACKED_PASS`] inner
/// indices, on B transposed a pass at a time into `packed`: each strip of 16
/// columns as its pass's steps of 16 values, one after another (8 KB a
/// strip, 512 KB a pass of a 1000-wide B, read from L2 by every block of six
/// rows). The dot kernel ([`dot_f32`]) reads such a B where it lies, but past
/// two dozen rows its horizontal sums and its reads of A cost more than
/// matrixmultiply's packing; here B is packed once per pass whatever the
/// number of rows. Packing a pass reads 512 bytes from each of B's columns,
/// a page apart in a 1000×1000 weight, where the hardware prefetcher does not
/// follow: it also brings the next pass's lines of the same columns into L2.
///
/// Each element of C is a sum over p in order, one FMA per term, as in
/// [`matmul_f32`]: the result does not depend on how the columns are split
/// over threads.
///
/// # Safety
/// The CPU has AVX2 and FMA; m, k, n ≥ 1; A, B and C hold those elements;
/// `packed` has room for [`packed_pass_len`]`(k, n)` floats.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn matmul_packing_b_f32(
    (m, k, n): (usize, usize, usize),
    (a, lda): (*const f32, usize),
    (b, ldb): (*const f32, usize),
    (c, ldc): (*mut f32, usize),
    packed: *mut f32,
) {
    // Steps per strip in the packed buffer: as many as the longest pass.
    let steps = PACKED_PASS.min(k);
    for p0 in (0..k).step_by(PACKED_PASS) {
        let p1 = (p0 + PACKED_PASS).min(k);
        let next = (p1, (p1 + PACKED_PASS).min(k));
        // SAFETY: inner indices p0..p1 of B's n columns are inside it; the
        // pass packs into packed_pass_len(k, n) = steps · (n rounded up to
        // 16) floats.
        unsafe { pack_pass((b, ldb), (p0, p1), n, (packed, steps), next) };
        for (i0, i1) in row_blocks(m) {
            for j0 in (0..n).step_by(16) {
                let strip = Strip {
                    a: a.wrapping_add(i0 * lda),
                    lda,
                    // The strip's step p is at `b + p·16`: its packed steps
                    // start at p0.
                    b: packed.wrapping_add(j0 * steps).wrapping_sub(p0 * 16),
                    ldb: 16,
                    c: c.wrapping_add(i0 * ldc + j0),
                    ldc,
                    passes: (p0, p1),
                    ahead: 0,
                    width: (n - j0).min(16),
                };
                // SAFETY: rows i0..i1 of A and C and columns j0..j0+width of
                // C are inside them; the strip's packed steps p0..p1 hold its
                // `width` columns; the CPU has AVX2 and FMA.
                unsafe { with_rows!(i1 - i0, strip) }
            }
        }
    }
}

/// Transposes inner indices p0..p1 (at most `steps`) of a column-major B's n
/// columns into strips of 16 columns, step after step (the strip of columns
/// j0.. at `packed + j0·steps`, step p0 + s at `+ 16·s`), eight
/// columns by eight steps at a time, and prefetches inner indices `next` of
/// the same columns into L2. Lanes past the n-th column of the last strip
/// are left as they were (the kernel's masked loads do not read them).
///
/// # Safety
/// The CPU has AVX2; those elements are inside B (and `next` inside or
/// empty); p1 − p0 ≤ `steps`; `packed` has room for `steps` times n rounded
/// up to 16 floats.
#[target_feature(enable = "avx2")]
unsafe fn pack_pass(
    (b, ldb): (*const f32, usize),
    (p0, p1): (usize, usize),
    n: usize,
    (packed, steps): (*mut f32, usize),
    next: (usize, usize),
) {
    let pass = p1 - p0;
    for j in (0..n).step_by(8) {
        let columns = (n - j).min(8);
        let out = packed.wrapping_add((j / 16) * 16 * steps + j % 16);
        for q in (0..pass).step_by(8) {
            let count = (pass - q).min(8);
            let mask = lane_mask(count);
            let tile: [__m256; 8] = std::array::from_fn(|i| {
                if i >= columns {
                    return _mm256_setzero_ps();
                }
                let at = b.wrapping_add((j + i) * ldb + p0 + q);
                // SAFETY: column j + i holds inner indices p0 + q .. p0 + q + count.
                unsafe {
                    if count == 8 {
                        _mm256_loadu_ps(at)
                    } else {
                        _mm256_maskload_ps(at, mask)
                    }
                }
            });
            for (s, row) in transpose_8x8(tile).into_iter().enumerate().take(count) {
                // SAFETY: step q + s of this strip is inside the packed pass.
                unsafe { _mm256_storeu_ps(out.add((q + s) * 16), row) };
            }
        }
        if next.0 < next.1 {
            for i in 0..columns {
                let column = b.wrapping_add((j + i) * ldb);
                // Every line of the next pass's elements (prefetches never fault).
                for p in (next.0..next.1).step_by(16).chain([next.1 - 1]) {
                    _mm_prefetch::<_MM_HINT_T1>(column.wrapping_add(p) as *const i8);
                }
            }
        }
    }
}

/// The transpose of eight 8-lane rows: lane i of result j is lane j of row i.
#[target_feature(enable = "avx2")]
fn transpose_8x8(r: [__m256; 8]) -> [__m256; 8] {
    // Pairs of rows interleaved, then pairs of pairs: each 128-bit half holds
    // four rows' values of one column (columns j and j + 4 in the two halves).
    let pairs = |x, y| (_mm256_unpacklo_ps(x, y), _mm256_unpackhi_ps(x, y));
    let (t0, t1) = pairs(r[0], r[1]);
    let (t2, t3) = pairs(r[2], r[3]);
    let (t4, t5) = pairs(r[4], r[5]);
    let (t6, t7) = pairs(r[6], r[7]);
    let quads = |x, y| (_mm256_shuffle_ps::<0x44>(x, y), _mm256_shuffle_ps::<0xEE>(x, y));
    let (s0, s1) = quads(t0, t2);
    let (s2, s3) = quads(t1, t3);
    let (s4, s5) = quads(t4, t6);
    let (s6, s7) = quads(t5, t7);
    // Rows 0–3 of a column from the first set, rows 4–7 from the second.
    let low = |x, y| _mm256_permute2f128_ps::<0x20>(x, y);
    let high = |x, y| _mm256_permute2f128_ps::<0x31>(x, y);
    [
        low(s0, s4),
        low(s1, s5),
        low(s2, s6),
        low(s3, s7),
        high(s0, s4),
        high(s1, s5),
        high(s2, s6),
        high(s3, s7),
    ]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_8x8_equals_the_scalar_transpose() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let values: Vec<f32> = (0..64).map(|v| v as f32).collect();
        // SAFETY: the CPU has AVX2 (checked); each row reads 8 of the 64 values.
        let columns = unsafe {
            let rows: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(values.as_ptr().add(8 * i)));
            transpose_8x8(rows)
        };
        for (j, column) in columns.iter().enumerate() {
            let mut lanes = [0.0f32; 8];
            // SAFETY: `lanes` holds 8 floats.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *column) };
            let expected: Vec<f32> = (0..8).map(|i| values[8 * i + j]).collect();
            assert_eq!(lanes.to_vec(), expected, "column {j}");
        }
    }

    /// The packing kernel writes only inside the [`packed_pass_len`] floats it
    /// is given, also when k is shorter than a pass and B is wide (each strip
    /// then holds k steps, not [`PACKED_PASS`]), and gets the product right.
    #[test]
    fn packing_b_stays_inside_its_buffer_and_multiplies() {
        if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")) {
            return;
        }
        const GUARD: f32 = -7.25;
        for (m, k, n) in [(13, 40, 2000), (24, 64, 2000), (7, 3, 37), (13, 200, 300)] {
            let a: Vec<f32> = (0..m * k).map(|v| (v % 13) as f32 - 6.0).collect();
            // Column j of B at j·k: B[p][j] = b[j·k + p].
            let b: Vec<f32> = (0..k * n).map(|v| (v % 7) as f32 - 3.0).collect();
            let mut c = vec![0.0f32; m * n];
            let len = packed_pass_len(k, n);
            let mut packed = vec![GUARD; len + 4096];
            // SAFETY: the CPU has AVX2 and FMA (checked); A, B and C hold
            // m×k, k×n and m×n floats; `packed` has room for packed_pass_len.
            unsafe {
                matmul_packing_b_f32(
                    (m, k, n),
                    (a.as_ptr(), k),
                    (b.as_ptr(), k),
                    (c.as_mut_ptr(), n),
                    packed.as_mut_ptr(),
                )
            };
            assert!(
                packed[len..].iter().all(|&v| v == GUARD),
                "{m}×{k}·{k}×{n}: packed past its {len} floats"
            );
            for i in 0..m {
                for j in 0..n {
                    let expected: f32 = (0..k).map(|p| a[i * k + p] * b[j * k + p]).sum();
                    assert_eq!(c[i * n + j], expected, "{m}×{k}·{k}×{n}: C[{i}][{j}]");
                }
            }
        }
    }
}
