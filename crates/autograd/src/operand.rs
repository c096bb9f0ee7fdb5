//! [`Operand`]: what a derivative rule computes with — a plain [`Tensor`] or a
//! recorded [`Var`].
//!
//! Every built-in op writes its vector–Jacobian product **once**, as a function
//! generic over `Operand` (its `vjp`). Ordinary backward runs it on tensors:
//! nothing is recorded, and an element-wise derivative such as tanh's `1 − z²`
//! is evaluated inside one fused loop ([`Operand::chain`]), exactly the work a
//! hand-written tensor backward would do. [`Tape::grad`](crate::Tape::grad) runs
//! the same rule on `Var`s: each step of the rule is recorded on the tape, so the
//! gradient it returns is itself a function on the tape and can be
//! differentiated again — to any order, since the recorded ops' rules are
//! written the same way.

use tensor::{Arith, Element, Tensor};

use crate::ops::elementwise::{ElementwiseFn, ElementwiseOp};
use crate::ops::loss::{LogSoftmaxOp, SoftmaxOp};
use crate::ops::reduce::SumOp;
use crate::ops::shape::{SliceScatterOp, SumToShapeOp};
use crate::tape::Var;

/// A value a derivative rule can compute with: [`Tensor`] (computed now, not
/// recorded) or [`Var`] (recorded, so the rule itself is differentiable).
///
/// Element-wise arithmetic comes from [`Arith`]; this trait adds what rules need
/// beyond it: the shape ops, reductions, matmul, softmax, constants, and the
/// fused product `g ⊙ f'(x)` of element-wise ops.
pub trait Operand<E: Element>: Arith<E> {
    /// The numbers.
    fn value(&self) -> &Tensor<E>;
    /// `value` as an operand of the same kind through which no gradient flows
    /// (for a `Var`, a constant on its tape).
    fn constant(&self, value: Tensor<E>) -> Self;
    /// `self ⊙ f'(at)`: the chain rule through an element-wise function, with f'
    /// read from the function's input or output `at` (see [`ElementwiseFn`]). On
    /// tensors one fused pass; on `Var`s the slope's formula is recorded.
    fn chain<F: ElementwiseFn<E>>(&self, at: &Self, f: &F) -> Self;
    /// f applied element-wise.
    fn activate<F: ElementwiseFn<E>>(&self, f: F) -> Self;
    /// self ^ exponent element-wise, broadcasting.
    fn pow(&self, exponent: &Self) -> Self;
    /// Matrix product of the last two axes.
    fn matmul(&self, rhs: &Self) -> Self;
    /// Swaps the last two axes.
    fn t(&self) -> Self;
    /// Reorders the axes.
    fn permute(&self, axes: &[usize]) -> Self;
    /// Same elements, new shape.
    fn reshape(&self, shape: &[usize]) -> Self;
    /// Reverses `axis`.
    fn flip(&self, axis: usize) -> Self;
    /// Broadcasts to `shape`.
    fn broadcast_to(&self, shape: &[usize]) -> Self;
    /// Sums broadcast copies back down to `shape` (the reverse of `broadcast_to`).
    fn sum_to_shape(&self, shape: &[usize]) -> Self;
    /// Sum over `axes`.
    fn sum(&self, axes: &[usize], keepdim: bool) -> Self;
    /// Elements `start, start+step, …` below `end` along `axis`.
    fn slice(&self, axis: usize, start: usize, end: usize, step: usize) -> Self;
    /// A zero tensor of `shape` with `self` written at those places of `axis`
    /// (the reverse of `slice`).
    fn slice_scatter(&self, shape: &[usize], axis: usize, start: usize, end: usize, step: usize) -> Self;
    /// Softmax along `axis`.
    fn softmax(&self, axis: usize) -> Self;
    /// Log-softmax along `axis`.
    fn log_softmax(&self, axis: usize) -> Self;
}

