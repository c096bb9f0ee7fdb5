//! A matrix product for few rows: C = A·B with A of at most 16 rows (in f32 on
//! AVX-512, up to 50; in f32 on AVX2, any number of rows when C is narrow).
//!
//! A minibatch of 10 times a 1000×1000 weight matrix is the paper's whole
//! workload. A general GEMM (matrixmultiply) first packs B into panels — for
//! m = 10 that repacks all of W on every call and costs more than the product.
//! Here B is streamed in place, and the few rows of A stay in registers:
//!
//! * B row-major (a weight W as stored, in `x·W`): for each strip of 16 columns,
//!   the 16-wide partial sums of all m rows of C live in registers while B's rows
//!   stream past (`strip` kernel), [`K_BLOCK`] rows of B per pass so that the
//!   hardware prefetcher follows the rows' pages;
//! * B column-major (a transposed weight, in `g·Wᵀ`): each column of B is a
//!   contiguous row of W, and each C element is a dot product of it with a row
//!   of A, accumulated 16 lanes at a time (`dot` kernel).
//!
//! The row count is a const generic so the accumulators are fixed-size arrays the
//! compiler keeps in registers; [`simd::dispatch`] picks the AVX-512, AVX2 + FMA
//! or portable build at run time. In f32 on AVX-512 the same two kernels are
//! written with intrinsics (`avx512`), 32 columns wide, plus a third for a
//! column-major B with 8–12 rows (`tile_pass`: 16×16 tiles of B transposed in
//! registers, then the strip kernel's broadcast-and-add), with a plan of which
//! shapes they take measured against matrixmultiply ([`avx512_takes`]). In
//! f32 on AVX2 ([`small_matmul_avx2`](crate::kernels::small_matmul_avx2)) the
//! strip kernel also takes the plan's products of many rows ([`avx2_takes`]):
//! a large row-major B in passes, a large column-major one transposed a pass
//! at a time. Any
//! other layout (negative or zero strides in B, more rows) goes to the general
//! GEMM (in f32 on AVX-512 [`packed_gemm`](crate::kernels::packed_gemm), else matrixmultiply).

use super::plan::{isa, Isa};
use crate::element::Element;
use crate::kernels::simd::{self, madd, Kernel, LANES};
use crate::matmul::Operand;

/// The most rows of A the portable kernels take (the f32 AVX-512 ones take more).
pub(crate) const MAX_ROWS: usize = 16;

/// The most rows of A the f32 AVX2 kernel takes with a row-major B: two
/// register blocks of 6 ([`avx2_takes`]).
const AVX2_MAX_ROWS: usize = 12;

/// The most elements of a column-major B that the f32 AVX2 path transposes
/// for the strip kernel whatever the rows: a B that stays in L1
/// ([`avx2_takes`]).
const AVX2_SMALL_B: usize = 4096;

/// The most rows of A the f32 AVX2 dot kernel takes (a column-major B):
/// [`avx2_takes`].
const AVX2_DOT_ROWS: usize = 24;

/// The longest inner dimension of a column-major A that the f32 AVX2 path
/// gathers row-major for the strip kernel in passes ([`avx2_takes`]).
const AVX2_GATHERED_INNER: usize = 128;

/// The longest inner dimension of a product that the f32 AVX2 strip kernel
/// takes as a rank update ([`avx2_takes`]).
const AVX2_RANK_INNER: usize = 16;
/// The fewest columns of C of such a rank update.
const AVX2_RANK_COLUMNS: usize = 100;

