//! The element types a tensor can hold: `f32` and `f64`.
//!
//! [`Element`] gathers the arithmetic and the math functions the ops need, so the
//! rest of the crate is written once, generically. It is sealed: the crate's
//! numerics (tolerances, GEMM dispatch) are only checked for these two types.

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type of a [`Tensor`](crate::Tensor): `f32` or `f64`.
pub trait Element:
    sealed::Sealed
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + Debug
    + Display
    + LowerExp
    + Send
    + Sync
    + Sum
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Machine epsilon (distance from 1.0 to the next float).
    const EPSILON: Self;
    /// The type's name as written in Rust (`"f32"` or `"f64"`).
    const NAME: &'static str;

    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Converts from a count or an index (exact below 2^24 for `f32`).
    fn from_usize(v: usize) -> Self {
        Self::from_f64(v as f64)
    }
    /// e^self.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Logistic sigmoid 1/(1+e^−self).
    fn sigmoid(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// self raised to an integer power.
    fn powi(self, n: i32) -> Self;
    /// self raised to a floating-point power.
    fn powf(self, p: Self) -> Self;
    /// The larger of two values (NaN-ignoring, as `f64::max`).
    fn max(self, other: Self) -> Self;
    /// The smaller of two values (NaN-ignoring, as `f64::min`).
    fn min(self, other: Self) -> Self;
    /// self·a + b with one rounding (a fused multiply-add; fast only where the CPU
    /// has FMA and the calling code is compiled for it).
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// True for NaN.
    fn is_nan(self) -> bool;
    /// True unless NaN or infinite.
    fn is_finite(self) -> bool;

    /// Runs `f` with this thread's pool of recycled buffers of this type (an
    /// implementation detail of tensor storage); `None` once the thread's
    /// pool is gone (at thread exit).
    #[doc(hidden)]
    fn with_pool<R>(f: impl FnOnce(&crate::storage::ThreadPool<Self>) -> R) -> Option<R>;

    /// General matrix multiply C ← α·A·B + β·C on raw strided buffers, dispatching to
    /// matrixmultiply's `sgemm` or `dgemm`. A is m×k, B is k×n, C is m×n; strides are in
    /// elements and may be negative or zero (broadcast).
    ///
    /// # Safety
    /// Every element reachable through the given dimensions and strides must lie in
    /// its buffer, and C's elements must not alias A's or B's.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

macro_rules! impl_element {
    ($t:ty, $gemm:path, $exp:path, $tanh:path, $sigmoid:path) => {
        impl Element for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = <$t>::EPSILON;
            const NAME: &'static str = stringify!($t);

            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline]
            fn sigmoid(self) -> Self {
                $sigmoid(self)
            }
            #[inline]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn powi(self, n: i32) -> Self {
                <$t>::powi(self, n)
            }
            #[inline]
            fn powf(self, p: Self) -> Self {
                <$t>::powf(self, p)
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline]
            fn mul_add(self, a: Self, b: Self) -> Self {
                <$t>::mul_add(self, a, b)
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn with_pool<R>(f: impl FnOnce(&crate::storage::ThreadPool<Self>) -> R) -> Option<R> {
                thread_local! {
                    static POOL: crate::storage::ThreadPool<$t> =
                        const { std::cell::RefCell::new(crate::storage::Pool::new()) };
                }
                // None while the thread is shutting down and its pool is gone.
                POOL.try_with(f).ok()
            }
            unsafe fn gemm(
                m: usize,
                k: usize,
                n: usize,
                alpha: Self,
                a: *const Self,
                rsa: isize,
                csa: isize,
                b: *const Self,
                rsb: isize,
                csb: isize,
                beta: Self,
                c: *mut Self,
                rsc: isize,
                csc: isize,
            ) {
                // SAFETY: forwarded from the caller's contract.
                unsafe { $gemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
            }
        }
    };
}

// f32's exp, tanh and sigmoid are our straight-line ones that vectorize (within
// 1, 2 and 2 ulp; see `math.rs`); f64 keeps libm's.
impl_element!(
    f32,
    matrixmultiply::sgemm,
    crate::math::exp_f32,
    crate::math::tanh_f32,
    crate::math::sigmoid_f32
);
impl_element!(f64, matrixmultiply::dgemm, f64::exp, f64::tanh, crate::math::sigmoid_f64);
