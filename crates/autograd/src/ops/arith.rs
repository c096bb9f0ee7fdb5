//! Arithmetic: `+ - * /`, powers, negation, and the scalar forms (`v * 0.5` and
//! `0.5 * v`, `1.0 - v`, `10.0 / v`).
//!
//! Binary ops broadcast; in backward, each input's gradient is summed back to the
//! input's shape (`sum_to_shape`), because an element broadcast to many places
//! influenced all of them.

use std::ops::{Add, Div, Mul, Neg, Sub};

use tensor::{Element, Tensor};

use super::elementwise::ElementwiseOp;
use super::unary::ScalarDiv;
use crate::backward_through_vjp;
use crate::error::{or_panic, Result};
use crate::op::{BackwardContext, Grads, Op};
use crate::operand::Operand;
use crate::tape::Var;
use smallvec::smallvec;

/// a + b. ∂/∂a = 1, ∂/∂b = 1.
pub struct AddOp;

impl<E: Element> Op<E> for AddOp {
    fn name(&self) -> String {
        "add".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_add(x[1])
    }
    backward_through_vjp!();
}

impl AddOp {
    /// Each input receives ∂C/∂y, summed back over what was broadcast.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let g = ctx.grad_output;
        smallvec![
            ctx.needs(0).then(|| g.sum_to_shape(ctx.input(0).value().shape())),
            ctx.needs(1).then(|| g.sum_to_shape(ctx.input(1).value().shape())),
        ]
    }
}

/// a − b. ∂/∂a = 1, ∂/∂b = −1.
pub struct SubOp;

impl<E: Element> Op<E> for SubOp {
    fn name(&self) -> String {
        "sub".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_sub(x[1])
    }
    backward_through_vjp!();
}

impl SubOp {
    /// ∂C/∂y to a, −∂C/∂y to b, each summed back over what was broadcast.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let g = ctx.grad_output;
        smallvec![
            ctx.needs(0).then(|| g.sum_to_shape(ctx.input(0).value().shape())),
            ctx.needs(1).then(|| g.sum_to_shape(ctx.input(1).value().shape()).neg()),
        ]
    }
}

/// a · b element-wise. ∂/∂a = b, ∂/∂b = a.
pub struct MulOp;

impl<E: Element> Op<E> for MulOp {
    fn name(&self) -> String {
        "mul".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_mul(x[1])
    }
    backward_through_vjp!();
}

impl MulOp {
    /// ∂C/∂a = g·b, ∂C/∂b = g·a.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (a, b, g) = (ctx.input(0), ctx.input(1), ctx.grad_output);
        smallvec![
            ctx.needs(0).then(|| g.mul(b).sum_to_shape(a.value().shape())),
            ctx.needs(1).then(|| g.mul(a).sum_to_shape(b.value().shape())),
        ]
    }
}

/// a / b element-wise. ∂/∂a = 1/b, ∂/∂b = −a/b² = −(a/b)/b.
pub struct DivOp;

impl<E: Element> Op<E> for DivOp {
    fn name(&self) -> String {
        "div".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_div(x[1])
    }
    backward_through_vjp!();
}

impl DivOp {
    /// ∂C/∂a = g/b, ∂C/∂b = −g·y/b.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (a, b, y, g) = (ctx.input(0), ctx.input(1), ctx.output, ctx.grad_output);
        smallvec![
            ctx.needs(0).then(|| g.div(b).sum_to_shape(a.value().shape())),
            ctx.needs(1).then(|| g.mul(y).div(b).neg().sum_to_shape(b.value().shape())),
        ]
    }
}

/// a^b element-wise. ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a (defined for a > 0).
pub struct PowOp;

impl<E: Element> Op<E> for PowOp {
    fn name(&self) -> String {
        "pow".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        x[0].try_pow(x[1])
    }
    backward_through_vjp!();
}

