//! Indexing shorthand: `t.i((.., 1..3))` is NumPy's `t[:, 1:3]`, and
//! `t.i((0, ..))` is `t[0, :]` (an integer index removes its axis).
//!
//! Each axis takes a range (`..`, `a..b`, `a..`, `..b`, `a..=b`) or an index; axes
//! not named keep all their elements. Negative positions count from the end, as
//! axes do (`t.i(-1)` is the last row, `t.i((.., ..-1))` drops the last column).
//! The result is a view, as [`Tensor::slice`] gives. For a step, use
//! [`Tensor::slice`] itself.
//!
//! ```
//! use tensor::Tensor;
//!
//! let t = Tensor::<f64>::from_vec((0..12).map(f64::from).collect(), &[3, 4]);
//! assert_eq!(t.i((.., 1..3)).shape(), &[3, 2]);
//! assert_eq!(t.i((1, ..)).to_vec(), vec![4., 5., 6., 7.]);
//! assert_eq!(t.i(2).to_vec(), vec![8., 9., 10., 11.]);
//! assert_eq!(t.i((1..=2, 3)).to_vec(), vec![7., 11.]);
//! assert_eq!(t.i(-1).to_vec(), vec![8., 9., 10., 11.]);
//! assert_eq!(t.i((-2.., -1)).to_vec(), vec![7., 11.]);
//! assert_eq!(t.i((.., ..-1)).shape(), &[3, 3]);
//! assert!(t.try_i((.., 5)).is_err());
//! assert!(t.try_i(-4).is_err());
//! ```

use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

use smallvec::SmallVec;

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::tensor::Tensor;

/// What one axis of an index keeps. Positions are signed: a negative one
/// counts from the end of the axis, as in NumPy (−1 is the last element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Elements from `start` up to `end`. The axis stays.
    Range {
        /// First index kept.
        start: isize,
        /// Where the range stops.
        end: End,
    },
    /// One element; the axis is removed.
    Index(isize),
}

/// Where a [`Span::Range`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// At the axis's end (`a..`).
    Open,
    /// Before this position (`a..b`).
    Before(isize),
    /// At this position, included (`a..=b`).
    At(isize),
}

/// Anything that can stand for one axis in an index: a range or an integer
/// (`usize`, or `isize`/`i32` to count from the end with negative values).
pub trait IntoSpan {
    /// The span it stands for.
    fn into_span(self) -> Span;
}

impl IntoSpan for RangeFull {
    fn into_span(self) -> Span {
        Span::Range { start: 0, end: End::Open }
    }
}

/// `IntoSpan` for an integer type and its ranges.
macro_rules! integer_spans {
    ($($int:ty),*) => {$(
        impl IntoSpan for $int {
            fn into_span(self) -> Span {
                Span::Index(self as isize)
            }
        }
        impl IntoSpan for Range<$int> {
            fn into_span(self) -> Span {
                Span::Range { start: self.start as isize, end: End::Before(self.end as isize) }
            }
        }
        impl IntoSpan for RangeFrom<$int> {
            fn into_span(self) -> Span {
                Span::Range { start: self.start as isize, end: End::Open }
            }
        }
        impl IntoSpan for RangeTo<$int> {
            fn into_span(self) -> Span {
                Span::Range { start: 0, end: End::Before(self.end as isize) }
            }
        }
        impl IntoSpan for RangeInclusive<$int> {
            fn into_span(self) -> Span {
                Span::Range { start: *self.start() as isize, end: End::At(*self.end() as isize) }
            }
        }
        impl IntoSpan for RangeToInclusive<$int> {
            fn into_span(self) -> Span {
                Span::Range { start: 0, end: End::At(self.end as isize) }
            }
        }
    )*};
}

integer_spans!(usize, isize, i32);

/// A whole index: one [`IntoSpan`], or a tuple of up to six, one per leading axis.
pub trait Spans {
    /// The spans, first axis first.
    fn spans(self) -> SmallVec<[Span; 6]>;
}

impl<A: IntoSpan> Spans for A {
    fn spans(self) -> SmallVec<[Span; 6]> {
        smallvec::smallvec![self.into_span()]
    }
}

macro_rules! tuple_spans {
    ($($name:ident),+) => {
        impl<$($name: IntoSpan),+> Spans for ($($name,)+) {
            #[allow(non_snake_case)]
            fn spans(self) -> SmallVec<[Span; 6]> {
                let ($($name,)+) = self;
                smallvec::smallvec![$($name.into_span()),+]
            }
        }
    };
}

tuple_spans!(A);
tuple_spans!(A, B);
tuple_spans!(A, B, C);
tuple_spans!(A, B, C, D);
tuple_spans!(A, B, C, D, F);
tuple_spans!(A, B, C, D, F, G);

/// An index checked against a shape: the slices to take, then the axes to remove.
/// `Tensor::i` and autograd's `Var::i` both follow it, so they agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPlan {
    /// `(axis, start, end)` for every axis that is narrowed.
    pub slices: SmallVec<[(usize, usize, usize); 6]>,
    /// Axes indexed by an integer (size 1 after slicing), to squeeze away, in
    /// decreasing order so each removal leaves the next one's position unchanged.
    pub squeezed: SmallVec<[usize; 6]>,
}

impl IndexPlan {
    /// Checks `spans` against `shape`: no more spans than axes, every range and
    /// index inside its axis. The error names the axis, the span and the shape.
    pub fn new(spans: impl Spans, shape: &[usize]) -> Result<Self> {
        let spans = spans.spans();
        if spans.len() > shape.len() {
            return Err(TensorError::invalid(
                "index",
                shape,
                format!("{} axes indexed, the tensor has {}", spans.len(), shape.len()),
            ));
        }
        let mut plan = IndexPlan { slices: SmallVec::new(), squeezed: SmallVec::new() };
        for (axis, (span, &size)) in spans.iter().zip(shape).enumerate() {
            // A negative position counts from the end: −1 is size − 1.
            let at = |p: isize| if p < 0 { p + size as isize } else { p };
            let (start, end) = match *span {
                Span::Range { start, end: End::Open } => (at(start), size as isize),
                Span::Range { start, end: End::Before(end) } => (at(start), at(end)),
                Span::Range { start, end: End::At(end) } => (at(start), at(end) + 1),
                Span::Index(i) => (at(i), at(i) + 1),
            };
            if start < 0 || start > end || end > size as isize {
                return Err(TensorError::invalid(
                    "index",
                    shape,
                    format!("{span:?} does not fit axis {axis} of size {size}"),
                ));
            }
            let (start, end) = (start as usize, end as usize);
            if (start, end) != (0, size) {
                plan.slices.push((axis, start, end));
            }
            if matches!(span, Span::Index(_)) {
                plan.squeezed.insert(0, axis);
            }
        }
        Ok(plan)
    }
}

impl<E: Element> Tensor<E> {
    /// The view `spans` selects (see the [module docs](crate::index)).
    pub fn try_i(&self, spans: impl Spans) -> Result<Self> {
        let plan = IndexPlan::new(spans, self.shape())?;
        let mut view = self.clone();
        for &(axis, start, end) in &plan.slices {
            view = view.try_slice(axis, start, end, 1)?;
        }
        for &axis in &plan.squeezed {
            view = view.try_squeeze(axis)?;
        }
        Ok(view)
    }

    /// The view `spans` selects; panics when a span does not fit.
    #[track_caller]
    pub fn i(&self, spans: impl Spans) -> Self {
        or_panic(self.try_i(spans))
    }
}
