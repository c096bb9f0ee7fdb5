//! Element-wise functions of one tensor. Each returns a new contiguous tensor.
//!
//! Contiguous inputs run as a flat loop over a slice (which the compiler
//! vectorizes); other layouts go through the general strided walk.

use crate::element::Element;
use crate::tensor::Tensor;

/// Logistic sigmoid 1/(1+e^-x), written so neither branch overflows
/// ([`Element::sigmoid`]: vectorizable straight-line code for f32).
#[inline]
pub fn sigmoid<E: Element>(x: E) -> E {
    x.sigmoid()
}

/// Softsign x/(1+|x|), the paper's third activation: tails approach ±1 polynomially.
#[inline]
pub fn softsign<E: Element>(x: E) -> E {
    x / (E::ONE + x.abs())
}

impl<E: Element> Tensor<E> {
    /// Applies `f` to every element (`Sync`: a long contiguous tensor is split
    /// over [`threads()`](crate::kernels::threads) threads).
    pub fn map(&self, f: impl Fn(E) -> E + Sync) -> Self {
        self.map_to(f)
    }

    /// |x|.
    pub fn abs(&self) -> Self {
        self.map(E::abs)
    }

    /// e^x.
    pub fn exp(&self) -> Self {
        self.map(E::exp)
    }

    /// Natural logarithm (NaN below 0, −∞ at 0).
    pub fn ln(&self) -> Self {
        self.map(E::ln)
    }

    /// Square root (NaN below 0).
    pub fn sqrt(&self) -> Self {
        self.map(E::sqrt)
    }

    /// x².
    pub fn square(&self) -> Self {
        self.map(|x| x * x)
    }

    /// x raised to an integer power.
    pub fn powi(&self, n: i32) -> Self {
        self.map(|x| x.powi(n))
    }

    /// x raised to a floating-point power.
    pub fn powf(&self, p: E) -> Self {
        self.map(|x| x.powf(p))
    }

    /// 1/x.
    pub fn recip(&self) -> Self {
        self.map(|x| E::ONE / x)
    }

    /// Logistic sigmoid 1/(1+e^-x), range (0, 1).
    pub fn sigmoid(&self) -> Self {
        self.map(sigmoid)
    }

    /// Hyperbolic tangent, range (−1, 1).
    pub fn tanh(&self) -> Self {
        self.map(E::tanh)
    }

    /// Softsign x/(1+|x|), range (−1, 1).
    pub fn softsign(&self) -> Self {
        self.map(softsign)
    }

    /// max(x, 0).
    pub fn relu(&self) -> Self {
        self.map(|x| if x > E::ZERO { x } else { E::ZERO })
    }

    /// x for x > 0, `slope`·x otherwise.
    pub fn leaky_relu(&self, slope: E) -> Self {
        self.map(|x| if x > E::ZERO { x } else { slope * x })
    }

    /// Limits every element to `[low, high]`.
    pub fn clamp(&self, low: E, high: E) -> Self {
        self.map(|x| {
            if x < low {
                low
            } else if x > high {
                high
            } else {
                x
            }
        })
    }
}