/// The widest C (in columns) for which the f32 AVX2 strip kernel takes any
/// number of rows ([`avx2_takes`]).
const AVX2_NARROW: usize = 128;
/// Rows of a row-major B per pass down a strip of columns. A strip reads one
/// or two cache lines per row of B, each row on another 4 KB page of a
/// 1000-wide weight, and the L2 streamer does not prefetch across pages; in
/// passes of 32 rows the next strip revisits the same 32 pages, whose streams
/// the prefetcher is following (it tracks 32 pages on recent Intel cores).
/// Measured on the Intel Xeon at 10×1000×1000: passes of 16–64 rows 1.6× one
/// pass of all 1000, 128 rows no faster than one pass (`cargo bench --bench matmul_plan`).
///
/// The hardware prefetcher alone does not keep up when B comes from memory (a
/// weight that does not stay in cache between uses, as in training): on an
/// AMD EPYC (Zen 5) the pass ran at 6 GB/s. So the AVX-512 kernel also
/// prefetches, row by row as it goes, the same strip of the next pass, about
/// 3 µs before it is needed (10×1000×1000 from memory: 600 → 136 µs).
pub(super) const K_BLOCK: usize = 32;

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
/// none read, so it may be uninitialized) when A has few rows (at most 16, or
/// as [`avx512_takes`] decides for f32 on AVX-512) and B has unit stride
/// along one axis; returns false (and touches nothing) otherwise, so the
/// caller uses the general GEMM.
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
    let Some(layout) = layout_of(b) else { return false };
    // The plan decides on the whole product's width, which is C's row stride
    // (C is row-major); `n` is this call's share of the columns. So every
    // share of a product split by columns runs the same kernel.
    if n == 0 || !takes::<E>((m, k, ldc), a, layout) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(col_stride) =
        avx512_packs_b((m, k, ldc), layout).filter(|_| super::plan::f32_on_avx512::<E>())
    {
        let (a, b, c) = (a.into_f32(), b.into_f32(), c as *mut f32);
        // SAFETY: E is f32 and the CPU has AVX-512, hence AVX2 and FMA; the
        // operands are this call's, valid by its contract.
        unsafe { run_strips((m, k, n), a, b, (c, ldc), Strips::Packed { col_stride }) };
        return true;
    }
    #[cfg(target_arch = "x86_64")]
    if super::plan::f32_on_avx512::<E>() {
        // SAFETY: E is f32 (checked) and the CPU has AVX-512; the operands are
        // this call's, valid by its contract.
        unsafe {
            with_rows_of_a((m, k, n), a.into_f32(), (b.ptr as *const f32, layout), (c as *mut f32, ldc))
        };
        return true;
    }
    #[cfg(target_arch = "x86_64")]
    if let (Isa::Avx2, true, Some(strips)) =
        (isa(), super::plan::is_f32::<E>(), avx2_takes((m, k, ldc), a.cs == 1, layout))
    {
        let (a, b, c) = (a.into_f32(), b.into_f32(), c as *mut f32);
        // SAFETY: E is f32 (checked) and the plan runs AVX2 only where the CPU
        // has AVX2 and FMA; the operands are this call's, valid by its contract.
        unsafe { run_strips((m, k, n), a, b, (c, ldc), strips) };
        return true;
    }
    // A is small (≤ 16 rows): copy it densely, rows zero-padded to whole 16-lane
    // chunks, so the kernels read it with unit stride and no scalar tail.
    let k_padded = k.div_ceil(LANES) * LANES;
    crate::storage::with_scratch(m * k_padded, |dense: &mut Vec<E>| {
        dense.resize(m * k_padded, E::ZERO);
        // SAFETY: A is m×k by the caller's contract; `dense` holds m rows of k_padded.
        unsafe { simd::gather(dense, k_padded, (m, k), a, E::ONE) };
        simd::dispatch(Job { m, k, k_padded, n, a: &dense[..], b: b.ptr, layout, c, ldc });
    });
    true
}

/// Whether the f32 AVX2 strip kernel takes this product in passes over a
/// row-major B, or a column-major one packed a pass at a time, for more rows
/// of a row-major A than the few-row case
/// ([`AVX2_MAX_ROWS`]; a minibatch of 100 times a weight): a GEMM in all
/// but name, whose columns split over threads are best taken in units, as
/// the packed GEMM's are
/// ([`ColumnShares::in_units`](crate::kernels::column_shares::ColumnShares::in_units)).
pub(crate) fn passes_many_rows<E: Element>(
    (m, k, n): (usize, usize, usize),
    a: Operand<E>,
    b: Operand<E>,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if isa() == Isa::Avx2 && super::plan::is_f32::<E>() && m > AVX2_MAX_ROWS && a.cs == 1 {
        return match layout_of(b) {
            Some(BLayout::RowMajor { .. }) => super::small_matmul_avx2::in_passes((m, k, n)),
            // A small packed B (one pass, k·n ≤ AVX2_SMALL_B) is no GEMM.
            Some(layout) => {
                super::small_matmul_avx2::in_passes((m, k, n))
                    && matches!(avx2_takes((m, k, n), true, layout), Some(Strips::Packed { .. }))
            }
            None => false,
        };
    }
    let _ = ((m, k, n), a, b);
    false
}

/// B's column stride when f32 on AVX-512 runs a product with the AVX2 strip
/// kernel on B transposed into packed strips: a transposed B with a short
/// inner dimension (at most [`AVX512_PACKED_INNER`]) and a C of one strip
/// (at most 16 columns). The packed GEMM, whose register block is 12×32, ran
/// these sub-microsecond products at 0.71–0.94× a bare sgemm (k = 10 and 17;
/// at k = 30 it was level; `cargo bench --bench matmul_plan`, family 25
/// model 17); on B packed by 8×8 transposes they ran 1.05–1.75× (B copied
/// element by element instead: 0.85–1.39×, the two alternated twice on that
/// CPU, `-- 1 2 4 6 8 10 16`). No product of the paper's networks has this
/// shape (their transposed weights are at least 30 columns wide), so
/// training runs keep their kernels.
#[cfg(target_arch = "x86_64")]
fn avx512_packs_b((m, k, n): (usize, usize, usize), layout: BLayout) -> Option<usize> {
    match layout {
        BLayout::ColumnMajor { col_stride } if m <= MAX_ROWS && k <= AVX512_PACKED_INNER && n <= 16 => {
            Some(col_stride)
        }
        _ => None,
    }
}

/// The longest inner dimension for [`avx512_packs_b`].
#[cfg(target_arch = "x86_64")]
const AVX512_PACKED_INNER: usize = 20;

