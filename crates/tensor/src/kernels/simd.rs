//! The hand-blocked kernels compiled per instruction set
//! ([`small_matmul`](crate::kernels::small_matmul), [`rank_update`](crate::kernels::rank_update)).
//!
//! A kernel is plain Rust over fixed-size arrays, written so the compiler keeps
//! them in vector registers. [`dispatch`] compiles it three times — AVX-512,
//! AVX2 + FMA, and portable — and runs the one of the plan
//! ([`plan::isa`](crate::kernels::plan::isa)).

use super::plan::{isa, Isa};
use crate::element::Element;
use crate::matmul::Operand;
use std::mem::MaybeUninit;
use std::ops::Range;

/// Accumulator width in elements: one AVX-512 register of f32, two AVX2 ones.
pub(crate) const LANES: usize = 16;

/// A kernel with its operands, ready to run; `FMA` says whether it is compiled
/// with fused multiply-add.
pub(crate) trait Kernel {
    /// Runs the kernel.
    fn run<const FMA: bool>(self);
}

/// Runs `kernel` compiled for the instruction set of the plan ([`isa`]).
pub(crate) fn dispatch<K: Kernel>(kernel: K) {
    #[cfg(target_arch = "x86_64")]
    match isa() {
        // SAFETY: the plan runs only sets the CPU has (AVX-512F and FMA).
        Isa::Avx512 => return unsafe { run_avx512(kernel) },
        // SAFETY: as above, AVX2 and FMA.
        Isa::Avx2 => return unsafe { run_avx2(kernel) },
        Isa::Portable => {}
    }
    kernel.run::<false>()
}

