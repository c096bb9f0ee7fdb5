//! Run-time choice of instruction set for the hand-blocked kernels
//! ([`small_matmul`](crate::small_matmul), [`rank_update`](crate::rank_update)).
//!
//! A kernel is plain Rust over fixed-size arrays, written so the compiler keeps
//! them in vector registers. [`dispatch`] compiles it three times — AVX-512,
//! AVX2 + FMA, and portable — and runs the best one this CPU has.

use crate::element::Element;

/// Accumulator width in elements: one AVX-512 register of f32, two AVX2 ones.
pub(crate) const LANES: usize = 16;

/// A kernel with its operands, ready to run; `FMA` says whether it is compiled
/// with fused multiply-add.
pub(crate) trait Kernel {
    /// Runs the kernel.
    fn run<const FMA: bool>(self);
}

/// Runs `kernel` compiled for the widest instruction set this CPU has.
pub(crate) fn dispatch<K: Kernel>(kernel: K) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { run_avx512(kernel) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { run_avx2(kernel) };
        }
    }
    kernel.run::<false>()
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

/// acc + x·y, fused where the kernel is compiled with FMA.
#[inline(always)]
pub(crate) fn madd<E: Element, const FMA: bool>(x: E, y: E, acc: E) -> E {
    if FMA {
        x.mul_add(y, acc)
    } else {
        x * y + acc
    }
}