/// The f32 AVX-512 plan (`avx512`), from a sweep against matrixmultiply's
/// sgemm on the Intel Xeon (m = 1–128, k = 20–1000, n = 10–1000, both
/// layouts, gradlab's `matmul` against a bare sgemm call, `cargo bench --bench matmul_plan`):
///
/// * row-major B, up to [`avx512::MAX_ROWS`] rows (past 16 only when the inner
///   dimension is too long for [`rank_update`](crate::kernels::rank_update), which is
///   written for that shape): the strip kernel;
/// * column-major B, at most 16 rows (two passes over B past 12) and an inner
///   dimension of at least [`avx512::DOT_MIN_INNER`]: the dot kernel. It ran
///   at 1.0–4× matrixmultiply at k ≥ 256 (the transposed weights of W1 have
///   k = 1000) but 0.23–0.7× at k = 17–30, where its horizontal sums outweigh
///   the products; those shorter products go to the packed GEMM, which ran
///   1.4–4× faster than this kernel on them and, drawing its buffers from
///   the pool, keeps training allocation-free (tests/allocation_free.rs);
/// * a transposed B with a short inner dimension and a C of one strip: the
///   AVX2 strip kernel on B packed ([`avx512_packs_b`]);
/// * anything else: not taken, and the caller uses the GEMM.
#[cfg(target_arch = "x86_64")]
fn avx512_takes(m: usize, k: usize, layout: BLayout) -> bool {
    match layout {
        BLayout::RowMajor { .. } => {
            m <= avx512::MAX_ROWS && (m <= MAX_ROWS || k > crate::kernels::rank_update::MAX_INNER)
        }
        BLayout::ColumnMajor { .. } => m <= MAX_ROWS && k >= avx512::DOT_MIN_INNER,
    }
}

/// Whether [`try_small_matmul`] takes a product of an A of m rows, inner
/// dimension k and n columns with A and B laid out as `a` and `b` are.
pub(crate) fn takes_product<E: Element>(
    (m, k, n): (usize, usize, usize),
    a: Operand<E>,
    b: Operand<E>,
) -> bool {
    layout_of(b).is_some_and(|layout| takes::<E>((m, k, n), a, layout))
}

/// [`takes_product`], once B's layout is known.
fn takes<E: Element>((m, k, n): (usize, usize, usize), a: Operand<E>, layout: BLayout) -> bool {
    if m == 0 || k == 0 {
        return false;
    }
    let f32 = super::plan::is_f32::<E>();
    match isa() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if f32 => avx512_takes(m, k, layout) || avx512_packs_b((m, k, n), layout).is_some(),
        Isa::Avx512 => m <= MAX_ROWS,
        Isa::Avx2 => f32 && avx2_takes((m, k, n), a.cs == 1, layout).is_some(),
        Isa::Portable => false,
    }
}

