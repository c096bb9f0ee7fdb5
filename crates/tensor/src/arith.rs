//! [`Arith`]: the element-wise arithmetic that a scalar and a tensor share, so a
//! formula is written once and runs on either.
//!
//! The `autograd` crate uses it to write each element-wise derivative once: tanh's
//! slope `1 − z²` is evaluated on one `f32` at a time inside a single fused loop
//! during ordinary training, and on recorded values (which also implement
//! `Arith`) when a gradient must itself be differentiated.
//!
//! ```
//! use tensor::{Arith, Element, Tensor};
//!
//! /// 1 − z², for a number or a whole tensor.
//! fn tanh_slope<E: Element, X: Arith<E>>(z: &X) -> X {
//!     z.mul(z).subtracted_from(E::ONE)
//! }
//! assert_eq!(tanh_slope(&0.5f64), 0.75);
//! let z = Tensor::from_vec(vec![0.0f64, 0.5], &[2]);
//! assert_eq!(tanh_slope(&z).to_vec(), vec![1.0, 0.75]);
//! ```

use crate::element::Element;
use crate::tensor::Tensor;

/// Element-wise arithmetic on a number or on many at once (a tensor, which
/// broadcasts its operands).
///
/// Method names are spelled out rather than operators so that a formula generic
/// over `Arith` reads the same for every implementor.
pub trait Arith<E: Element>: Clone {
    /// self + other.
    fn add(&self, other: &Self) -> Self;
    /// self − other.
    fn sub(&self, other: &Self) -> Self;
    /// self · other.
    fn mul(&self, other: &Self) -> Self;
    /// self / other.
    fn div(&self, other: &Self) -> Self;
    /// −self.
    fn neg(&self) -> Self;
    /// self + c.
    fn add_scalar(&self, c: E) -> Self;
    /// c · self.
    fn scale(&self, c: E) -> Self;
    /// c − self.
    fn subtracted_from(&self, c: E) -> Self;
    /// self^p.
    fn powf(&self, p: E) -> Self;
    /// self^n.
    fn powi(&self, n: i32) -> Self;
    /// e^self.
    fn exp(&self) -> Self;
    /// ln self.
    fn ln(&self) -> Self;
    /// |self|.
    fn abs(&self) -> Self;
    /// A function that is constant between jumps — a sign, a step, an indicator —
    /// applied to each element. Its derivative is zero wherever it exists, which
    /// is why it may take any closure: a differentiable implementor records the
    /// result as a constant.
    fn piecewise_constant(&self, f: impl Fn(E) -> E + Sync) -> Self;
}

impl<E: Element> Arith<E> for E {
    fn add(&self, other: &Self) -> Self {
        *self + *other
    }
    fn sub(&self, other: &Self) -> Self {
        *self - *other
    }
    fn mul(&self, other: &Self) -> Self {
        *self * *other
    }
    fn div(&self, other: &Self) -> Self {
        *self / *other
    }
    fn neg(&self) -> Self {
        -*self
    }
    fn add_scalar(&self, c: E) -> Self {
        *self + c
    }
    fn scale(&self, c: E) -> Self {
        c * *self
    }
    fn subtracted_from(&self, c: E) -> Self {
        c - *self
    }
    fn powf(&self, p: E) -> Self {
        Element::powf(*self, p)
    }
    fn powi(&self, n: i32) -> Self {
        Element::powi(*self, n)
    }
    fn exp(&self) -> Self {
        Element::exp(*self)
    }
    fn ln(&self) -> Self {
        Element::ln(*self)
    }
    fn abs(&self) -> Self {
        Element::abs(*self)
    }
    fn piecewise_constant(&self, f: impl Fn(E) -> E + Sync) -> Self {
        f(*self)
    }
}

impl<E: Element> Arith<E> for Tensor<E> {
    fn add(&self, other: &Self) -> Self {
        self + other
    }
    fn sub(&self, other: &Self) -> Self {
        self - other
    }
    fn mul(&self, other: &Self) -> Self {
        self * other
    }
    fn div(&self, other: &Self) -> Self {
        self / other
    }
    fn neg(&self) -> Self {
        -self
    }
    fn add_scalar(&self, c: E) -> Self {
        self + c
    }
    fn scale(&self, c: E) -> Self {
        self * c
    }
    fn subtracted_from(&self, c: E) -> Self {
        self.map(|x| c - x)
    }
    fn powf(&self, p: E) -> Self {
        Tensor::powf(self, p)
    }
    fn powi(&self, n: i32) -> Self {
        Tensor::powi(self, n)
    }
    fn exp(&self) -> Self {
        Tensor::exp(self)
    }
    fn ln(&self) -> Self {
        Tensor::ln(self)
    }
    fn abs(&self) -> Self {
        Tensor::abs(self)
    }
    fn piecewise_constant(&self, f: impl Fn(E) -> E + Sync) -> Self {
        self.map(f)
    }
}