/// Asks for the cache line holding `at` in L1, ahead of its use. A hint:
/// it never faults, whatever the address (so `at` may be past the end of a
/// buffer), and does nothing on other architectures.
#[inline(always)]
pub(crate) fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Appends f(x) for every x of `src` to `out`: a long `src` split over
/// [`threads()`](crate::kernels::threads) threads ([`split_range`](crate::kernels::threads::split_range)),
/// each stretch compiled for AVX-512 when the CPU has it: the loop itself
/// sits in a `#[target_feature]` function (a closure passed to one is not
/// inlined into it: it stays a function of its own, built for the baseline).
#[inline(always)]
pub(crate) fn map_into<E: Copy + Sync, F: Send>(out: &mut Vec<F>, src: &[E], f: impl Fn(E) -> F + Sync) {
    append_split(out, src.len(), |slots, range| {
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { map_avx512(slots, &src[range], &f) };
        }
        map_loop(slots, &src[range], &f)
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn map_avx512<E: Copy, F>(slots: &mut [MaybeUninit<F>], src: &[E], f: impl Fn(E) -> F) {
    map_loop(slots, src, f)
}

/// The loop of [`map_into`]: an indexed loop into uninitialized slots, which
/// vectorizes (`extend`'s inner `fold` is an outlined function).
#[inline(always)]
fn map_loop<E: Copy, F>(slots: &mut [MaybeUninit<F>], src: &[E], f: impl Fn(E) -> F) {
    for (slot, &x) in slots.iter_mut().zip(src) {
        slot.write(f(x));
    }
}

/// Appends f(x, y) for the pairs of `a` and `b` (same length) to `out`, as
/// [`map_into`] does for one operand.
#[inline(always)]
pub(crate) fn zip_into<E: Copy + Sync, F: Send>(
    out: &mut Vec<F>,
    a: &[E],
    b: &[E],
    f: impl Fn(E, E) -> F + Sync,
) {
    assert_eq!(a.len(), b.len(), "zip_into: operands of different lengths");
    append_split(out, a.len(), |slots, range| {
        let (a, b) = (&a[range.clone()], &b[range]);
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { zip_avx512(slots, a, b, &f) };
        }
        zip_loop(slots, a, b, &f)
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn zip_avx512<E: Copy, F>(slots: &mut [MaybeUninit<F>], a: &[E], b: &[E], f: impl Fn(E, E) -> F) {
    zip_loop(slots, a, b, f)
}

/// The loop of [`zip_into`].
#[inline(always)]
fn zip_loop<E: Copy, F>(slots: &mut [MaybeUninit<F>], a: &[E], b: &[E], f: impl Fn(E, E) -> F) {
    for ((slot, &x), &y) in slots.iter_mut().zip(a).zip(b) {
        slot.write(f(x, y));
    }
}

/// `xs[i] = f(xs[i], ys[i])` (same lengths), compiled for AVX-512 (or AVX2)
/// when the CPU has it, so that the loop vectorizes 16 (8) lanes wide instead
/// of the baseline x86-64 build's 4. The arithmetic is the same lane by lane
/// (Rust never contracts a multiply and an add into an FMA), so the results
/// are bit for bit those of the baseline.
///
/// Long operands go a cache line at a time, each line asking for the lines
/// [`PREFETCH_AHEAD_BYTES`] further on of both: an optimizer's step is this
/// loop over a weight and its gradient, 4 MB each for a 1000×1000 weight,
/// both from L3, a new page every 4 KB, where the hardware prefetcher starts
/// afresh.
#[inline(always)]
pub(crate) fn zip_assign<E: Copy>(xs: &mut [E], ys: &[E], f: impl Fn(E, E) -> E) {
    assert_eq!(xs.len(), ys.len(), "zip_assign: operands of different lengths");
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { zip_assign_avx512(xs, ys, f) };
        }
        if isa() == Isa::Avx2 {
            // SAFETY: the plan runs only sets the CPU has.
            return unsafe { zip_assign_avx2(xs, ys, f) };
        }
    }
    zip_assign_loop(xs, ys, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn zip_assign_avx512<E: Copy>(xs: &mut [E], ys: &[E], f: impl Fn(E, E) -> E) {
    zip_assign_loop(xs, ys, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn zip_assign_avx2<E: Copy>(xs: &mut [E], ys: &[E], f: impl Fn(E, E) -> E) {
    zip_assign_loop(xs, ys, f)
}

/// How far ahead [`zip_assign`] prefetches long operands. Measured on the
/// Intel Xeon (family 6 model 207; `w ← w − lr·d` over six rotating 1000×1000
/// pairs, best of 600): 231–241 µs without, 214–218 µs with 4 KB ahead.
const PREFETCH_AHEAD_BYTES: usize = 4096;

/// Operands shorter than this (in bytes) are not prefetched: they were
/// likely just written, so are in cache, and a loop of one cache line at a
/// time costs more than the plain one (Nielsen's network, whose largest
/// weight is 94 KB, ran slower with it in three alternating runs out of three).
const PREFETCH_MIN_BYTES: usize = 256 << 10;

/// The loop of [`zip_assign`].
#[inline(always)]
fn zip_assign_loop<E: Copy>(xs: &mut [E], ys: &[E], f: impl Fn(E, E) -> E) {
    if size_of_val(xs) < PREFETCH_MIN_BYTES {
        for (x, &y) in xs.iter_mut().zip(ys) {
            *x = f(*x, y);
        }
        return;
    }
    let size = size_of::<E>().max(1);
    let (line, ahead) = ((64 / size).max(1), PREFETCH_AHEAD_BYTES / size);
    for (xs, ys) in xs.chunks_mut(line).zip(ys.chunks(line)) {
        prefetch(xs.as_ptr().wrapping_add(ahead));
        prefetch(ys.as_ptr().wrapping_add(ahead));
        for (x, &y) in xs.iter_mut().zip(ys) {
            *x = f(*x, y);
        }
    }
}

/// Appends `len` values to `out`: `fill(slots, range)` initializes every slot
/// of its stretch `range` of the new values (`slots` are those values' places),
/// the stretches spread over threads by [`split_range`](crate::kernels::threads::split_range).
fn append_split<F: Send>(
    out: &mut Vec<F>,
    len: usize,
    fill: impl Fn(&mut [MaybeUninit<F>], Range<usize>) + Sync,
) {
    out.reserve(len);
    let start = out.len();
    let spare = crate::kernels::threads::Shared(out.spare_capacity_mut().as_mut_ptr());
    crate::kernels::threads::split_range(len, &|range| {
        let spare = &spare;
        // SAFETY: the spare capacity holds `len` slots and outlives
        // `split_range`; each part gets its own stretch of them.
        let slots = unsafe { std::slice::from_raw_parts_mut(spare.0.add(range.start), range.len()) };
        fill(slots, range)
    });
    // SAFETY: the parts initialized all `len` slots after `start` (had one
    // panicked, `split_range` would not have returned).
    unsafe { out.set_len(start + len) };
}

/// Whether the plan runs the AVX-512 builds ([`isa`]).
pub(crate) fn has_avx512() -> bool {
    isa() == Isa::Avx512
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn run_avx512<K: Kernel>(kernel: K) {
    kernel.run::<true>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<K: Kernel>(kernel: K) {
    kernel.run::<true>()
}

/// Calls `kernel::<E, N, FMA>(args)` with the const `N` equal to the run-time
/// value `n` (1 to 16), so that the kernel's loops over N unroll and its
/// accumulators are fixed-size arrays.
macro_rules! with_const_up_to_16 {
    ($n:expr, $kernel:ident::<$E:ty, N, $FMA:ident> $args:tt) => {
        $crate::kernels::simd::with_const_up_to_16!(@arms $n, $kernel, $E, $FMA, $args, 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    };
    (@arms $n:expr, $kernel:ident, $E:ty, $FMA:ident, $args:tt, $($k:literal)*) => {
        match $n {
            $($k => $kernel::<$E, $k, $FMA> $args,)*
            other => unreachable!("{other} is not in 1..=16"),
        }
    };
}
pub(crate) use with_const_up_to_16;

/// acc + x·y, fused where the kernel is compiled with FMA.
#[inline(always)]
pub(crate) fn madd<E: Element, const FMA: bool>(x: E, y: E, acc: E) -> E {
    if FMA {
        x.mul_add(y, acc)
    } else {
        x * y + acc
    }
}

/// Copies the m×k matrix `src` into `dst`
/// row-major with row length `ld` ≥ k, times `scale`: row by row when the rows
/// are contiguous, column by column when the columns are (a transposed view),
/// so the reads go along memory either way.
///
/// # Safety
/// Every (i, p) with i < m, p < k addresses an element of `src`'s buffer, and
/// `dst` holds at least m·ld elements.
#[inline]
pub(crate) unsafe fn gather<E: Element>(
    dst: &mut [E],
    ld: usize,
    (m, k): (usize, usize),
    src: Operand<E>,
    scale: E,
) {
    let Operand { ptr: src, rs, cs } = src;
    // SAFETY (all three loops): (i, p) is inside the source by the caller's contract.
    let at = |i: usize, p: usize| unsafe { *src.offset(i as isize * rs + p as isize * cs) };
    if cs == 1 {
        for (i, row) in dst.chunks_exact_mut(ld).take(m).enumerate() {
            // SAFETY: row i's k elements are contiguous.
            let from = unsafe { std::slice::from_raw_parts(src.offset(i as isize * rs), k) };
            row[..k].iter_mut().zip(from).for_each(|(d, &s)| *d = s * scale);
        }
    } else if rs == 1 {
        for p in 0..k {
            for i in 0..m {
                dst[i * ld + p] = at(i, p) * scale;
            }
        }
    } else {
        for i in 0..m {
            for p in 0..k {
                dst[i * ld + p] = at(i, p) * scale;
            }
        }
    }
}

/// Copies the first `width` (at most 16) elements from `src` to `dst`: the
/// narrow last strip of a kernel. A loop of fixed length the compiler unrolls
/// or masks, where `copy_nonoverlapping` with a run-time length became a call
/// to memcpy for every row of every last strip (8.6 % of Nielsen's network's
/// training step, whose layers are 30 wide).
///
/// # Safety
/// `src` has `width` readable elements, `dst` `width` writable ones.
#[inline(always)]
pub(crate) unsafe fn copy_lanes<E: Copy>(src: *const E, dst: *mut E, width: usize) {
    for l in 0..LANES {
        if l < width {
            // SAFETY: l < width, inside both by the caller's contract.
            unsafe { dst.add(l).write(src.add(l).read()) };
        }
    }
}

/// Masks of the lanes of a 32-column strip (two AVX-512 registers) that lie
/// inside a row when `remaining` columns are left: (first 16, second 16). For
/// the f32 intrinsics kernels of [`small_matmul`](crate::kernels::small_matmul) and
/// [`rank_update`](crate::kernels::rank_update).
#[cfg(target_arch = "x86_64")]
pub(crate) fn strip_masks(remaining: usize) -> (u16, u16) {
    (lane_mask(remaining), lane_mask(remaining.saturating_sub(16)))
}

/// The mask of the first `lanes` lanes of a 16-lane register (all 16 when
/// `lanes` ≥ 16): a kernel's last, partial chunk.
#[cfg(target_arch = "x86_64")]
pub(crate) fn lane_mask(lanes: usize) -> u16 {
    if lanes >= 16 {
        !0
    } else {
        (1u16 << lanes) - 1
    }
}

/// Transposes 16 vectors of 16 lanes: lane l of result q is lane q of input l.
/// Three rounds of shuffles: pairs of rows interleaved (4×4 blocks of pairs),
/// then pairs of pairs (each 128-bit lane a column of four rows), then the
/// 128-bit lanes of four rows gathered into one vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline] // into the kernels' loops, across codegen units: its result stays in registers
pub(crate) fn transpose_16x16(r: [std::arch::x86_64::__m512; 16]) -> [std::arch::x86_64::__m512; 16] {
    use std::arch::x86_64::*;
    // Round 1: t[2g] lane k = r[2g][4k], r[2g+1][4k], r[2g][4k+1], r[2g+1][4k+1];
    // t[2g+1] the same for 4k+2, 4k+3.
    let t: [__m512; 16] = std::array::from_fn(|q| {
        let (x, y) = (r[q & !1], r[q | 1]);
        if q % 2 == 0 {
            _mm512_unpacklo_ps(x, y)
        } else {
            _mm512_unpackhi_ps(x, y)
        }
    });
    // Round 2: u[4g + c] lane k = rows 4g..4g+4 at column 4k + c.
    let u: [__m512; 16] = std::array::from_fn(|q| {
        let (g, c) = (q / 4, q % 4);
        let (x, y) = (_mm512_castps_pd(t[4 * g + c / 2]), _mm512_castps_pd(t[4 * g + 2 + c / 2]));
        _mm512_castpd_ps(if c % 2 == 0 { _mm512_unpacklo_pd(x, y) } else { _mm512_unpackhi_pd(x, y) })
    });
    // Round 3: result 4k + c = lane k of u[c], u[4 + c], u[8 + c], u[12 + c].
    let mut out = [_mm512_setzero_ps(); 16];
    for c in 0..4 {
        let (g0, g1, g2, g3) = (u[c], u[4 + c], u[8 + c], u[12 + c]);
        let low01 = _mm512_shuffle_f32x4::<0x44>(g0, g1); // lanes 0, 1 of g0 and g1
        let high01 = _mm512_shuffle_f32x4::<0xEE>(g0, g1); // lanes 2, 3
        let low23 = _mm512_shuffle_f32x4::<0x44>(g2, g3);
        let high23 = _mm512_shuffle_f32x4::<0xEE>(g2, g3);
        out[c] = _mm512_shuffle_f32x4::<0x88>(low01, low23);
        out[4 + c] = _mm512_shuffle_f32x4::<0xDD>(low01, low23);
        out[8 + c] = _mm512_shuffle_f32x4::<0x88>(high01, high23);
        out[12 + c] = _mm512_shuffle_f32x4::<0xDD>(high01, high23);
    }
    out
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn lane_masks_cover_exactly_the_remaining_lanes() {
        for lanes in 0..40 {
            let mask = lane_mask(lanes);
            for l in 0..16 {
                assert_eq!(mask >> l & 1 == 1, l < lanes, "lane {l} of lane_mask({lanes})");
            }
            let (first, second) = strip_masks(lanes);
            for l in 0..32 {
                let set = if l < 16 { first >> l & 1 } else { second >> (l - 16) & 1 };
                assert_eq!(set == 1, l < lanes, "lane {l} of strip_masks({lanes})");
            }
        }
    }

    #[test]
    fn transpose_16x16_equals_the_scalar_transpose() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            println!("SKIPPED transpose_16x16: this CPU has no AVX-512F");
            return;
        }
        use std::arch::x86_64::*;
        let rows: [[f32; 16]; 16] = std::array::from_fn(|r| std::array::from_fn(|c| (r * 16 + c) as f32));
        // SAFETY: the CPU has AVX-512F (checked above); the arrays hold 16 f32 each.
        let out: [[f32; 16]; 16] = unsafe {
            let vectors: [__m512; 16] = std::array::from_fn(|r| _mm512_loadu_ps(rows[r].as_ptr()));
            let transposed = transpose_16x16(vectors);
            std::array::from_fn(|q| {
                let mut lane = [0.0f32; 16];
                _mm512_storeu_ps(lane.as_mut_ptr(), transposed[q]);
                lane
            })
        };
        for q in 0..16 {
            for l in 0..16 {
                assert_eq!(out[q][l], rows[l][q], "lane {l} of result {q}");
            }
        }
    }

    #[test]
    fn gather_copies_any_layout_scaled() {
        let src: Vec<f64> = (0..12).map(f64::from).collect();
        // A 3×4 row-major matrix, read as it is and as its 4×3 transpose.
        for (rs, cs, m, k) in [(4isize, 1isize, 3, 4), (1, 4, 4, 3)] {
            let mut dst = vec![0.0; m * 5];
            // SAFETY: every (i, p) with i < m, p < k is inside `src`; dst has m rows of 5.
            unsafe { gather(&mut dst, 5, (m, k), Operand { ptr: src.as_ptr(), rs, cs }, 2.0) };
            for i in 0..m {
                for p in 0..k {
                    assert_eq!(dst[i * 5 + p], 2.0 * src[(i as isize * rs + p as isize * cs) as usize]);
                }
            }
        }
    }
}