impl PowOp {
    /// ∂C/∂a = g·b·a^(b−1), ∂C/∂b = g·y·ln a.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let (a, b, y, g) = (ctx.input(0), ctx.input(1), ctx.output, ctx.grad_output);
        smallvec![
            ctx.needs(0)
                .then(|| g.mul(&b.mul(&a.pow(&b.add_scalar(-E::ONE)))).sum_to_shape(a.value().shape())),
            ctx.needs(1).then(|| g.mul(&y.mul(&a.ln())).sum_to_shape(b.value().shape())),
        ]
    }
}

/// −a. ∂/∂a = −1.
pub struct NegOp;

impl<E: Element> Op<E> for NegOp {
    fn name(&self) -> String {
        "neg".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(-x[0])
    }
    backward_through_vjp!();
}

impl NegOp {
    /// ∂C/∂a = −g.
    pub fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.neg())]
    }
}

/// a + c for a constant c. ∂/∂a = 1.
pub struct AddScalarOp<E>(pub E);

impl<E: Element> Op<E> for AddScalarOp<E> {
    fn name(&self) -> String {
        format!("add_scalar({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0] + self.0)
    }
    backward_through_vjp!();
}

impl<E: Element> AddScalarOp<E> {
    /// ∂C/∂a = g.
    pub fn vjp<T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.clone())]
    }
}

/// c · a for a constant c. ∂/∂a = c.
pub struct MulScalarOp<E>(pub E);

impl<E: Element> Op<E> for MulScalarOp<E> {
    fn name(&self) -> String {
        format!("mul_scalar({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0] * self.0)
    }
    backward_through_vjp!();
}

impl<E: Element> MulScalarOp<E> {
    /// ∂C/∂a = c·g.
    pub fn vjp<T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.scale(self.0))]
    }
}

/// c − a for a constant c (`1.0 - v`). ∂/∂a = −1.
pub struct ScalarSubOp<E>(pub E);

