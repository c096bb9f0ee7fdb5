//! The general f32 matrix product on AVX-512 CPUs: C ← α·A·B + β·C with packed
//! operands and a 12×32 register kernel, for the products the streaming paths
//! ([`small_matmul`](crate::kernels::small_matmul), [`rank_update`](crate::kernels::rank_update))
//! do not take: a minibatch of 100 times a weight (`x·W`, `g·Wᵀ`) and its
//! weight gradient (`xᵀ·g`), and a few rows times a short transposed weight.
//!
//! matrixmultiply (0.3.11, with its `avx512` feature) has a 16×16 AVX-512
//! kernel; this one differs where the shapes of training make it pay:
//!
//! * a 12×32 block of C in 24 of the 32 registers: each step down the inner
//!   dimension loads two vectors of B, broadcasts 12 values of A and does 24
//!   multiply-adds (16×16 does 16 per vector of B);
//! * a row-major B (a weight) is packed by the kernels that first use it,
//!   as they read it, not by a pass of its own; a column-major B (a
//!   transposed weight) and a row-major A are packed through 16×16
//!   transposes in registers;
//! * while one block of B is in use, the kernels bring the next one from L3
//!   into L2, a line every few steps: the rows of a 1000-wide weight are a
//!   new page each, where the hardware prefetcher stops;
//! * nothing brings the first block of a row-major B, so the passes over it
//!   start short and double (32, 64, 128 inner indices, then even ones): a
//!   weight read from memory rather than cache is waited for 32 rows deep,
//!   not 250;
//! * C is written twelve rows at a time along its rows (a 4 MB weight
//!   gradient is streamed out, not visited a strip at a time down its pages);
//! * a last strip of at most 16 columns (a 10-class output layer) runs a
//!   16-wide kernel instead of a padded 32-wide one;
//! * A is packed once, whole, before the first pass (when it packs into at
//!   most [`WHOLE_A_MAX`] values; a minibatch of 100 × 1000 inputs packs into
//!   144,000), each step of a register block in one aligned line ([`A_STEP`]),
//!   not again for each block of columns, nor for each unit of columns a
//!   thread takes when a product is split over threads
//!   ([`column_shares`](crate::kernels::column_shares));
//! * a column-major A (zᵀ in a weight gradient zᵀ·∂C/∂s) is not packed at
//!   all: a step's values are side by side already, and the kernels read
//!   them where they are;
//! * the packing buffers come from the thread's buffer pool: training does
//!   not allocate once warm.
//!
//! The loops, outermost first:
//!
//! ```text
//! pack A whole, pass by pass and register block by register block (if it is
//!   small enough and not column-major)
//! for each claim of columns (all of C on one thread; units of it on several):
//!   for each pass of at most KC = 256 inner indices p:    (C is added to after the first)
//!     (row-major B: the first passes ramp up, 32, 64, 128 … inner indices; see `Passes`)
//!       for each block of at most NC = 256 columns:
//!           (column-major B) pack that KC×NC block of B in strips of 32 columns, p-major
//!           for each register block of ≤ 12 rows of A:
//!               (A not column-major, not packed whole) pack its ≤ 12×KC values → stays in L1
//!               for each strip of the block: C block ← α·A block·B strip + β·C block
//!                   (row-major B, first register block: pack the strip as it is read)
//!                   (each step: prefetch the packed strip B_AHEAD = 12 steps ahead → L1;
//!                    every few steps: prefetch a line of the next block of B → L2;
//!                    in the claim's last block, of the claim the thread takes next)
//! ```
//!
//! The packed block of B (KC×NC, 256 KB) stays in L2 while every register
//! block runs over it.
//!
//! Measured against matrixmultiply shape by shape on an Intel Xeon
//! (family 6 model 207; `cargo bench --bench matmul_plan`, before B was packed by
//! the kernels and prefetched): 1.0–1.2× at m ≥ 64 for most shapes
//! (100×1000×1000: 1.11× with B row-major, 1.18× column-major in one run), but
//! 0.80–0.95× at some (the machine's repetitions differ by up to ±25 %), and
//! below that on tiny products, where per-call costs dominate. With them, the
//! peer script's MM100 (x·W at 100×1000×1000, one thread) ran 1.26× and 1.31×
//! raw matrixmultiply in two runs on that machine.

use crate::element::Element;
use crate::kernels::column_shares::Claim;
use crate::matmul::Operand;