/// The f32 AVX2 plan, from `GRADLAB_ISA=avx2 cargo bench --bench matmul_plan`
/// on an AMD EPYC (family 25 model 17, an AVX-512 CPU held to AVX2 that way,
/// against a matrixmultiply that still ran its AVX-512 kernel there), and
/// the rows of 13 or more again on an AMD EPYC Zen 5 (family 26 model 2)
/// with `--no-default-features`, matrixmultiply held to its AVX2 kernels
/// too (a CPU without AVX-512 is yet to be measured):
///
/// * a row-major B (x·W) and up to [`AVX2_MAX_ROWS`] rows: the AVX2 strip
///   kernel ([`small_matmul_avx2`](crate::kernels::small_matmul_avx2)), 1.0–6×
///   sgemm (10×1000·1000×1000: 1.7×);
/// * a row-major B too large to stay in L2 between uses (see
///   `small_matmul_avx2::in_passes`) and C wider than 128 columns, any number
///   of rows: the strip kernel in passes of [`K_BLOCK`] rows of B, each read
///   from memory once and used by every block of six rows from L2 — 1.13–1.42×
///   the AVX2 sgemm at 16–1000 rows, k = 100–1000, n = 1000 (100×1000·1000×1000,
///   W2's forward: 1.24×); it serves as the AVX2 plan's GEMM for a row-major
///   B. A column-major A (xᵀ in a weight gradient xᵀ·g) is gathered row-major
///   first while k ≤ [`AVX2_GATHERED_INNER`]: 1.08–1.19× at k = 100 (W2's
///   1000×100·100×1000), 0.96–1.06× at k = 256, which stays on sgemm;
/// * a rank update — k ≤ [`AVX2_RANK_INNER`], C at least
///   [`AVX2_RANK_COLUMNS`] wide, A gathered if column-major: the strip kernel,
///   1.07–1.43× the AVX2 sgemm at 100–256 rows, k = 10 (W1's weight gradient
///   1000×10·10×1000 with A transposed: see BENCHMARKS.md); with C 10 columns
///   wide and A gathered it fell to 0.56–0.62×;
/// * a narrow product — C at most [`AVX2_NARROW`] columns — of any number of
///   rows of a row-major A: the strip kernel too (1.0–2.7× at 16–1000 rows:
///   sgemm's packing costs more than such products), but not with an inner
///   dimension as short as a rank update's (k ≤ 16) and more than 64 rows
///   and 16 columns, where sgemm ran as fast; wider products of many rows
///   with a B that stays in cache go to sgemm (read in one pass, such a B
///   is read again for every six rows: 0.8–0.9× at 64×256·256×1000 before
///   the passes took that shape);
/// * a column-major B (a transposed weight, g·Wᵀ), up to 12 rows with an
///   inner dimension of 100 or more (30 up to 6 rows; 256 up to
///   [`AVX2_DOT_ROWS`] rows, unless B fits in L1: `dots_pay`): the AVX2
///   dot kernel, 1.2–12× sgemm (10×1000·1000×1000: 2.8×, where
///   the generic kernels it replaced, spilling AVX2's 16 registers, ran
///   1.25 ms against its 0.25); at k = 10–17 and at 50–64 rows with k = 100
///   it fell to 0.25–0.85×, and those go on;
/// * a column-major B past [`AVX2_MAX_ROWS`] rows where the dot kernel does
///   not pay and B is too large to stay in L2 (`small_matmul_avx2::in_passes`;
///   g·Wᵀ at minibatch 100): the strip kernel on B transposed a pass at a
///   time (`small_matmul_avx2::matmul_packing_b_f32`), a column-major A
///   gathered as above — 1.13–1.28× the AVX2 sgemm at 24–256 rows, k =
///   100–1000, n = 1000 on the Intel Xeon (family 6 model 207; 100×1000 times
///   a transposed 1000×1000: 1.14×);
/// * a column-major B of at most [`AVX2_SMALL_B`] elements where the strip
///   kernel would take a row-major one: B transposed into packed strips as
///   above (in 8×8 blocks), then the strip kernel — 1.1–1.9× the AVX2 sgemm
///   at 1–64 rows with k = 10–30 and n = 100 on the AMD EPYC Zen 4 (family
///   25 model 17, `GRADLAB_ISA=avx2 cargo bench --bench matmul_plan
///   --no-default-features`), where B copied element by element had run
///   0.73–1.14×; with C 10 columns wide, products of well under a
///   microsecond, 0.72–1.13× (copied: 0.71–1.09×; gradlab's per-call cost);
/// * elsewhere sgemm, and always in f64 (not measured).
#[cfg(target_arch = "x86_64")]
fn avx2_takes((m, k, n): (usize, usize, usize), a_row_major: bool, layout: BLayout) -> Option<Strips> {
    // Narrow products of many rows, where sgemm's packing costs more than
    // the products — unless A must be gathered row by row first (a weight
    // gradient xᵀ·g), or k is as short as a rank update's and C not tiny.
    let narrow = n <= AVX2_NARROW && a_row_major && (k > 16 || n <= 16 || m <= 64);
    // A minibatch of many rows times a large weight: the strip kernel goes
    // through B in passes, each read once and used by every row block from
    // L2; a column-major A (xᵀ in a weight gradient xᵀ·g) is gathered
    // row-major first, which pays while it is short.
    let many_rows_in_passes =
        (a_row_major || k <= AVX2_GATHERED_INNER) && super::small_matmul_avx2::in_passes((m, k, n));
    // A rank update (a weight gradient at minibatch 10), A gathered if need be.
    let rank_update = k <= AVX2_RANK_INNER && n >= AVX2_RANK_COLUMNS;
    match layout {
        BLayout::RowMajor { row_stride }
            if m <= AVX2_MAX_ROWS || narrow || many_rows_in_passes || rank_update =>
        {
            Some(Strips::AsStored { row_stride })
        }
        BLayout::ColumnMajor { col_stride } if dots_pay((m, k, n)) => Some(Strips::Dots { col_stride }),
        BLayout::ColumnMajor { col_stride } if m > AVX2_MAX_ROWS && many_rows_in_passes => {
            Some(Strips::Packed { col_stride })
        }
        // Packing a B that fits in L1 costs less than sgemm's packing.
        BLayout::ColumnMajor { col_stride } if (m <= AVX2_MAX_ROWS || narrow) && k * n <= AVX2_SMALL_B => {
            Some(Strips::Packed { col_stride })
        }
        _ => None,
    }
}

/// Whether the AVX2 dot kernel beat sgemm on a transposed B with A m×k and C
/// n columns wide: an inner dimension long enough that its horizontal sums
/// do not outweigh the products, the longer the more rows. Each block of six
/// rows reads all of B again (each pair of its columns from L1, A's rows from
/// L2): past two blocks that pays with k of 256 or more, or with a B small
/// enough to stay in L1. At 16–24 rows with k = 100 and C 100–1000 columns
/// wide the kernel ran 0.79–0.87× sgemm on the Intel Xeon (family 6 model
/// 207, matrixmultiply held to AVX2), 1.5× with C 10 wide.
#[cfg(target_arch = "x86_64")]
fn dots_pay((m, k, n): (usize, usize, usize)) -> bool {
    let b_in_l1 = k * n <= AVX2_SMALL_B;
    (m <= 6 && k >= 30)
        || (m <= AVX2_MAX_ROWS && k >= 100)
        || (m <= AVX2_DOT_ROWS && (k >= 256 || (k >= 100 && b_in_l1)))
}

/// On other targets there is no AVX2 plan.
#[cfg(not(target_arch = "x86_64"))]
fn avx2_takes(_shape: (usize, usize, usize), _a_row_major: bool, _layout: BLayout) -> Option<Strips> {
    None
}

