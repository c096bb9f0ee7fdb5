//! The performance kernels, apart from the teaching layer. A learner can skip
//! this module: `matmul.rs` says what a product means and hands it here, and
//! element-wise ops are plain loops that `simd` only compiles for a wider
//! vector unit.
//!
//! * [`plan`] — which instruction set runs and which path takes a product
//!   (small rows, rank update, packed GEMM or matrixmultiply); the override
//!   `GRADLAB_ISA` / [`plan::set_isa`] and [`plan::last_path`] for tests.
//! * `small_matmul` — few rows of A times a weight: B streamed once
//!   (`small_matmul_avx2`: its f32 kernels for AVX2 — strips for a row-major
//!   B, which also take narrow products, rank updates and, in passes over B,
//!   products of any number of rows, and dot products for a transposed weight).
//! * `rank_update` — a short inner dimension (a weight gradient): C touched once.
//! * `packed_gemm` — f32 on AVX-512: packed operands and a 12×32 register block.
//! * `simd` — the generic kernels compiled per instruction set, and the
//!   intrinsics helpers (lane masks, a 16×16 transpose).
//! * `column_shares`, [`threads`] — splitting one product over threads.
//!
//! matrixmultiply, the fallback, picks its own kernels at run time; the
//! default feature `matrixmultiply-avx512` lets it use its AVX-512 ones
//! ([`plan::matrixmultiply_isa`]).

pub(crate) mod column_shares;
pub(crate) mod packed_gemm;
pub mod plan;
pub(crate) mod rank_update;
pub(crate) mod simd;
pub(crate) mod small_matmul;
#[cfg(target_arch = "x86_64")]
pub(crate) mod small_matmul_avx2;
pub mod threads;