/// Computes C ← α·A·B + β·C (C m×n, rows `ldc` apart, unit column stride)
/// for the columns of `first`, then for those of each claim `claim` returns,
/// until None, when the elements are f32 and the CPU has AVX-512F; returns
/// false (touching nothing, claiming nothing) otherwise. As in BLAS, with
/// β = 0 the old C is never read, so it may be uninitialized.
///
/// The claims are one thread's share of a product split over threads
/// ([`ColumnShares`](crate::kernels::column_shares::ColumnShares)), or all of C. A is
/// packed once for all of them (whole, when it packs into at most
/// [`WHOLE_A_MAX`] values), not once per claim. Each column is computed the
/// same way (the same passes, register blocks and strips) when the claims
/// start at multiples of 32 columns, so the result does not depend on which
/// thread took which.
///
/// # Safety
/// As for [`Element::gemm`]: every element of A (m×k) and B (k×n) reachable
/// through the given strides lies in its buffer, and `c` has room for the m×n
/// block; C does not overlap A or B. The claimed columns lie in `0..n`, and no
/// other thread writes them meanwhile.
pub(crate) unsafe fn try_packed_gemm_claiming<E: Element>(
    (m, k, n): (usize, usize, usize),
    (alpha, a, b, beta): (E, Operand<E>, Operand<E>, E),
    (c, ldc): (*mut E, usize),
    first: Claim,
    claim: &mut dyn FnMut() -> Option<Claim>,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if crate::kernels::plan::f32_on_avx512::<E>() {
        if m == 0 || n == 0 || k == 0 {
            return false;
        }
        let f = |x: E| x.to_f64() as f32;
        // SAFETY: E is f32 (checked) and the CPU has AVX-512F; the operands are
        // this call's, valid by its contract.
        unsafe {
            avx512::gemm_f32_claims(
                (m, k, n),
                (f(alpha), a.into_f32(), b.into_f32(), f(beta)),
                (c as *mut f32, ldc),
                first,
                claim,
            )
        };
        return true;
    }
    let _ = ((m, k, n), alpha, a, b, beta, c, ldc, first, claim);
    false
}

/// Whether a product with an A of m×k goes to this GEMM with A packed once,
/// whole: then a thread may take its columns in many units at no cost of
/// packing A again ([`ColumnShares::in_units`](crate::kernels::column_shares::ColumnShares::in_units)).
pub(crate) fn packs_a_whole<E: 'static>((m, k): (usize, usize)) -> bool {
    crate::kernels::plan::f32_on_avx512::<E>() && a_fits_whole((m, k))
}

/// Whether an A of m×k is small enough to pack whole (at most [`WHOLE_A_MAX`]
/// values packed): the one test behind both the kernels' choice and [`packs_a_whole`].
fn a_fits_whole((m, k): (usize, usize)) -> bool {
    packed_a_len(m, k) <= WHOLE_A_MAX
}

/// Values of an m×k A packed whole: every register block's steps are
/// [`A_STEP`] values apart.
fn packed_a_len(m: usize, k: usize) -> usize {
    m.div_ceil(MR) * A_STEP * k
}

/// The most values of A kept packed whole across the passes and claims of a
/// product (6 MB: an A of a million values packs into 1.33–1.45 million, and
/// a minibatch of 100 × 1000 inputs into 144,000). A larger A is packed
/// register block by register block as the kernels need it.
const WHOLE_A_MAX: usize = 3 << 19;

