//! Proptest strategies for gradient checks: everything in
//! [`tensor::strategies`] plus inputs kept away from an op's kinks.
//!
//! ```
//! use autograd::{gradcheck, strategies, GradcheckOptions};
//! use proptest::prelude::*;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(8))]
//!     fn relu_backward_is_right(x in strategies::shape(3, 4).prop_flat_map(|s| strategies::away_from(s, -2.0, 2.0, &[0.0], 1e-3))) {
//!         let check = gradcheck(|_, v| v[0].relu().sum_all(), &[x], &GradcheckOptions::default());
//!         prop_assert!(check.is_ok(), "{}", check.unwrap_err());
//!     }
//! }
//! relu_backward_is_right(); // in a test file: mark it #[test] instead
//! ```

use proptest::prelude::*;
use tensor::Tensor;

pub use tensor::strategies::*;

/// A tensor (contiguous or strided, half each) with values in `[low, high)`, none
/// closer than `margin` to any of `kinks` — for ops whose derivative jumps there
/// (relu and abs at 0, clamp at its bounds, max at ties), where finite differences
/// straddle the kink and mean nothing.
pub fn away_from(
    shape: Vec<usize>,
    low: f64,
    high: f64,
    kinks: &[f64],
    margin: f64,
) -> impl Strategy<Value = Tensor<f64>> {
    let kinks = kinks.to_vec();
    any_layout_tensor::<f64>(shape, low, high).prop_map(move |t| {
        let push = |v: f64| {
            kinks.iter().fold(v, |v, &k| {
                if (v - k).abs() < margin {
                    if v >= k {
                        k + margin
                    } else {
                        k - margin
                    }
                } else {
                    v
                }
            })
        };
        // Mapping keeps the layout (see `Tensor::map`), so strided inputs stay strided.
        t.map(push)
    })
}

/// A contiguous tensor whose elements are a shuffled ladder `gap` apart, so no
/// two are tied (for max, whose gradient jumps between tied elements).
pub fn distinct(shape: Vec<usize>, gap: f64) -> impl Strategy<Value = Tensor<f64>> {
    let numel: usize = shape.iter().product();
    Just((0..numel).collect::<Vec<_>>()).prop_shuffle().prop_map(move |order| {
        Tensor::from_vec(order.iter().map(|&r| r as f64 * gap - 1.0).collect(), &shape)
    })
}
