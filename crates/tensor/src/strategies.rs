//! Proptest strategies for tensors: shapes, broadcast-compatible shape pairs,
//! tensors with values in a range, and the same tensors seen through strided
//! views (transposed, sliced with a step, flipped, offset).
//!
//! They are what gradlab's own property tests use; they are public so you can
//! test your ops the same way. Enabled by the `proptest` feature (on by default).
//!
//! ```
//! use proptest::prelude::*;
//! use tensor::strategies::{shape, strided_tensor};
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(16))]
//!     fn doubling_is_adding_to_itself(t in shape(3, 4).prop_flat_map(|s| strided_tensor::<f64>(s, -1.0, 1.0))) {
//!         prop_assert_eq!(&t * 2.0, &t + &t);
//!     }
//! }
//! doubling_is_adding_to_itself(); // in a test file: mark it #[test] instead
//! ```

use proptest::collection::vec;
use proptest::prelude::*;

use crate::element::Element;
use crate::tensor::Tensor;

/// Shapes of rank `0..=max_rank` with every size in `1..=max_size`.
pub fn shape(max_rank: usize, max_size: usize) -> impl Strategy<Value = Vec<usize>> {
    vec(1..=max_size, 0..=max_rank)
}

/// Two shapes that broadcast together: a common shape from [`shape`], from which
/// each side drops some leading axes and sets some sizes to 1.
pub fn broadcast_pair(max_rank: usize, max_size: usize) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape(max_rank, max_size).prop_flat_map(|full| {
        let rank = full.len();
        let side = move |full: Vec<usize>| {
            (0..=rank, vec(any::<bool>(), rank)).prop_map(move |(dropped, ones)| {
                full.iter()
                    .zip(&ones)
                    .skip(dropped)
                    .map(|(&n, &one)| if one { 1 } else { n })
                    .collect::<Vec<_>>()
            })
        };
        (side(full.clone()), side(full))
    })
}

/// A contiguous tensor of the given shape with values uniform in `[low, high)`.
pub fn tensor<E: Element>(shape: Vec<usize>, low: f64, high: f64) -> impl Strategy<Value = Tensor<E>> {
    let numel: usize = shape.iter().product();
    vec(low..high, numel)
        .prop_map(move |values| Tensor::from_vec(values.into_iter().map(E::from_f64).collect(), &shape))
}

/// A tensor of the given shape whose layout is not plain row-major: its axes are
/// stored in a random order, each axis may be strided (every 2nd element of a
/// larger buffer), start at an offset, and be flipped. Values uniform in `[low, high)`.
pub fn strided_tensor<E: Element>(
    shape: Vec<usize>,
    low: f64,
    high: f64,
) -> impl Strategy<Value = Tensor<E>> {
    let rank = shape.len();
    let storage_order = Just((0..rank).collect::<Vec<_>>()).prop_shuffle();
    (storage_order, vec(1usize..=2, rank), vec(0usize..=1, rank), vec(any::<bool>(), rank)).prop_flat_map(
        move |(order, steps, starts, flips)| {
            // Axis `order[j]` of the result is stored as axis j of the buffer.
            let base_shape: Vec<usize> =
                order.iter().map(|&d| starts[d] + span(shape[d], steps[d])).collect();
            let inverse: Vec<usize> =
                (0..rank).map(|d| order.iter().position(|&o| o == d).unwrap()).collect();
            let (shape, steps, starts, flips) = (shape.clone(), steps.clone(), starts.clone(), flips.clone());
            tensor::<E>(base_shape, low, high).prop_map(move |base| {
                let mut view = base.permute(&inverse);
                for d in 0..rank {
                    view = view.slice(d, starts[d], starts[d] + span(shape[d], steps[d]), steps[d]);
                    if flips[d] {
                        view = view.flip(d);
                    }
                }
                view
            })
        },
    )
}

/// How many buffer elements `n` elements `step` apart cover.
fn span(n: usize, step: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n - 1) * step + 1
    }
}

/// Either a contiguous or a strided tensor of the given shape (half each).
pub fn any_layout_tensor<E: Element>(
    shape: Vec<usize>,
    low: f64,
    high: f64,
) -> impl Strategy<Value = Tensor<E>> {
    prop_oneof![tensor::<E>(shape.clone(), low, high), strided_tensor::<E>(shape, low, high)]
}