/// How the f32 AVX2 strip kernel reads B, as [`avx2_takes`] chose.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[derive(Clone, Copy)]
enum Strips {
    /// B as it lies (row-major, rows `row_stride` apart).
    AsStored { row_stride: usize },
    /// B column-major as it lies (columns `col_stride` apart): the dot kernel.
    Dots { col_stride: usize },
    /// B column-major (columns `col_stride` apart), transposed a pass at a
    /// time into packed strips: the strip kernel, in passes when k is long.
    Packed { col_stride: usize },
}

/// Runs the f32 AVX2 strip (or dot) kernel as `strips` says, on A's rows
/// (see [`rows_of_a`]) and on B as it lies or packed a pass at a time.
///
/// # Safety
/// As for [`try_small_matmul`]; the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
unsafe fn run_strips(
    (m, k, n): (usize, usize, usize),
    a: Operand<f32>,
    b: Operand<f32>,
    c: (*mut f32, usize),
    strips: Strips,
) {
    use super::small_matmul_avx2::matmul_f32 as kernel;
    match strips {
        Strips::AsStored { row_stride } => {
            // SAFETY: forwarded; B is row-major with rows `row_stride` apart.
            unsafe { rows_of_a((m, k), a, |rows| kernel((m, k, n), rows, (b.ptr, row_stride), c)) };
        }
        Strips::Dots { col_stride } => {
            // SAFETY: forwarded; B's columns are contiguous, `col_stride` apart.
            unsafe {
                rows_of_a((m, k), a, |rows| {
                    super::small_matmul_avx2::dot_f32((m, k, n), rows, (b.ptr, col_stride), c)
                })
            };
        }
        Strips::Packed { col_stride } => {
            use super::small_matmul_avx2::{matmul_packing_b_f32, packed_pass_len};
            // Room for a packed pass from the pool: training does not
            // allocate once warm.
            crate::storage::with_aligned_scratch(packed_pass_len(k, n), |packed| {
                // SAFETY: forwarded; B's columns are contiguous, `col_stride`
                // apart; `packed` has room for a pass.
                unsafe {
                    rows_of_a((m, k), a, |rows| {
                        matmul_packing_b_f32((m, k, n), rows, (b.ptr, col_stride), c, packed)
                    })
                };
            });
        }
    }
}

/// B's layout, if this path can stream it (unit stride along one axis).
fn layout_of<E>(b: Operand<E>) -> Option<BLayout> {
    if b.cs == 1 && b.rs > 0 {
        Some(BLayout::RowMajor { row_stride: b.rs as usize })
    } else if b.rs == 1 && b.cs > 0 {
        Some(BLayout::ColumnMajor { col_stride: b.cs as usize })
    } else {
        None
    }
}

/// Runs [`avx512::matmul_f32`] on A's rows (see [`rows_of_a`]).
///
/// # Safety
/// As for [`try_small_matmul`]; the CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
unsafe fn with_rows_of_a(
    (m, k, n): (usize, usize, usize),
    a: Operand<f32>,
    b: (*const f32, BLayout),
    c: (*mut f32, usize),
) {
    // SAFETY: forwarded; the CPU has AVX-512F.
    unsafe { rows_of_a((m, k), a, |rows| avx512::matmul_f32((m, k, n), rows, b, c)) }
}

