//! `+ - * /` and unary `-` on tensors (owned or borrowed) and scalars.
//!
//! Tensor–tensor operators broadcast and panic on incompatible shapes with the
//! same message as the `try_` method they wrap (`try_add`, ...).

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::element::Element;
use crate::error::or_panic;
use crate::tensor::Tensor;

macro_rules! tensor_operator {
    ($trait:ident, $method:ident, $try_method:ident, $op:tt) => {
        impl<E: Element> $trait<&Tensor<E>> for &Tensor<E> {
            type Output = Tensor<E>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<E>) -> Tensor<E> {
                or_panic(self.$try_method(rhs))
            }
        }
        impl<E: Element> $trait<Tensor<E>> for Tensor<E> {
            type Output = Tensor<E>;
            #[track_caller]
            fn $method(self, rhs: Tensor<E>) -> Tensor<E> {
                or_panic(self.$try_method(&rhs))
            }
        }
        impl<E: Element> $trait<&Tensor<E>> for Tensor<E> {
            type Output = Tensor<E>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<E>) -> Tensor<E> {
                or_panic(self.$try_method(rhs))
            }
        }
        impl<E: Element> $trait<Tensor<E>> for &Tensor<E> {
            type Output = Tensor<E>;
            #[track_caller]
            fn $method(self, rhs: Tensor<E>) -> Tensor<E> {
                or_panic(self.$try_method(&rhs))
            }
        }
        impl<E: Element> $trait<E> for &Tensor<E> {
            type Output = Tensor<E>;
            fn $method(self, rhs: E) -> Tensor<E> {
                self.map(|x| x $op rhs)
            }
        }
        impl<E: Element> $trait<E> for Tensor<E> {
            type Output = Tensor<E>;
            fn $method(self, rhs: E) -> Tensor<E> {
                self.map(|x| x $op rhs)
            }
        }
        scalar_lhs_operator!(f32, $trait, $method, $op);
        scalar_lhs_operator!(f64, $trait, $method, $op);
    };
}

/// `2.0 * t` and friends: Rust's orphan rule needs one impl per concrete float type.
macro_rules! scalar_lhs_operator {
    ($t:ty, $trait:ident, $method:ident, $op:tt) => {
        impl $trait<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn $method(self, rhs: &Tensor<$t>) -> Tensor<$t> {
                rhs.map(|x| self $op x)
            }
        }
        impl $trait<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn $method(self, rhs: Tensor<$t>) -> Tensor<$t> {
                rhs.map(|x| self $op x)
            }
        }
    };
}

tensor_operator!(Add, add, try_add, +);
tensor_operator!(Sub, sub, try_sub, -);
tensor_operator!(Mul, mul, try_mul, *);
tensor_operator!(Div, div, try_div, /);

impl<E: Element> Neg for &Tensor<E> {
    type Output = Tensor<E>;
    fn neg(self) -> Tensor<E> {
        self.map(|x| -x)
    }
}

impl<E: Element> Neg for Tensor<E> {
    type Output = Tensor<E>;
    fn neg(self) -> Tensor<E> {
        self.map(|x| -x)
    }
}