/// Rows of a register block (12 rows × 2 accumulators, two vectors of B
/// and a broadcast of A fit in the 32 vector registers). Its packed A,
/// 256 steps of [`A_STEP`] values, stays in L1.
const MR: usize = 12;
/// Values between the steps of a packed register block of A: a block's
/// ≤ 12 values of one step sit in one 64-byte line, written by one
/// aligned vector store (the 4 or more past the block's rows are never
/// read). Packed at 11 or 12 values a step, the stores were masked and
/// every third one split across two lines.
const A_STEP: usize = 16;

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{a_fits_whole, packed_a_len, Claim, A_STEP, MR};
    use crate::kernels::simd::transpose_16x16;
    use crate::matmul::Operand;
    use std::arch::x86_64::*;

    /// Inner indices per pass: a packed block of B is KC×[`NC`] values.
    const KC: usize = 256;
    /// Columns of B packed at a time: 256×256 values are 256 KB, which stay
    /// in L2 while every register block of A runs over them. Of 128, 256 and
    /// 512, 256 measured best on an Intel Xeon (family 6 model 207: W2 4 %
    /// faster than with 512, in 5 of 6 alternating runs of `experiments bench W2`). At
    /// minibatch 100 a pass's A (100 KB), this block, the next one on its way
    /// in and the block's C (100 KB) take 0.7 MB of L2 instead of 1.3.
    const NC: usize = 256;
    /// Columns of a strip: two 16-lane registers (one for a last strip of at most 16).
    const NR: usize = 32;
    /// How many rows ahead a packing kernel prefetches a row-major B into L1
    /// (the first block of B is not in L2 yet: nothing prefetched it there).
    const PACK_AHEAD: isize = 8;
    /// Steps ahead a kernel prefetches its packed strip of B from L2 into L1
    /// (1.5 KB: the hardware's own L1 prefetch left the loads of B waiting;
    /// of 4, 8, 12, 16 and 24, 12 measured best on an Intel Xeon, 16 nearly as
    /// good, with `experiments bench W2`). Past a strip's end it fetches
    /// the start of the next strip, which follows it in the packed block.
    const B_AHEAD: usize = 12;
    /// How far ahead along its 16 columns (rows of W) the transposing
    /// packing of a column-major B prefetches into L1: two lines. Sixteen
    /// columns are sixteen pages of a 1000-wide weight, more streams than
    /// the L1 prefetcher follows; on the AMD EPYC (Zen 5), g·Wᵀ at
    /// 100×1000×1000 (weights in turn) ran 2.5–5 % faster with it, W2 at one
    /// thread 0.3–2.3 % in four alternating rounds (one line or three ahead:
    /// the same within noise).
    const PACK_B_AHEAD: usize = 32;
    /// Inner indices of the first pass over a row-major B (see [`Passes`]).
    const FIRST_PASS: usize = 32;

    /// One register block's work: C block (R rows × `width` ≤ 16·V columns) ←
    /// α·A block·B strip + β·C block.
    #[derive(Clone, Copy)]
    struct Tile {
        /// The block of A: kc steps of R values, `a_step` apart.
        a: *const f32,
        /// [`A_STEP`] when A is packed, its column stride when read in place.
        a_step: usize,
        /// The strip of B, packed: kc steps of 16·V values (written by a
        /// packing kernel, read by the others).
        b: *mut f32,
        /// For a packing kernel: the strip in a row-major B (rows `b_rs` apart).
        b_source: *const f32,
        b_rs: isize,
        kc: usize,
        /// The block's first element of C; rows `ldc` apart.
        c: *mut f32,
        ldc: usize,
        width: usize,
        alpha: f32,
        /// 0 on the first pass when the caller's β is 0: C is then not read.
        beta: f32,
    }

    /// Calls `kernel::<R, V, PACK>(tile, next)` with the consts R equal to
    /// `rows` (1 to 12), V = 1 for a strip of at most 16 columns, else 2, and
    /// PACK equal to `pack`.
    macro_rules! with_rows {
        ($rows:expr, $width:expr, $pack:expr, $tile:expr, $next:expr) => {
            with_rows!(@ $rows, $width, $pack, $tile, $next, 1 2 3 4 5 6 7 8 9 10 11 12)
        };
        (@ $rows:expr, $width:expr, $pack:expr, $tile:expr, $next:expr, $($r:literal)*) => {
            match ($rows, $width <= 16, $pack) {
                $(($r, true, false) => kernel::<$r, 1, false>($tile, $next),)*
                $(($r, false, false) => kernel::<$r, 2, false>($tile, $next),)*
                $(($r, true, true) => kernel::<$r, 1, true>($tile, $next),)*
                $(($r, false, true) => kernel::<$r, 2, true>($tile, $next),)*
                _ => unreachable!("a register block has 1 to {MR} rows"),
            }
        };
    }

    /// The product over the claimed columns, for the f32 elements of
    /// [`try_packed_gemm_claiming`](super::try_packed_gemm_claiming): A packed
    /// whole first if it is small enough, then each claim in turn.
    ///
    /// # Safety
    /// The CPU has AVX-512F; m, k, n ≥ 1; the operands and claims as for
    /// `try_packed_gemm_claiming`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gemm_f32_claims(
        (m, k, n): (usize, usize, usize),
        (alpha, a, b, beta): (f32, Operand<f32>, Operand<f32>, f32),
        (c, ldc): (*mut f32, usize),
        first: Claim,
        claim: &mut dyn FnMut() -> Option<Claim>,
    ) {
        // A row-major B is read by the packing kernels as they go: ramp up.
        let passes = Passes::new(k, b.cs == 1);
        // A column-major A is read where it is: each step's values are
        // already side by side.
        let in_place = a.rs == 1 && a.cs > 0;
        let whole = !in_place && a_fits_whole((m, k));
        let a_len = match (in_place, whole) {
            (true, _) => 0,
            (false, true) => packed_a_len(m, k),
            (false, false) => A_STEP * passes.longest(),
        };
        let widest = n.min(NC).next_multiple_of(NR);
        with_packing_buffers(a_len, passes.longest() * widest, |a_pack, b_pack| {
            let a_part = if in_place {
                APart::InPlace(a)
            } else if whole {
                // SAFETY: A is m×k; `a_pack` holds its packed_a_len values.
                unsafe { pack_whole_a(a_pack, a, m, passes) };
                APart::Packed(a_pack)
            } else {
                APart::ToPack(a, a_pack)
            };
            let mut next = Some(first);
            while let Some(Claim { columns, then }) = next {
                let then = then.map_or(Prefetcher::NONE, |then| {
                    Prefetcher::block_of_b(b, passes.bounds(0), (then.start, NC.min(then.len())))
                });
                // SAFETY: the claimed columns are inside B and C and this
                // thread's; the buffers have room for the packed blocks.
                unsafe {
                    let b = Operand { ptr: b.ptr.offset(columns.start as isize * b.cs), ..b };
                    columns_f32(
                        (m, passes, columns.len()),
                        (alpha, a_part, b, beta),
                        (c.add(columns.start), ldc),
                        b_pack,
                        then,
                    );
                }
                next = claim();
            }
        });
    }

    /// C ← α·A·B + β·C for `n` columns of B and C, pass by pass and block by
    /// block of [`NC`] columns; the last block brings the first block of
    /// `then` into L2 (the columns this thread will likely do next).
    ///
    /// # Safety
    /// The CPU has AVX-512F; the operands as for [`gemm_f32_claims`], B and C
    /// from these columns on; `b_pack` has room for a packed block.
    #[target_feature(enable = "avx512f")]
    unsafe fn columns_f32(
        (m, passes, n): (usize, Passes, usize),
        (alpha, a, b, beta): (f32, APart, Operand<f32>, f32),
        (c, ldc): (*mut f32, usize),
        b_pack: *mut f32,
        then: Prefetcher,
    ) {
        // Block `index` is the pass and first column of the index-th block,
        // pass by pass, NC columns at a time.
        let per_pass = n.div_ceil(NC);
        let block = |index: usize| (index / per_pass, index % per_pass * NC);
        let count = passes.count() * per_pass;
        for index in 0..count {
            let (pass, j0) = block(index);
            let (p0, p1) = passes.bounds(pass);
            let columns = NC.min(n - j0);
            let beta = if pass == 0 { beta } else { 1.0 };
            // SAFETY: inner indices p0..p1 and columns j0..j0+columns are
            // inside B and C; the buffers have room for the packed blocks.
            unsafe {
                let b_block = Operand { ptr: b.ptr.offset(p0 as isize * b.rs + j0 as isize * b.cs), ..b };
                // A row-major B is packed by the first register block's
                // kernels as they read it (see `column_block`).
                let b_source = (b.cs == 1).then_some(b_block);
                if b_source.is_none() {
                    pack_b(b_pack, b_block, p1 - p0, columns);
                }
                let next = if index + 1 < count {
                    let (pass, j0) = block(index + 1);
                    Prefetcher::block_of_b(b, passes.bounds(pass), (j0, NC.min(n - j0)))
                } else {
                    then
                };
                column_block(
                    (m, p1 - p0, columns),
                    (alpha, a.pass(p0, m), beta),
                    (c.add(j0), ldc),
                    (b_pack, b_source),
                    next,
                );
            }
        }
    }

    /// Packs all of A for [`APart::Packed`]: pass after pass, each pass's
    /// register blocks one after another ([`pack_a`] each).
    ///
    /// # Safety
    /// The CPU has AVX-512F; A is m×k (k covered by `passes`); `dst` holds
    /// [`packed_a_len`] values and is 64-byte aligned.
    #[target_feature(enable = "avx512f")]
    unsafe fn pack_whole_a(dst: *mut f32, a: Operand<f32>, m: usize, passes: Passes) {
        for pass in 0..passes.count() {
            let (p0, p1) = passes.bounds(pass);
            for (block, (i0, i1)) in row_blocks(m).enumerate() {
                // SAFETY: rows i0..i1 and inner indices p0..p1 are inside A;
                // the pass's blocks start after those of the passes before
                // (packed_a_len(m, p0) values), one after another, and end
                // at most at the buffer's end, packed_a_len(m, k).
                unsafe {
                    let block_a = Operand { ptr: a.ptr.offset(i0 as isize * a.rs + p0 as isize * a.cs), ..a };
                    let at = packed_a_len(m, p0) + block * A_STEP * (p1 - p0);
                    pack_a(dst.add(at), block_a, i1 - i0, p1 - p0);
                }
            }
        }
    }

    /// The register blocks of m rows, of nearly equal size (at most [`MR`]):
    /// 100 rows are 9 blocks of 11 or 12.
    fn row_blocks(m: usize) -> impl ExactSizeIterator<Item = (usize, usize)> {
        let blocks = m.div_ceil(MR);
        (0..blocks).map(move |block| (block * m / blocks, (block + 1) * m / blocks))
    }

    /// Where the register blocks' packed A comes from.
    #[derive(Clone, Copy)]
    enum APart {
        /// Packed by [`column_block`] block by block, from this A into this
        /// buffer of [`A_STEP`]·kc values.
        ToPack(Operand<f32>, *mut f32),
        /// Packed whole already (see [`pack_whole_a`]).
        Packed(*const f32),
        /// Not packed: a column-major A (rows adjacent), read in place, its
        /// steps `cs` apart.
        InPlace(Operand<f32>),
    }

    impl APart {
        /// The part for the pass of inner indices from p0 on, of an A of m rows.
        fn pass(self, p0: usize, m: usize) -> Self {
            match self {
                APart::ToPack(a, buffer) => {
                    APart::ToPack(Operand { ptr: a.ptr.wrapping_offset(p0 as isize * a.cs), ..a }, buffer)
                }
                APart::Packed(packed) => APart::Packed(packed.wrapping_add(packed_a_len(m, p0))),
                APart::InPlace(a) => {
                    APart::InPlace(Operand { ptr: a.ptr.wrapping_offset(p0 as isize * a.cs), ..a })
                }
            }
        }
    }

    /// How the inner dimension is cut into passes: into passes of nearly
    /// equal length, at most [`KC`] (k = 1000: 4 of 250), or, with a ramp,
    /// first into passes of [`FIRST_PASS`], twice that, four times that …
    /// (while they add up to at most a quarter of k and stay under KC), then
    /// the rest evenly (k = 1000: 32, 64, 128 and 4 of 194).
    ///
    /// Why a ramp: each block of B is brought into L2 while the block before
    /// it is in use, but nothing brings the first one, which the packing
    /// kernels wait for row by row when B is not in cache (in training it
    /// rarely is: the other layers' weights and gradients came between). A
    /// short first pass keeps that wait short, and each block is twice as
    /// long as the one before it, long enough to fetch the next.
    #[derive(Clone, Copy)]
    struct Passes {
        k: usize,
        /// Passes of the ramp (0 without one).
        ramp: usize,
        /// Passes after it.
        even: usize,
    }

    impl Passes {
        /// The passes over k inner indices, with a ramp if `ramp_up` and k
        /// is long enough for one (k ≥ 128).
        fn new(k: usize, ramp_up: bool) -> Self {
            let mut ramp = 0;
            while ramp_up && FIRST_PASS << ramp < KC && Self::ramped(ramp + 1) <= k / 4 {
                ramp += 1;
            }
            Passes { k, ramp, even: (k - Self::ramped(ramp)).div_ceil(KC) }
        }

        /// Inner indices covered by the first `passes` passes of a ramp.
        fn ramped(passes: usize) -> usize {
            FIRST_PASS * ((1 << passes) - 1)
        }

        /// How many passes there are.
        fn count(self) -> usize {
            self.ramp + self.even
        }

        /// The inner indices p0..p1 of pass `pass`.
        fn bounds(self, pass: usize) -> (usize, usize) {
            if pass < self.ramp {
                return (Self::ramped(pass), Self::ramped(pass + 1));
            }
            let (start, rest, e) =
                (Self::ramped(self.ramp), self.k - Self::ramped(self.ramp), pass - self.ramp);
            (start + e * rest / self.even, start + (e + 1) * rest / self.even)
        }

        /// The length of the longest pass.
        fn longest(self) -> usize {
            let rest = (self.k - Self::ramped(self.ramp)).div_ceil(self.even);
            rest.max(self.ramp.checked_sub(1).map_or(0, |last| FIRST_PASS << last))
        }
    }

    /// Runs `f` with two 64-byte aligned buffers of at least `a_len` and
    /// `b_len` floats, uninitialized (packing writes every value the kernel
    /// reads), so that every vector load of a packed strip stays within one
    /// cache line. Both are parts of one buffer from the thread's pool (one
    /// visit to the pool a product: for a tiny one, each visit counts).
    fn with_packing_buffers(a_len: usize, b_len: usize, f: impl FnOnce(*mut f32, *mut f32)) {
        let a_room = a_len.next_multiple_of(16);
        crate::storage::with_aligned_scratch(a_room + b_len, |a| f(a, a.wrapping_add(a_room)))
    }

    /// All rows of A against one packed block of B (kc inner indices ×
    /// `columns`): for each register block of rows, pack its A (unless it is
    /// packed already), then run it over every strip of the block. C is written twelve rows at a time,
    /// along its rows. The tiles bring the next block of B into L2 as they
    /// go (`next`), spread evenly over them.
    ///
    /// With `b_source` (a row-major block of B) the block is not packed yet:
    /// the first register block's kernels pack each strip as they read it,
    /// so B is read once, by a kernel that has time to wait for it, instead
    /// of by a packing pass of its own.
    ///
    /// # Safety
    /// As for [`gemm_f32_claims`]; A is m×kc from `a` (its pass), C m×columns
    /// from `c`; a buffer to pack A into holds [`A_STEP`]·kc values, `b_pack` the
    /// packed block or room for it.
    #[target_feature(enable = "avx512f")]
    unsafe fn column_block(
        (m, kc, columns): (usize, usize, usize),
        (alpha, a, beta): (f32, APart, f32),
        (c, ldc): (*mut f32, usize),
        (b_pack, b_source): (*mut f32, Option<Operand<f32>>),
        mut next: Prefetcher,
    ) {
        let blocks = row_blocks(m);
        next.spread_over(blocks.len() * columns.div_ceil(NR), kc);
        let source = b_source.unwrap_or(Operand { ptr: std::ptr::null(), rs: 0, cs: 0 });
        for (block, (i0, i1)) in blocks.enumerate() {
            // SAFETY (this block): rows i0..i1 are inside A and C, and every
            // strip inside the packed block and C's columns.
            unsafe {
                // The block's first step, and how far apart its steps are.
                let (a_block, a_step) = match a {
                    APart::ToPack(a, buffer) => {
                        pack_a(buffer, Operand { ptr: a.ptr.offset(i0 as isize * a.rs), ..a }, i1 - i0, kc);
                        (buffer as *const f32, A_STEP)
                    }
                    APart::Packed(packed) => (packed.add(block * A_STEP * kc), A_STEP),
                    APart::InPlace(a) => (a.ptr.add(i0), a.cs as usize),
                };
                let pack = block == 0 && b_source.is_some();
                for j0 in (0..columns).step_by(NR) {
                    let width = NR.min(columns - j0);
                    let tile = Tile {
                        a: a_block,
                        a_step,
                        b: b_pack.add(j0 * kc),
                        b_source: source.ptr.wrapping_add(j0),
                        b_rs: source.rs,
                        kc,
                        c: c.add(i0 * ldc + j0),
                        ldc,
                        width,
                        alpha,
                        beta,
                    };
                    with_rows!(i1 - i0, width, pack, tile, &mut next);
                }
            }
        }
    }

    /// The register kernel: C block ← α·(A block · B strip) + β·C block, R rows
    /// × 16·V columns of sums in registers (those past `width` masked off).
    /// Every `next.every` steps it prefetches one line of the next block of B,
    /// and every step the lines of its packed strip [`B_AHEAD`] steps ahead.
    /// With PACK it reads the strip of B from the row-major B itself
    /// (`b_source`, zero past `width`) and writes it packed as it goes.
    ///
    /// # Safety
    /// The CPU has AVX-512F; the tile's packed blocks hold kc steps (or room
    /// for them, with PACK, and the strip's kc rows of `width` elements are
    /// inside B); C's R rows have `width` elements from `c`.
    #[target_feature(enable = "avx512f")]
    unsafe fn kernel<const R: usize, const V: usize, const PACK: bool>(t: Tile, next: &mut Prefetcher) {
        // SAFETY (this block): the packed accesses stay inside kc steps, the
        // reads of B inside its kc rows' `width` columns, and the masked
        // accesses of C touch only its `width` columns.
        unsafe {
            let mut acc = [[_mm512_setzero_ps(); V]; R];
            let (mut a, mut b, mut source) = (t.a, t.b, t.b_source);
            let (lo, hi) = crate::kernels::simd::strip_masks(t.width);
            let masks = [lo, hi];
            for start in (0..t.kc).step_by(next.every) {
                next.one_line();
                for _ in start..t.kc.min(start.saturating_add(next.every)) {
                    let step: [__m512; V] = if PACK {
                        let step =
                            std::array::from_fn(|v| _mm512_maskz_loadu_ps(masks[v], source.add(16 * v)));
                        for (v, &values) in step.iter().enumerate() {
                            _mm512_store_ps(b.add(16 * v), values);
                            let ahead = source.wrapping_offset(PACK_AHEAD * t.b_rs).wrapping_add(16 * v);
                            _mm_prefetch::<_MM_HINT_T0>(ahead as *const i8);
                        }
                        // A strip's row that does not start on a line boundary
                        // (a 1000-wide B's odd rows) ends in a third line.
                        let tail = source.wrapping_offset(PACK_AHEAD * t.b_rs).wrapping_add(16 * V - 1);
                        _mm_prefetch::<_MM_HINT_T0>(tail as *const i8);
                        source = source.wrapping_offset(t.b_rs);
                        step
                    } else {
                        // (A prefetch never faults, whatever the address.)
                        for v in 0..V {
                            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(16 * (V * B_AHEAD + v)) as *const i8);
                        }
                        std::array::from_fn(|v| _mm512_load_ps(b.add(16 * v)))
                    };
                    for (i, sums) in acc.iter_mut().enumerate() {
                        let x = _mm512_set1_ps(*a.add(i));
                        for (sum, &y) in sums.iter_mut().zip(&step) {
                            *sum = _mm512_fmadd_ps(x, y, *sum);
                        }
                    }
                    a = a.add(t.a_step);
                    b = b.add(16 * V);
                }
            }
            let (alpha, beta) = (_mm512_set1_ps(t.alpha), _mm512_set1_ps(t.beta));
            for (i, sums) in acc.iter().enumerate() {
                let row = t.c.add(i * t.ldc);
                for (v, &sum) in sums.iter().enumerate() {
                    let (at, mask) = (row.wrapping_add(16 * v), masks[v]);
                    let mut value = _mm512_mul_ps(alpha, sum);
                    if t.beta != 0.0 {
                        value = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(mask, at), value);
                    }
                    _mm512_mask_storeu_ps(at, mask, value);
                }
            }
        }
    }

    /// The cache lines of the next block of B, in its own layout, issued one
    /// at a time into L2 (`prefetcht1`) by the kernels of this block: when
    /// that block is packed (by `pack_b` or by the packing kernels) it is
    /// read from L2 instead of L3. A block of a
    /// 1000×1000 weight is 250 rows of 2 KB, a new page each: the hardware
    /// prefetcher, which stops at page ends, does not fetch it ahead.
    #[derive(Clone, Copy)]
    struct Prefetcher {
        /// The first line of the current piece (a row of a row-major B, a
        /// column of a column-major one).
        piece: *const i8,
        /// Bytes from one piece to the next.
        stride: isize,
        /// Lines per piece, and the next line of this piece.
        lines: usize,
        line: usize,
        /// Lines still to issue.
        remaining: usize,
        /// Kernel steps per line issued.
        every: usize,
    }

    impl Prefetcher {
        /// Nothing to prefetch (the last block, or a B of other strides).
        const NONE: Prefetcher = Prefetcher {
            piece: std::ptr::null(),
            stride: 0,
            lines: 0,
            line: 0,
            remaining: 0,
            every: usize::MAX,
        };

        /// The block of B of inner indices p0..p1 and `columns` columns from j0,
        /// for a B with a unit stride (another one is not prefetched).
        fn block_of_b(b: Operand<f32>, (p0, p1): (usize, usize), (j0, columns): (usize, usize)) -> Self {
            let first = b.ptr.wrapping_offset(p0 as isize * b.rs + j0 as isize * b.cs);
            let (pieces, piece_len, stride) = match (b.rs, b.cs) {
                (_, 1) => (p1 - p0, columns, b.rs),
                (1, _) => (columns, p1 - p0, b.cs),
                _ => return Self::NONE,
            };
            // A piece that does not start on a line boundary reaches one line further.
            let lines = (piece_len * size_of::<f32>()).div_ceil(64) + 1;
            let piece = (first as *const i8).wrapping_sub(first as usize % 64);
            Prefetcher {
                piece,
                stride: stride * size_of::<f32>() as isize,
                lines,
                line: 0,
                remaining: pieces * lines,
                every: usize::MAX,
            }
        }

        /// Spreads the lines over `tiles` kernels of `kc` steps each.
        fn spread_over(&mut self, tiles: usize, kc: usize) {
            // With nothing to issue, one chunk of steps per kernel.
            self.every =
                (tiles * kc).checked_div(self.remaining).map_or(usize::MAX, |every| every.clamp(1, kc));
        }

        /// Prefetches the next line, if any is left.
        #[inline(always)]
        fn one_line(&mut self) {
            if self.remaining == 0 {
                return;
            }
            // SAFETY: a prefetch never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T1>(self.piece.wrapping_add(64 * self.line)) };
            self.remaining -= 1;
            self.line += 1;
            if self.line == self.lines {
                self.line = 0;
                self.piece = self.piece.wrapping_offset(self.stride);
            }
        }
    }

    /// Packs `rows` (≤ 12) rows × kc inner indices of A p-major, [`A_STEP`]
    /// values a step: step p holds A[0, p], A[1, p], …, A[rows−1, p], then
    /// zeros or nothing. A row-major A goes through 16×16 transposes, a
    /// column-major one a column (step) at a time.
    ///
    /// # Safety
    /// The CPU has AVX-512F; those elements are inside A; `dst` holds
    /// A_STEP·kc values and is 64-byte aligned.
    #[target_feature(enable = "avx512f")]
    unsafe fn pack_a(dst: *mut f32, a: Operand<f32>, rows: usize, kc: usize) {
        let lanes = crate::kernels::simd::lane_mask(rows);
        // SAFETY (this block): every access is inside A or `dst` by the
        // contract; masked-off lanes are not accessed.
        unsafe {
            if a.cs == 1 {
                for p in (0..kc).step_by(16) {
                    let steps = (kc - p).min(16);
                    let tile: [__m512; 16] = std::array::from_fn(|i| {
                        if i < rows {
                            _mm512_maskz_loadu_ps(
                                crate::kernels::simd::lane_mask(steps),
                                a.ptr.offset(i as isize * a.rs).add(p),
                            )
                        } else {
                            _mm512_setzero_ps()
                        }
                    });
                    for (q, column) in transpose_16x16(tile).iter().enumerate().take(steps) {
                        _mm512_store_ps(dst.add((p + q) * A_STEP), *column);
                    }
                }
            } else if a.rs == 1 {
                for p in 0..kc {
                    let column = _mm512_maskz_loadu_ps(lanes, a.ptr.offset(p as isize * a.cs));
                    _mm512_store_ps(dst.add(p * A_STEP), column);
                }
            } else {
                for p in 0..kc {
                    for i in 0..rows {
                        *dst.add(p * A_STEP + i) = *a.ptr.offset(i as isize * a.rs + p as isize * a.cs);
                    }
                }
            }
        }
    }

    /// Packs kc rows × `columns` columns of B into strips of 32 columns, each
    /// p-major (kc steps of 32 values; the strip of columns j0.. at `dst +
    /// j0·kc`); a last strip of at most 16 columns has steps of 16. Columns
    /// past the end of B are zero. A column-major B is read through 16×16
    /// transposes. (A row-major B is packed by the kernels, see
    /// [`column_block`].)
    ///
    /// # Safety
    /// The CPU has AVX-512F; those elements are inside B; `dst` holds
    /// kc·(columns rounded up to 32) values and is 64-byte aligned.
    #[target_feature(enable = "avx512f")]
    unsafe fn pack_b(dst: *mut f32, b: Operand<f32>, kc: usize, columns: usize) {
        let strips = (0..columns).step_by(NR).map(|j0| (j0, NR.min(columns - j0)));
        // SAFETY (this block): every access is inside B or `dst` by the
        // contract; masked-off lanes are not accessed.
        unsafe {
            if b.rs == 1 {
                for (j0, width) in strips {
                    let stride = strip_step(j0, width, kc, 0).0;
                    for half in 0..width.div_ceil(16) {
                        let first = b.ptr.offset((j0 + 16 * half) as isize * b.cs);
                        let count = (columns - j0 - 16 * half).min(16);
                        let out = dst.add(j0 * kc + 16 * half);
                        for p in (0..kc).step_by(16) {
                            let (from, to) = (first.add(p), out.add(p * stride));
                            if count == 16 && kc - p >= 16 {
                                pack_b_tile::<true>(from, b.cs, to, stride, (16, 16));
                            } else {
                                pack_b_tile::<false>(from, b.cs, to, stride, (count, (kc - p).min(16)));
                            }
                        }
                    }
                }
            } else {
                for (j0, width) in strips {
                    for p in 0..kc {
                        let (stride, at) = strip_step(j0, width, kc, p);
                        for j in 0..stride {
                            *dst.add(at + j) = if j < width {
                                *b.ptr.offset(p as isize * b.rs + (j0 + j) as isize * b.cs)
                            } else {
                                0.0
                            };
                        }
                    }
                }
            }
        }
    }

    /// One 16×16 tile of a column-major B into a packed strip: `columns` (≤ 16)
    /// columns `cs` apart from `from`, `steps` (≤ 16) values each, stored as
    /// `steps` rows of 16 values `stride` apart from `to` (zeros past
    /// `columns`). FULL (16 and 16) takes the path with no bounds: the loops
    /// unroll and the tile stays in registers.
    ///
    /// # Safety
    /// The CPU has AVX-512F; those elements are inside B; `to` is 64-byte
    /// aligned with room for `steps` rows.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn pack_b_tile<const FULL: bool>(
        from: *const f32,
        cs: isize,
        to: *mut f32,
        stride: usize,
        (columns, steps): (usize, usize),
    ) {
        // SAFETY (this block): every access is inside B or the strip by the
        // contract; masked-off lanes are not accessed.
        unsafe {
            let tile: [__m512; 16] = std::array::from_fn(|q| {
                if !FULL && q >= columns {
                    return _mm512_setzero_ps();
                }
                let column = from.offset(q as isize * cs);
                _mm_prefetch::<_MM_HINT_T0>(column.wrapping_add(PACK_B_AHEAD) as *const i8);
                if FULL {
                    _mm512_loadu_ps(column)
                } else {
                    _mm512_maskz_loadu_ps(crate::kernels::simd::lane_mask(steps), column)
                }
            });
            let rows = transpose_16x16(tile);
            for (s, row) in rows.iter().enumerate().take(if FULL { 16 } else { steps }) {
                _mm512_store_ps(to.add(s * stride), *row);
            }
        }
    }

    /// Where step p of the strip of columns j0.. (`width` wide) starts in a
    /// packed block of B, and how many values a step holds (16 or 32).
    fn strip_step(j0: usize, width: usize, kc: usize, p: usize) -> (usize, usize) {
        let stride = if width <= 16 { 16 } else { NR };
        (stride, j0 * kc + p * stride)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn passes_cover_the_inner_dimension_once_each_at_most_kc_long() {
            for k in 1..3000 {
                for ramp_up in [false, true] {
                    let passes = Passes::new(k, ramp_up);
                    let bounds: Vec<_> = (0..passes.count()).map(|pass| passes.bounds(pass)).collect();
                    assert_eq!(bounds[0].0, 0, "k = {k}");
                    assert_eq!(bounds.last().unwrap().1, k, "k = {k}");
                    assert!(bounds.windows(2).all(|w| w[0].1 == w[1].0), "k = {k}: {bounds:?}");
                    let lengths: Vec<_> = bounds.iter().map(|(p0, p1)| p1 - p0).collect();
                    assert!(lengths.iter().all(|&l| (1..=KC).contains(&l)), "k = {k}: {lengths:?}");
                    assert_eq!(passes.longest(), *lengths.iter().max().unwrap(), "k = {k}");
                    if !ramp_up {
                        assert_eq!(passes.count(), k.div_ceil(KC), "k = {k}");
                    }
                }
            }
            let ramped = Passes::new(1000, true);
            let lengths: Vec<_> =
                (0..ramped.count()).map(|pass| ramped.bounds(pass)).map(|(p0, p1)| p1 - p0).collect();
            assert_eq!(lengths, [32, 64, 128, 194, 194, 194, 194]);
        }
    }
}
