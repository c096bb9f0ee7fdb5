//! Axes counted from the front or, when negative, from the back (NumPy's and
//! PyTorch's convention): on a `[batch, classes]` tensor, `-1` is the classes axis.
//!
//! Every method that takes an axis takes an [`Axis`] (any integer), and every
//! method that takes several takes [`Axes`] (a slice, array or `Vec` of them), so
//! `t.softmax(-1)`, `t.sum(&[0, -1], false)` and `t.sum(&axes, false)` with
//! `axes: Vec<usize>` all read as written.
//!
//! ```
//! use tensor::Tensor;
//!
//! let t = Tensor::<f64>::from_vec(vec![1., 2., 3., 4., 5., 6.], &[2, 3]);
//! assert_eq!(t.sum(&[-1], false).to_vec(), t.sum(&[1], false).to_vec());
//! assert_eq!(t.narrow(-2, 1, 1).to_vec(), vec![4., 5., 6.]);
//! assert!(t.try_flip(-3).is_err()); // a rank-2 tensor has axes -2..=1
//! ```

use smallvec::SmallVec;

use crate::error::{Result, TensorError};

/// One axis: `0, 1, …` from the front, `-1, -2, …` from the back.
pub trait Axis: Copy {
    /// The axis as a signed number (negative counts from the back).
    fn signed(self) -> isize;

    /// The axis as an index into `shape`, or an error naming `op`, the axis and the shape.
    fn resolve(self, op: &'static str, shape: &[usize]) -> Result<usize> {
        resolve_within(op, self.signed(), shape.len(), shape)
    }

    /// The axis as a position among `shape.len() + 1` places — for ops that insert
    /// an axis, where `-1` means "after the last" (`unsqueeze(-1)` appends).
    fn resolve_insertion(self, op: &'static str, shape: &[usize]) -> Result<usize> {
        resolve_within(op, self.signed(), shape.len() + 1, shape)
    }
}

/// `axis` as an index below `count`, negative values counting back from `count`.
fn resolve_within(op: &'static str, axis: isize, count: usize, shape: &[usize]) -> Result<usize> {
    let count = count as isize;
    let index = if axis < 0 { axis + count } else { axis };
    if (0..count).contains(&index) {
        Ok(index as usize)
    } else {
        Err(TensorError::axis(op, axis, shape))
    }
}

macro_rules! integer_axis {
    ($($t:ty),*) => {$(
        impl Axis for $t {
            fn signed(self) -> isize {
                // Out-of-range values (beyond isize) saturate, and are then out of range of any shape.
                isize::try_from(self).unwrap_or(isize::MAX)
            }
        }
    )*};
}

integer_axis!(usize, isize, i32, i64, u32);

/// Several axes: a slice, an array, a `Vec` or a `SmallVec` of [`Axis`] values.
pub trait Axes {
    /// Each axis resolved against `shape` (see [`Axis::resolve`]), in the given order.
    fn resolve(&self, op: &'static str, shape: &[usize]) -> Result<SmallVec<[usize; 6]>>;
}

impl<A: Axis> Axes for [A] {
    fn resolve(&self, op: &'static str, shape: &[usize]) -> Result<SmallVec<[usize; 6]>> {
        self.iter().map(|a| a.resolve(op, shape)).collect()
    }
}

impl<A: Axis, const N: usize> Axes for [A; N] {
    fn resolve(&self, op: &'static str, shape: &[usize]) -> Result<SmallVec<[usize; 6]>> {
        self[..].resolve(op, shape)
    }
}

impl<A: Axis> Axes for Vec<A> {
    fn resolve(&self, op: &'static str, shape: &[usize]) -> Result<SmallVec<[usize; 6]>> {
        self[..].resolve(op, shape)
    }
}

impl<A: Axis, const N: usize> Axes for SmallVec<[A; N]> {
    fn resolve(&self, op: &'static str, shape: &[usize]) -> Result<SmallVec<[usize; 6]>> {
        self[..].resolve(op, shape)
    }
}

impl<T: Axes + ?Sized> Axes for &T {
    fn resolve(&self, op: &'static str, shape: &[usize]) -> Result<SmallVec<[usize; 6]>> {
        (**self).resolve(op, shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_axes_count_from_the_back() {
        let shape = [2, 3, 4];
        assert_eq!((-1).resolve("t", &shape).unwrap(), 2);
        assert_eq!((-3).resolve("t", &shape).unwrap(), 0);
        assert_eq!(2usize.resolve("t", &shape).unwrap(), 2);
        assert!((-4).resolve("t", &shape).is_err());
        assert!(3usize.resolve("t", &shape).is_err());
        assert_eq!((-1).resolve_insertion("t", &shape).unwrap(), 3);
        assert_eq!(3usize.resolve_insertion("t", &shape).unwrap(), 3);
        assert!(4usize.resolve_insertion("t", &shape).is_err());
        assert_eq!([0, -1].resolve("t", &shape).unwrap().as_slice(), &[0, 2]);
        assert_eq!(vec![1usize].resolve("t", &shape).unwrap().as_slice(), &[1]);
    }

    #[test]
    fn the_error_shows_the_axis_as_given() {
        let message = (-5).resolve("flip", &[2, 3]).unwrap_err().to_string();
        assert!(message.contains("axis -5") && message.contains("[2, 3]"), "{message}");
    }
}