impl<E: Element> Op<E> for ScalarSubOp<E> {
    fn name(&self) -> String {
        format!("scalar_sub({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        let c = self.0;
        Ok(x[0].map(|a| c - a))
    }
    backward_through_vjp!();
}

impl<E: Element> ScalarSubOp<E> {
    /// ∂C/∂a = −g.
    pub fn vjp<T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        smallvec![Some(ctx.grad_output.neg())]
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// self + rhs, broadcasting (the `+` operator panics where this returns the error).
    #[track_caller]
    pub fn try_add(&self, rhs: &Var<'t, E>) -> Result<Var<'t, E>> {
        self.tape.apply(AddOp, &[self, rhs])
    }
    /// self − rhs, broadcasting.
    #[track_caller]
    pub fn try_sub(&self, rhs: &Var<'t, E>) -> Result<Var<'t, E>> {
        self.tape.apply(SubOp, &[self, rhs])
    }
    /// self · rhs element-wise, broadcasting.
    #[track_caller]
    pub fn try_mul(&self, rhs: &Var<'t, E>) -> Result<Var<'t, E>> {
        self.tape.apply(MulOp, &[self, rhs])
    }
    /// self / rhs element-wise, broadcasting.
    #[track_caller]
    pub fn try_div(&self, rhs: &Var<'t, E>) -> Result<Var<'t, E>> {
        self.tape.apply(DivOp, &[self, rhs])
    }
    /// self ^ rhs element-wise, broadcasting.
    #[track_caller]
    pub fn try_pow(&self, rhs: &Var<'t, E>) -> Result<Var<'t, E>> {
        self.tape.apply(PowOp, &[self, rhs])
    }
    /// self ^ rhs element-wise; panics on incompatible shapes.
    #[track_caller]
    pub fn pow(&self, rhs: &Var<'t, E>) -> Var<'t, E> {
        or_panic(self.try_pow(rhs))
    }
    /// self².
    #[track_caller]
    pub fn square(&self) -> Var<'t, E> {
        self * self
    }
}

macro_rules! var_operator {
    ($trait:ident, $method:ident, $try_method:ident) => {
        impl<'t, E: Element> $trait<&Var<'t, E>> for &Var<'t, E> {
            type Output = Var<'t, E>;
            #[track_caller]
            fn $method(self, rhs: &Var<'t, E>) -> Var<'t, E> {
                or_panic(self.$try_method(rhs))
            }
        }
        impl<'t, E: Element> $trait<Var<'t, E>> for Var<'t, E> {
            type Output = Var<'t, E>;
            #[track_caller]
            fn $method(self, rhs: Var<'t, E>) -> Var<'t, E> {
                or_panic(self.$try_method(&rhs))
            }
        }
        impl<'t, E: Element> $trait<&Var<'t, E>> for Var<'t, E> {
            type Output = Var<'t, E>;
            #[track_caller]
            fn $method(self, rhs: &Var<'t, E>) -> Var<'t, E> {
                or_panic(self.$try_method(rhs))
            }
        }
        impl<'t, E: Element> $trait<Var<'t, E>> for &Var<'t, E> {
            type Output = Var<'t, E>;
            #[track_caller]
            fn $method(self, rhs: Var<'t, E>) -> Var<'t, E> {
                or_panic(self.$try_method(&rhs))
            }
        }
    };
}

var_operator!(Add, add, try_add);
var_operator!(Sub, sub, try_sub);
var_operator!(Mul, mul, try_mul);
var_operator!(Div, div, try_div);

macro_rules! var_scalar_operator {
    ($trait:ident, $method:ident, |$v:ident, $c:ident| $body:expr) => {
        impl<'t, E: Element> $trait<E> for &Var<'t, E> {
            type Output = Var<'t, E>;
            #[track_caller]
            fn $method(self, $c: E) -> Var<'t, E> {
                let $v = self;
                $body
            }
        }
        impl<'t, E: Element> $trait<E> for Var<'t, E> {
            type Output = Var<'t, E>;
            #[track_caller]
            fn $method(self, $c: E) -> Var<'t, E> {
                let $v = &self;
                $body
            }
        }
    };
}

var_scalar_operator!(Add, add, |v, c| v.apply(AddScalarOp(c)));
var_scalar_operator!(Sub, sub, |v, c| v.apply(AddScalarOp(-c)));
var_scalar_operator!(Mul, mul, |v, c| v.apply(MulScalarOp(c)));
var_scalar_operator!(Div, div, |v, c| v.apply(MulScalarOp(E::ONE / c)));

impl<'t, E: Element> Neg for &Var<'t, E> {
    type Output = Var<'t, E>;
    #[track_caller]
    fn neg(self) -> Var<'t, E> {
        self.apply(NegOp)
    }
}

impl<'t, E: Element> Neg for Var<'t, E> {
    type Output = Var<'t, E>;
    #[track_caller]
    fn neg(self) -> Var<'t, E> {
        self.apply(NegOp)
    }
}

/// `0.5 * v`, `1.0 - v`, `10.0 / v`: a scalar on the left. Rust's orphan rule
/// wants one impl per concrete float type (as for `Tensor`), hence the macro.
macro_rules! scalar_lhs_var_operator {
    ($t:ty) => {
        scalar_lhs_var_operator!($t, Add, add, |c, v| v.apply(AddScalarOp(c)));
        scalar_lhs_var_operator!($t, Sub, sub, |c, v| v.apply(ScalarSubOp(c)));
        scalar_lhs_var_operator!($t, Mul, mul, |c, v| v.apply(MulScalarOp(c)));
        scalar_lhs_var_operator!($t, Div, div, |c, v| v.apply(ElementwiseOp(ScalarDiv(c))));
    };
    ($t:ty, $trait:ident, $method:ident, |$c:ident, $v:ident| $body:expr) => {
        impl<'t> $trait<&Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn $method(self, $v: &Var<'t, $t>) -> Var<'t, $t> {
                let $c = self;
                $body
            }
        }
        impl<'t> $trait<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn $method(self, $v: Var<'t, $t>) -> Var<'t, $t> {
                let $c = self;
                let $v = &$v;
                $body
            }
        }
    };
}

scalar_lhs_var_operator!(f32);
scalar_lhs_var_operator!(f64);