impl<E: Element> Operand<E> for Tensor<E> {
    fn value(&self) -> &Tensor<E> {
        self
    }
    fn constant(&self, value: Tensor<E>) -> Self {
        value
    }
    fn chain<F: ElementwiseFn<E>>(&self, at: &Self, f: &F) -> Self {
        self.zip_with(at, |g, v| g * f.slope(&v))
    }
    fn activate<F: ElementwiseFn<E>>(&self, f: F) -> Self {
        f.forward(self)
    }
    fn pow(&self, exponent: &Self) -> Self {
        Tensor::pow(self, exponent)
    }
    fn matmul(&self, rhs: &Self) -> Self {
        Tensor::matmul(self, rhs)
    }
    fn t(&self) -> Self {
        Tensor::t(self)
    }
    fn permute(&self, axes: &[usize]) -> Self {
        Tensor::permute(self, axes)
    }
    fn reshape(&self, shape: &[usize]) -> Self {
        Tensor::reshape(self, shape)
    }
    fn flip(&self, axis: usize) -> Self {
        Tensor::flip(self, axis)
    }
    fn broadcast_to(&self, shape: &[usize]) -> Self {
        Tensor::broadcast_to(self, shape)
    }
    fn sum_to_shape(&self, shape: &[usize]) -> Self {
        Tensor::sum_to_shape(self, shape)
    }
    fn sum(&self, axes: &[usize], keepdim: bool) -> Self {
        Tensor::sum(self, axes, keepdim)
    }
    fn slice(&self, axis: usize, start: usize, end: usize, step: usize) -> Self {
        Tensor::slice(self, axis, start, end, step)
    }
    fn slice_scatter(&self, shape: &[usize], axis: usize, start: usize, end: usize, step: usize) -> Self {
        Tensor::zeros(shape).slice_assign(axis, start, end, step, self)
    }
    fn softmax(&self, axis: usize) -> Self {
        crate::ops::loss::log_softmax(self, axis).exp()
    }
    fn log_softmax(&self, axis: usize) -> Self {
        crate::ops::loss::log_softmax(self, axis)
    }
}

impl<E: Element> Arith<E> for Var<'_, E> {
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
        self.apply(crate::ops::arith::ScalarSubOp(c))
    }
    fn powf(&self, p: E) -> Self {
        Var::powf(self, p)
    }
    fn powi(&self, n: i32) -> Self {
        Var::powi(self, n)
    }
    fn exp(&self) -> Self {
        Var::exp(self)
    }
    fn ln(&self) -> Self {
        Var::ln(self)
    }
    fn abs(&self) -> Self {
        Var::abs(self)
    }
    fn piecewise_constant(&self, f: impl Fn(E) -> E + Sync) -> Self {
        self.tape.constant(self.value.map(f))
    }
}

impl<E: Element> Operand<E> for Var<'_, E> {
    fn value(&self) -> &Tensor<E> {
        &self.value
    }
    fn constant(&self, value: Tensor<E>) -> Self {
        self.tape.constant(value)
    }
    fn chain<F: ElementwiseFn<E>>(&self, at: &Self, f: &F) -> Self {
        self * &f.slope(at)
    }
    fn activate<F: ElementwiseFn<E>>(&self, f: F) -> Self {
        self.apply(ElementwiseOp(f))
    }
    fn pow(&self, exponent: &Self) -> Self {
        Var::pow(self, exponent)
    }
    fn matmul(&self, rhs: &Self) -> Self {
        Var::matmul(self, rhs)
    }
    fn t(&self) -> Self {
        Var::t(self)
    }
    fn permute(&self, axes: &[usize]) -> Self {
        Var::permute(self, axes)
    }
    fn reshape(&self, shape: &[usize]) -> Self {
        Var::reshape(self, shape)
    }
    fn flip(&self, axis: usize) -> Self {
        Var::flip(self, axis)
    }
    fn broadcast_to(&self, shape: &[usize]) -> Self {
        Var::broadcast_to(self, shape)
    }
    fn sum_to_shape(&self, shape: &[usize]) -> Self {
        if self.shape() == shape {
            return self.clone();
        }
        self.apply(SumToShapeOp(shape.to_vec()))
    }
    fn sum(&self, axes: &[usize], keepdim: bool) -> Self {
        self.apply(SumOp { axes: axes.to_vec(), keepdim })
    }
    fn slice(&self, axis: usize, start: usize, end: usize, step: usize) -> Self {
        Var::slice(self, axis, start, end, step)
    }
    fn slice_scatter(&self, shape: &[usize], axis: usize, start: usize, end: usize, step: usize) -> Self {
        self.apply(SliceScatterOp { shape: shape.to_vec(), axis, start, end, step })
    }
    fn softmax(&self, axis: usize) -> Self {
        self.apply(SoftmaxOp(axis))
    }
    fn log_softmax(&self, axis: usize) -> Self {
        self.apply(LogSoftmaxOp(axis))
    }
}