/// Calls `kernel` with A's rows and their distance: A's own when its rows
/// have unit stride (the kernels need nothing else), else a dense copy.
///
/// # Safety
/// A is m×k as its operand says.
#[cfg(target_arch = "x86_64")]
unsafe fn rows_of_a((m, k): (usize, usize), a: Operand<f32>, kernel: impl FnOnce((*const f32, usize))) {
    if a.cs == 1 && a.rs > 0 {
        return kernel((a.ptr, a.rs as usize));
    }
    crate::storage::with_scratch(m * k, |dense: &mut Vec<f32>| {
        dense.resize(m * k, 0.0);
        // SAFETY: A is m×k; `dense` holds m rows of k.
        unsafe { simd::gather(dense, k, (m, k), a, 1.0) };
        kernel((dense.as_ptr(), k))
    });
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
/// while rows of that strip of B stream past, [`K_BLOCK`] rows per pass (C is
/// read back at the start of every pass after the first). A last, narrower strip
/// reads its B rows through a zero-padded copy and stores only its columns.
#[inline(always)]
fn strip<E: Element, const M: usize, const FMA: bool>(job: &Job<'_, E>, row_stride: usize) {
    let (k, n, kp, a, b, c, ldc) = (job.k, job.n, job.k_padded, job.a, job.b, job.c, job.ldc);
    let row_of_b = |p: usize, j0: usize, width: usize| -> [E; LANES] {
        let mut row = [E::ZERO; LANES];
        // SAFETY: row p, columns j0..j0+width of B are inside it.
        unsafe { simd::copy_lanes(b.add(p * row_stride + j0), row.as_mut_ptr(), width) };
        row
    };
    for p0 in (0..k).step_by(K_BLOCK) {
        let p1 = (p0 + K_BLOCK).min(k);
        for j0 in (0..n).step_by(LANES) {
            let width = LANES.min(n - j0);
            let mut acc = [[E::ZERO; LANES]; M];
            if p0 > 0 {
                for (i, sums) in acc.iter_mut().enumerate() {
                    // SAFETY: row i, columns j0..j0+width of C were written by the first pass.
                    unsafe { simd::copy_lanes(c.add(i * ldc + j0), sums.as_mut_ptr(), width) };
                }
            }
            for p in p0..p1 {
                let row = row_of_b(p, j0, width);
                for (i, sums) in acc.iter_mut().enumerate() {
                    let x = a[i * kp + p];
                    for (sum, &y) in sums.iter_mut().zip(&row) {
                        *sum = madd::<E, FMA>(x, y, *sum);
                    }
                }
            }
            for (i, sums) in acc.iter().enumerate() {
                // SAFETY: row i, columns j0..j0+width of C are inside it.
                unsafe { simd::copy_lanes(sums.as_ptr(), c.add(i * ldc + j0), width) };
            }
        }
    }
}

/// The two kernels written with AVX-512 intrinsics for f32. Intrinsics, because
/// LLVM's auto-vectorizer turned the 32-wide loops over nested arrays into
/// scalar code; masked loads and stores, so any width and inner length runs
/// without a scalar tail or a padded copy.
///
/// * Row-major B, up to 50 rows of A in register blocks of at most 12 rows:
///   strips of 32 columns (two registers per row of the block), in passes of
///   [`K_BLOCK`] rows of B; within a pass every row block of A sweeps all
///   strips, so that pass of B (128 KB for a 1000-wide weight) is read from
///   memory once and from L2 by the other row blocks; the first row block
///   prefetches the next pass as it goes.
/// * Column-major B (rows of W, contiguous), at most 16 rows of A in blocks of
///   at most 12: C's element (i, j) is the dot product of A's row i and W's
///   row j, two rows of W at a time. With many more rows this kernel reads A
///   from L2 for every pair of W's rows and lost to matrixmultiply (W2 at
///   minibatch 100: 22 against 30 steps/s), so those go to the GEMM. A block
///   of 8–12 rows (the whole of A) goes instead to the tile kernel, which
///   holds up when W comes from memory ([`TILE_ROWS`]).
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{BLayout, K_BLOCK};
    use std::arch::x86_64::*;

    /// The most rows of A the strip kernel takes: against matrixmultiply on
    /// the Intel Xeon, 1.05× or more at 24 and 50 rows for every k and n
    /// swept, 0.9–1.0× at 64 and 80, 0.93–1.05× at 100, 0.83–0.93× at 128.
    pub(super) const MAX_ROWS: usize = 50;
    /// Rows of A in one register block: 12 rows × 2 accumulators, two vectors of
    /// B and a broadcast of A fit in the 32 vector registers.
    pub(super) const BLOCK_ROWS: usize = 12;
    /// Rows of W per pass of the dot kernel.
    const DOT_COLUMNS: usize = 2;
    /// Row counts of A that go to the tile kernel rather than the dot kernel (a
    /// column-major B). On the AMD EPYC (Zen 5) at 10×1000×1000, with W read
    /// from memory as in training: tile 163 µs, dot 450–590; with W cached:
    /// tile 157, dot 135–180. The dot kernel streams A's rows
    /// (40 KB for ten rows of 1000) once per pair of W's rows, and beside a
    /// stream of W from memory those loads ran 3× slower; the tile kernel
    /// reads a few values of A per 16 columns of B. With fewer rows the
    /// transposes outweighed the multiply-adds (4 rows: tile 150 µs, dot 70,
    /// cached), and more rows than one register block transpose W again for
    /// every block (16 rows, cached: 350 against 210) — both measured before
    /// the transpose was inlined, which took the tile kernel at 10 rows from
    /// 215–245 / 190–210 µs to the figures above.
    const TILE_ROWS: std::ops::RangeInclusive<usize> = 8..=BLOCK_ROWS;
    /// How far ahead along its 16 rows of W the tile kernel prefetches into
    /// L1 (four tiles). The 16 rows are 16 pages, where the L2 streamer starts
    /// afresh; on the Intel Xeon (model 207) at 10×1000×1000, best of 1500
    /// calls, W cached: 276–277 µs against 316–320 with only the next group
    /// prefetched (into L1, as before); 16 weights in turn: 288–313 against
    /// 324–348. 32 ahead was as fast cached, slower in turn; 128 slower.
    const TILE_AHEAD: usize = 64;
    /// The shortest inner dimension the dot kernel takes: shorter dot
    /// products are dominated by their horizontal sums, and the packed GEMM
    /// ran 1.4–4× faster on them (m = 10, 16; k = 17–100).
    pub(super) const DOT_MIN_INNER: usize = 256;
    /// One register block's share of one pass.
    #[derive(Clone, Copy)]
    struct Block {
        /// The block's first row of A; rows `lda` apart, unit stride along a row.
        a: *const f32,
        lda: usize,
        /// B from the pass's first column; `ldb` apart are B's rows (row-major)
        /// or columns (column-major).
        b: *const f32,
        ldb: usize,
        /// The block's first row of C at the pass's first column; rows `ldc` apart.
        c: *mut f32,
        ldc: usize,
        /// The inner indices p0..p1 this pass adds up; C is read (not
        /// overwritten) when p0 > 0.
        p0: usize,
        p1: usize,
        /// Columns of C in the pass.
        n: usize,
        /// Rows of B after p1 to prefetch into cache while this pass runs: the
        /// next pass's, by the first row block only (the others find them cached).
        ahead: usize,
    }

    /// Calls `kernel::<R>(block)` with the const R equal to `rows` (1 to 12).
    macro_rules! with_rows {
        ($rows:expr, $kernel:ident($block:expr)) => {
            with_rows!(@ $rows, $kernel, $block, 1 2 3 4 5 6 7 8 9 10 11 12)
        };
        (@ $rows:expr, $kernel:ident, $block:expr, $($r:literal)*) => {
            match $rows {
                $($r => $kernel::<$r>($block),)*
                _ => unreachable!("a register block has 1 to {BLOCK_ROWS} rows"),
            }
        };
    }

    /// C = A·B for A m×k (m ≤ 128, or ≤ 12 with a column-major B; rows `lda`
    /// apart, unit stride along them), B k×n in the given layout, C m×n with rows `ldc` apart
    /// (written, not read).
    ///
    /// # Safety
    /// The CPU has AVX-512F; m as above, k ≥ 1; A, B and C hold those elements.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn matmul_f32(
        (m, k, n): (usize, usize, usize),
        (a, lda): (*const f32, usize),
        (b, layout): (*const f32, BLayout),
        (c, ldc): (*mut f32, usize),
    ) {
        // Row blocks of nearly equal size: 100 rows are 9 blocks of 11 or 12.
        let blocks = m.div_ceil(BLOCK_ROWS);
        let rows = |r: usize| (r * m / blocks, (r + 1) * m / blocks);
        // SAFETY (this block): every pointer below stays inside A, B or C by the
        // contract above, and the CPU has AVX-512F.
        unsafe {
            match layout {
                BLayout::RowMajor { row_stride } => {
                    for p0 in (0..k).step_by(K_BLOCK) {
                        let p1 = (p0 + K_BLOCK).min(k);
                        for (i0, i1) in (0..blocks).map(rows) {
                            let block = Block {
                                a: a.add(i0 * lda),
                                lda,
                                b,
                                ldb: row_stride,
                                c: c.add(i0 * ldc),
                                ldc,
                                p0,
                                p1,
                                n,
                                ahead: if i0 == 0 { K_BLOCK.min(k - p1) } else { 0 },
                            };
                            with_rows!(i1 - i0, strip_pass(block));
                        }
                    }
                }
                BLayout::ColumnMajor { col_stride } => {
                    let at_row = |i0: usize| Block {
                        a: a.add(i0 * lda),
                        lda,
                        b,
                        ldb: col_stride,
                        c: c.add(i0 * ldc),
                        ldc,
                        p0: 0,
                        p1: k,
                        n,
                        ahead: 0,
                    };
                    // TILE_ROWS ends at BLOCK_ROWS, so such an A is one register block.
                    if TILE_ROWS.contains(&m) {
                        with_rows!(m, tile_pass(at_row(0)));
                    } else {
                        for (i0, i1) in (0..blocks).map(rows) {
                            with_rows!(i1 - i0, dot_pass(at_row(i0)));
                        }
                    }
                }
            }
        }
    }

    /// Row-major B: for each strip of 32 columns, R rows × 2 registers of
    /// partial sums while rows p0..p1 of B go by.
    #[target_feature(enable = "avx512f")]
    unsafe fn strip_pass<const R: usize>(blk: Block) {
        for j0 in (0..blk.n).step_by(32) {
            let (lo, hi) = crate::kernels::simd::strip_masks(blk.n - j0);
            // SAFETY (this block): masked-off lanes are not accessed, so only
            // columns j0..n of the rows of B and C are; `wrapping_add` because
            // the second half's address may lie past the end when it is masked off.
            unsafe {
                let mut acc = [[_mm512_setzero_ps(); 2]; R];
                if blk.p0 > 0 {
                    for (i, sums) in acc.iter_mut().enumerate() {
                        let row = blk.c.add(i * blk.ldc + j0);
                        *sums =
                            [_mm512_maskz_loadu_ps(lo, row), _mm512_maskz_loadu_ps(hi, row.wrapping_add(16))];
                    }
                }
                for p in blk.p0..blk.p1 {
                    let row = blk.b.add(p * blk.ldb + j0);
                    // This strip of the next pass's rows, one row per row of this pass
                    // (prefetches never fault, so a masked-off second line is harmless).
                    if p - blk.p0 < blk.ahead {
                        let next = row.wrapping_add(K_BLOCK * blk.ldb) as *const i8;
                        _mm_prefetch::<_MM_HINT_T0>(next);
                        _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(64));
                    }
                    let (b0, b1) =
                        (_mm512_maskz_loadu_ps(lo, row), _mm512_maskz_loadu_ps(hi, row.wrapping_add(16)));
                    for (i, sums) in acc.iter_mut().enumerate() {
                        let x = _mm512_set1_ps(*blk.a.add(i * blk.lda + p));
                        sums[0] = _mm512_fmadd_ps(x, b0, sums[0]);
                        sums[1] = _mm512_fmadd_ps(x, b1, sums[1]);
                    }
                }
                for (i, sums) in acc.iter().enumerate() {
                    let row = blk.c.add(i * blk.ldc + j0);
                    _mm512_mask_storeu_ps(row, lo, sums[0]);
                    _mm512_mask_storeu_ps(row.wrapping_add(16), hi, sums[1]);
                }
            }
        }
    }

    /// Column-major B, read as it lies: 16 columns of B (16 rows of W, each
    /// contiguous) at a time, a 16×16 tile of them per step of 16 inner
    /// indices, transposed in registers so that lane q of vector c holds
    /// B(p + c, j0 + q); then, as in the strip kernel, every row of the block
    /// adds A(i, p + c) times vector c to its 16 partial sums. Each tile
    /// prefetches into L1 its columns' lines [`TILE_AHEAD`] inner indices on,
    /// and into L2 the same lines of the next group's columns.
    #[target_feature(enable = "avx512f")]
    unsafe fn tile_pass<const R: usize>(blk: Block) {
        let k = blk.p1;
        let whole = k - k % 16;
        for j0 in (0..blk.n).step_by(16) {
            let width = 16.min(blk.n - j0);
            // SAFETY (this block): columns j0..j0+width of B hold k elements
            // each (a narrower last group reads its last column again, and
            // stores only its own lanes); the masked loads of the last step
            // read only elements before k; A's rows hold k elements.
            unsafe {
                let w: [*const f32; 16] =
                    std::array::from_fn(|q| blk.b.add((j0 + q.min(width - 1)) * blk.ldb));
                let next = if j0 + 16 < blk.n { 16 * blk.ldb } else { 0 };
                let mut acc = [_mm512_setzero_ps(); R];
                let add = |acc: &mut [__m512; R], p: usize, steps: usize, mask: __mmask16| {
                    let tile: [__m512; 16] =
                        std::array::from_fn(|q| _mm512_maskz_loadu_ps(mask, w[q].add(p)));
                    for &column in &w {
                        _mm_prefetch::<_MM_HINT_T0>(column.add(p).wrapping_add(TILE_AHEAD) as *const i8);
                        _mm_prefetch::<_MM_HINT_T1>(column.add(p).wrapping_add(next) as *const i8);
                    }
                    for (c, row_of_b) in
                        crate::kernels::simd::transpose_16x16(tile).iter().enumerate().take(steps)
                    {
                        for (i, sum) in acc.iter_mut().enumerate() {
                            *sum = _mm512_fmadd_ps(
                                _mm512_set1_ps(*blk.a.add(i * blk.lda + p + c)),
                                *row_of_b,
                                *sum,
                            );
                        }
                    }
                };
                for p in (0..whole).step_by(16) {
                    add(&mut acc, p, 16, !0);
                }
                if whole < k {
                    add(&mut acc, whole, k - whole, crate::kernels::simd::lane_mask(k - whole));
                }
                let store = crate::kernels::simd::lane_mask(width);
                for (i, sum) in acc.iter().enumerate() {
                    _mm512_mask_storeu_ps(blk.c.add(i * blk.ldc + j0), store, *sum);
                }
            }
        }
    }

    /// Column-major B: each column of B (a row of W) is contiguous, so C's
    /// element (i, j) is a dot product accumulated 16 lanes at a time, two
    /// columns at once so that each load of A feeds two multiply-adds.
    #[target_feature(enable = "avx512f")]
    unsafe fn dot_pass<const R: usize>(blk: Block) {
        const Q: usize = DOT_COLUMNS;
        let k = blk.p1;
        let whole = k - k % 16;
        let tail: __mmask16 = crate::kernels::simd::lane_mask(k - whole);
        for j0 in (0..blk.n).step_by(Q) {
            let width = Q.min(blk.n - j0);
            // SAFETY (this block): columns j0..j0+width of B hold k elements
            // each (a narrower last group reads its last column again), and A's
            // rows k; the masked loads of the last chunk touch only elements
            // before k.
            unsafe {
                let w: [*const f32; Q] =
                    std::array::from_fn(|q| blk.b.add((j0 + q.min(width - 1)) * blk.ldb));
                let mut acc = [[_mm512_setzero_ps(); Q]; R];
                // acc[i][q] += A[i, p..p+16] · v[q] for every row i of the block.
                let add = |acc: &mut [[__m512; Q]; R], p: usize, v: [__m512; Q], mask: __mmask16| {
                    for (i, sums) in acc.iter_mut().enumerate() {
                        let x = _mm512_maskz_loadu_ps(mask, blk.a.add(i * blk.lda + p));
                        for (sum, &column) in sums.iter_mut().zip(&v) {
                            *sum = _mm512_fmadd_ps(x, column, *sum);
                        }
                    }
                };
                for p in (0..whole).step_by(16) {
                    add(&mut acc, p, std::array::from_fn(|q| _mm512_loadu_ps(w[q].add(p))), !0);
                }
                if whole < k {
                    add(
                        &mut acc,
                        whole,
                        std::array::from_fn(|q| _mm512_maskz_loadu_ps(tail, w[q].add(whole))),
                        tail,
                    );
                }
                for (i, sums) in acc.iter().enumerate() {
                    for (q, &sum) in sums.iter().enumerate().take(width) {
                        blk.c.add(i * blk.ldc + j0 + q).write(_mm512_reduce_add_ps(sum));
                    }
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
                unsafe { simd::copy_lanes(columns[q].add(full), padded.as_mut_ptr(), k - full) };
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
