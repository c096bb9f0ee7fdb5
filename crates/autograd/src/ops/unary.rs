//! Element-wise functions: exp, ln, sqrt, abs, clamp, powers, c/x.
//!
//! Each is an [`ElementwiseFn`]: f next to f', and backward is ∂C/∂x = ∂C/∂y · f'
//! (see [`elementwise`](super::elementwise)).

use tensor::{Arith, Element, Tensor};

use super::elementwise::{ElementwiseFn, ElementwiseOp, SlopeFrom};
use crate::tape::Var;

/// y = eˣ. f'(x) = eˣ = y.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exp;

impl<E: Element> ElementwiseFn<E> for Exp {
    fn name(&self) -> String {
        "exp".into()
    }
    fn f(&self, x: E) -> E {
        x.exp()
    }
    fn forward(&self, x: &Tensor<E>) -> Tensor<E> {
        x.exp()
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Output
    }
    fn slope<X: Arith<E>>(&self, y: &X) -> X {
        y.clone()
    }
}

/// y = ln x. f'(x) = 1/x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ln;

impl<E: Element> ElementwiseFn<E> for Ln {
    fn name(&self) -> String {
        "ln".into()
    }
    fn f(&self, x: E) -> E {
        x.ln()
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, x: &X) -> X {
        x.powi(-1)
    }
}

/// y = √x. f'(x) = 1/(2√x) = 1/(2y).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sqrt;

impl<E: Element> ElementwiseFn<E> for Sqrt {
    fn name(&self) -> String {
        "sqrt".into()
    }
    fn f(&self, x: E) -> E {
        x.sqrt()
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Output
    }
    fn slope<X: Arith<E>>(&self, y: &X) -> X {
        y.scale(E::from_f64(2.0)).powi(-1)
    }
}

/// y = |x|. f'(x) = sign(x) (0 at the kink x = 0, as PyTorch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abs;

impl<E: Element> ElementwiseFn<E> for Abs {
    fn name(&self) -> String {
        "abs".into()
    }
    fn f(&self, x: E) -> E {
        x.abs()
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, x: &X) -> X {
        x.piecewise_constant(|x| {
            if x > E::ZERO {
                E::ONE
            } else if x < E::ZERO {
                -E::ONE
            } else {
                E::ZERO
            }
        })
    }
}

/// y = min(max(x, low), high). f'(x) = 1 inside [low, high], 0 outside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clamp<E> {
    /// Lower bound.
    pub low: E,
    /// Upper bound.
    pub high: E,
}

impl<E: Element> ElementwiseFn<E> for Clamp<E> {
    fn name(&self) -> String {
        format!("clamp({}, {})", self.low, self.high)
    }
    fn f(&self, x: E) -> E {
        x.max(self.low).min(self.high)
    }
    fn forward(&self, x: &Tensor<E>) -> Tensor<E> {
        x.clamp(self.low, self.high)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, x: &X) -> X {
        let (low, high) = (self.low, self.high);
        x.piecewise_constant(|x| if x >= low && x <= high { E::ONE } else { E::ZERO })
    }
}

/// y = x^p for a constant exponent p. f'(x) = p·x^(p−1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Powf<E>(pub E);

impl<E: Element> ElementwiseFn<E> for Powf<E> {
    fn name(&self) -> String {
        format!("powf({})", self.0)
    }
    fn f(&self, x: E) -> E {
        x.powf(self.0)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, x: &X) -> X {
        x.powf(self.0 - E::ONE).scale(self.0)
    }
}

/// y = xⁿ for a constant integer n. f'(x) = n·xⁿ⁻¹ (exact for negative x, where
/// `powf` would need a real exponent; 0 for n = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Powi(pub i32);

impl<E: Element> ElementwiseFn<E> for Powi {
    fn name(&self) -> String {
        format!("powi({})", self.0)
    }
    fn f(&self, x: E) -> E {
        x.powi(self.0)
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, x: &X) -> X {
        match self.0 {
            0 => x.piecewise_constant(|_| E::ZERO),
            n => x.powi(n - 1).scale(E::from_f64(n as f64)),
        }
    }
}

/// y = c/x for a constant c (`10.0 / v`). f'(x) = −c/x².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarDiv<E>(pub E);

impl<E: Element> ElementwiseFn<E> for ScalarDiv<E> {
    fn name(&self) -> String {
        format!("scalar_div({})", self.0)
    }
    fn f(&self, x: E) -> E {
        self.0 / x
    }
    fn slope_from(&self) -> SlopeFrom {
        SlopeFrom::Input
    }
    fn slope<X: Arith<E>>(&self, x: &X) -> X {
        x.powi(-2).scale(-self.0)
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// eˣ.
    #[track_caller]
    pub fn exp(&self) -> Var<'t, E> {
        self.apply(ElementwiseOp(Exp))
    }
    /// Natural logarithm.
    #[track_caller]
    pub fn ln(&self) -> Var<'t, E> {
        self.apply(ElementwiseOp(Ln))
    }
    /// Square root.
    #[track_caller]
    pub fn sqrt(&self) -> Var<'t, E> {
        self.apply(ElementwiseOp(Sqrt))
    }
    /// |x|.
    #[track_caller]
    pub fn abs(&self) -> Var<'t, E> {
        self.apply(ElementwiseOp(Abs))
    }
    /// Limits every element to `[low, high]`.
    #[track_caller]
    pub fn clamp(&self, low: E, high: E) -> Var<'t, E> {
        self.apply(ElementwiseOp(Clamp { low, high }))
    }
    /// self ^ p for a constant exponent.
    #[track_caller]
    pub fn powf(&self, p: E) -> Var<'t, E> {
        self.apply(ElementwiseOp(Powf(p)))
    }
    /// self ^ n for a constant integer exponent.
    #[track_caller]
    pub fn powi(&self, n: i32) -> Var<'t, E> {
        self.apply(ElementwiseOp(Powi(n)))
    }
}
