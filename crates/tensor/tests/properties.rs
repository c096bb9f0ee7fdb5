//! Property tests: every op on every layout agrees with a naive reference.
//!
//! The references index elements one by one with `get`, which only uses the
//! layout arithmetic, never the fast paths or the strided walk under test.

use proptest::prelude::*;
use tensor::strategies::{any_layout_tensor, broadcast_pair, shape, strided_tensor};
use tensor::Tensor;

/// Every multi-index of a shape in row-major order.
fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![vec![]];
    for &n in shape {
        all = all
            .into_iter()
            .flat_map(|prefix| (0..n).map(move |i| [prefix.clone(), vec![i]].concat()))
            .collect();
    }
    all
}

/// The index into an operand of `shape` that broadcasting reads for output index `out`.
fn broadcast_index(out: &[usize], shape: &[usize]) -> Vec<usize> {
    let skip = out.len() - shape.len();
    out[skip..].iter().zip(shape).map(|(&i, &n)| if n == 1 { 0 } else { i }).collect()
}

fn pair_of_tensors() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair(4, 4).prop_flat_map(|(a, b)| {
        (any_layout_tensor::<f64>(a, -3.0, 3.0), any_layout_tensor::<f64>(b, -3.0, 3.0))
    })
}

fn strided() -> impl Strategy<Value = Tensor<f64>> {
    shape(4, 4).prop_flat_map(|s| strided_tensor::<f64>(s, -3.0, 3.0))
}

fn strided_with_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    proptest::collection::vec(1usize..=4, 1..=4)
        .prop_flat_map(|s| (0..s.len(), strided_tensor::<f64>(s, -3.0, 3.0)))
        .prop_map(|(axis, t)| (t, axis))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn broadcasting_equals_explicit_expansion((a, b) in pair_of_tensors()) {
        let sum = &a + &b;
        let prod = &a * &b;
        let max = a.maximum(&b);
        for idx in indices(sum.shape()) {
            let (x, y) = (a.get(&broadcast_index(&idx, a.shape())), b.get(&broadcast_index(&idx, b.shape())));
            prop_assert_eq!(sum.get(&idx), x + y);
            prop_assert_eq!(prod.get(&idx), x * y);
            prop_assert_eq!(max.get(&idx), x.max(y));
        }
        // The same through explicit broadcast views materialised first.
        let (ea, eb) = (a.broadcast_to(sum.shape()).contiguous(), b.broadcast_to(sum.shape()).contiguous());
        prop_assert_eq!(&sum, &(&ea + &eb));
    }

    #[test]
    fn element_wise_ops_ignore_layout(t in strided()) {
        let c = t.contiguous();
        prop_assert!(c.is_contiguous());
        prop_assert_eq!(t.to_vec(), indices(t.shape()).iter().map(|i| t.get(i)).collect::<Vec<_>>());
        prop_assert_eq!(t.exp(), c.exp());
        prop_assert_eq!(t.tanh(), c.tanh());
        prop_assert_eq!(t.sigmoid(), c.sigmoid());
        prop_assert_eq!(t.leaky_relu(0.1), c.leaky_relu(0.1));
        prop_assert_eq!(&t - &c, Tensor::zeros(t.shape()));
        prop_assert_eq!(t.gt(&c.abs()), c.gt(&c.abs()));
    }

    #[test]
    fn view_ops_equal_the_same_op_on_a_contiguous_copy((t, axis) in strided_with_axis()) {
        let c = t.contiguous();
        let last = t.ndim() - 1;
        prop_assert_eq!(t.transpose(axis, last).to_vec(), c.transpose(axis, last).to_vec());
        prop_assert_eq!(t.flip(axis).to_vec(), c.flip(axis).to_vec());
        let n = t.shape()[axis];
        prop_assert_eq!(t.narrow(axis, n / 2, n - n / 2).to_vec(), c.narrow(axis, n / 2, n - n / 2).to_vec());
        prop_assert_eq!(t.slice(axis, 0, n, 2).to_vec(), c.slice(axis, 0, n, 2).to_vec());
        prop_assert_eq!(t.unsqueeze(axis).squeeze(axis).to_vec(), t.to_vec());
        let mut big = t.shape().to_vec();
        big.insert(0, 2);
        prop_assert_eq!(t.broadcast_to(&big).to_vec(), c.broadcast_to(&big).to_vec());
        // Views never copy.
        prop_assert!(t.transpose(axis, last).shares_storage_with(&t));
        prop_assert!(t.flip(axis).shares_storage_with(&t));
    }

    #[test]
    fn reshape_round_trips(t in strided()) {
        let reversed: Vec<usize> = t.shape().iter().rev().copied().collect();
        let r = t.reshape(&reversed);
        prop_assert_eq!(r.to_vec(), t.to_vec());
        prop_assert_eq!(r.reshape(t.shape()), t.clone());
        prop_assert_eq!(t.flatten().to_vec(), t.to_vec());
        if t.is_contiguous() {
            prop_assert!(r.shares_storage_with(&t));
        }
    }

    #[test]
    fn reductions_equal_naive_loops((t, axis) in strided_with_axis()) {
        let sum = t.sum([axis], false);
        let mean = t.mean([axis], true);
        let max = t.max([axis], false);
        let min = t.min([axis], false);
        let var = t.var([axis], false);
        let argmax = t.argmax(axis);
        let n = t.shape()[axis];
        for out in indices(sum.shape()) {
            let group: Vec<f64> = (0..n).map(|i| { let mut idx = out.clone(); idx.insert(axis, i); t.get(&idx) }).collect();
            let naive_sum: f64 = group.iter().sum();
            let naive_mean = naive_sum / n as f64;
            let naive_var = group.iter().map(|v| (v - naive_mean).powi(2)).sum::<f64>() / n as f64;
            let naive_max = group.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let mut kept = out.clone();
            kept.insert(axis, 0);
            prop_assert!((sum.get(&out) - naive_sum).abs() < 1e-12);
            prop_assert!((mean.get(&kept) - naive_mean).abs() < 1e-12);
            prop_assert!((var.get(&out) - naive_var).abs() < 1e-12);
            prop_assert_eq!(max.get(&out), naive_max);
            prop_assert_eq!(min.get(&out), group.iter().cloned().fold(f64::INFINITY, f64::min));
            let flat = out.iter().zip(sum.shape()).fold(0, |flat, (&i, &n)| flat * n + i);
            prop_assert_eq!(group[argmax[flat]], naive_max);
        }
        // A negative axis counts from the back.
        let from_back = axis as isize - t.ndim() as isize;
        prop_assert_eq!(t.sum([from_back], false).to_vec(), sum.to_vec());
        prop_assert_eq!(t.argmax(from_back), argmax);
        // Reducing several axes at once equals reducing them one at a time.
        let all: Vec<usize> = (0..t.ndim()).collect();
        prop_assert!((t.sum(&all, false).item() - t.to_vec().iter().sum::<f64>()).abs() < 1e-10);
    }
}

fn naive_matmul(a: &Tensor<f64>, b: &Tensor<f64>) -> Vec<f64> {
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k).map(|p| a.get(&[i, p]) * b.get(&[p, j])).sum();
        }
    }
    out
}

fn close(x: &[f64], y: &[f64]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| (a - b).abs() <= 1e-12 * (1.0 + b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn matmul_of_views_equals_naive_and_contiguous(
        (a, b, at, bt) in (1usize..7, 1usize..7, 1usize..7).prop_flat_map(|(m, k, n)| (
            strided_tensor::<f64>(vec![m, k], -2.0, 2.0),
            strided_tensor::<f64>(vec![k, n], -2.0, 2.0),
            strided_tensor::<f64>(vec![k, m], -2.0, 2.0),
            strided_tensor::<f64>(vec![n, k], -2.0, 2.0),
        ))
    ) {
        let product = a.matmul(&b);
        prop_assert!(close(&product.to_vec(), &naive_matmul(&a, &b)));
        prop_assert!(close(&product.to_vec(), &a.contiguous().matmul(&b.contiguous()).to_vec()));
        // Transposed operands (a view of a strided view) go straight to the GEMM.
        let tt = at.t().matmul(&bt.t());
        prop_assert!(close(&tt.to_vec(), &naive_matmul(&at.t(), &bt.t())));
    }

    #[test]
    fn batched_matmul_equals_per_batch_products(
        (a, b) in (1usize..4, 1usize..5, 1usize..5, 1usize..5).prop_flat_map(|(batch, m, k, n)| (
            strided_tensor::<f64>(vec![batch, m, k], -2.0, 2.0),
            strided_tensor::<f64>(vec![k, n], -2.0, 2.0),
        ))
    ) {
        let c = a.matmul(&b.unsqueeze(0));
        for i in 0..a.shape()[0] {
            let slice = a.narrow(0, i, 1).squeeze(0);
            prop_assert!(close(&c.narrow(0, i, 1).squeeze(0).to_vec(), &naive_matmul(&slice, &b)));
        }
    }
}

/// The general path: matrixmultiply's GEMM called directly on contiguous copies.
fn general_gemm(a: &Tensor<f32>, b: &Tensor<f32>) -> Vec<f32> {
    use tensor::Element;
    let (a, b) = (a.contiguous(), b.contiguous());
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let mut c = vec![0.0f32; m * n];
    // SAFETY: contiguous m×k, k×n and m×n buffers.
    unsafe {
        f32::gemm(
            m,
            k,
            n,
            1.0,
            a.as_slice().unwrap().as_ptr(),
            k as isize,
            1,
            b.as_slice().unwrap().as_ptr(),
            n as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    };
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Few-row products (the streaming paths: ≤ 16 rows, and in f32 on AVX-512
    /// up to 50 rows in register blocks of ≤ 12; both B layouts, a
    /// column-major B also with a long inner dimension; lengths around the 16-
    /// and 32-lane strips and the 32-row passes of B) agree with the general
    /// GEMM within f32 rounding.
    #[test]
    fn small_row_matmul_equals_the_general_path(
        (a, b, bt) in prop_oneof![
            (prop_oneof![1usize..=16, 17usize..=130], 1usize..100, 1usize..70),
            // Long inner dimensions: the dot and tile kernels for a column-major B.
            (1usize..=16, 250usize..300, 1usize..40),
            (8usize..=12, 250usize..300, 1usize..40),
        ].prop_flat_map(|(m, k, n)| (
            tensor::strategies::any_layout_tensor::<f32>(vec![m, k], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![k, n], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![n, k], -1.0, 1.0),
        ))
    ) {
        let k = a.shape()[1] as f32;
        let close32 = |x: &[f32], y: &[f32]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-5 * k);
        prop_assert!(close32(&a.matmul(&b).to_vec(), &general_gemm(&a, &b)));
        // Column-major B: a transposed weight.
        prop_assert!(close32(&a.matmul(&bt.t()).to_vec(), &general_gemm(&a, &bt.t())));
        // And f64 through the same path against the naive loop.
        let (a64, b64) = (a.cast::<f64>(), bt.cast::<f64>().t());
        prop_assert!(close(&a64.matmul(&b64).to_vec(), &naive_matmul(&a64, &b64)));
    }

    /// The packed GEMM (f32 on AVX-512: the products the streaming paths do not
    /// take) against matrixmultiply: A and B in any layout (row- or
    /// column-major, strided, flipped), C ← α·A·B + β·C for β = 0, 1 and
    /// others; row counts across register blocks of 12 and blocks of 768 rows,
    /// inner dimensions across passes of 256, widths across strips of 32 and
    /// blocks of 256 columns.
    #[test]
    fn packed_gemm_equals_the_general_path(
        (a, b, c, alpha, beta) in (
            prop_oneof![4 => 51usize..=130, 1 => 760usize..=800],
            prop_oneof![17usize..100, 250usize..600],
            prop_oneof![4 => 1usize..100, 1 => 500usize..560],
        ).prop_flat_map(|(m, k, n)| (
            tensor::strategies::any_layout_tensor::<f32>(vec![m, k], -1.0, 1.0),
            tensor::strategies::any_layout_tensor::<f32>(vec![k, n], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![m, n], -1.0, 1.0),
            -2.0f32..2.0,
            prop_oneof![Just(0.0f32), Just(1.0), -2.0f32..2.0],
        ))
    ) {
        let k = a.shape()[1] as f32;
        let close32 = |x: &[f32], y: &[f32]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-5 * k);
        let product = general_gemm(&a, &b);
        prop_assert!(close32(&a.matmul(&b).to_vec(), &product));
        let expected: Vec<f32> = c.to_vec().iter().zip(&product).map(|(c, ab)| alpha * ab + beta * c).collect();
        let mut updated = c.clone();
        updated.addmm_assign(&a, &b, alpha, beta);
        prop_assert!(close32(&updated.to_vec(), &expected));
    }

    /// More rows than the streaming path takes: the general path against the naive loop.
    #[test]
    fn many_row_matmul_equals_naive(
        (a, b) in (17usize..40, 1usize..20, 1usize..20).prop_flat_map(|(m, k, n)| (
            strided_tensor::<f64>(vec![m, k], -1.0, 1.0),
            strided_tensor::<f64>(vec![k, n], -1.0, 1.0),
        ))
    ) {
        prop_assert!(close(&a.matmul(&b).to_vec(), &naive_matmul(&a, &b)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Short inner dimensions (k ≤ 16 with more than 16 rows: the rank-update
    /// path, as in a weight gradient zᵀ·g) agree with the general GEMM, for A
    /// given as it is stored or as a transposed view, and in f64 with the naive loop.
    #[test]
    fn short_inner_matmul_equals_the_general_path(
        (a, at, b) in (17usize..60, 1usize..=16, 1usize..70).prop_flat_map(|(m, k, n)| (
            tensor::strategies::any_layout_tensor::<f32>(vec![m, k], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![k, m], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![k, n], -1.0, 1.0),
        ))
    ) {
        let close32 = |x: &[f32], y: &[f32]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-5 * 16.0);
        prop_assert!(close32(&a.matmul(&b).to_vec(), &general_gemm(&a, &b)));
        prop_assert!(close32(&at.t().matmul(&b).to_vec(), &general_gemm(&at.t(), &b)));
        let (a64, b64) = (at.cast::<f64>().t(), b.cast::<f64>());
        prop_assert!(close(&a64.matmul(&b64).to_vec(), &naive_matmul(&a64, &b64)));
    }

    /// The same in f32 with a short inner dimension (the rank-update path; on
    /// AVX-512 its intrinsics kernel, whose masked strips cover any width),
    /// against the general GEMM.
    #[test]
    fn addmm_assign_f32_short_inner_equals_the_formula(
        (a, b, c, alpha, beta) in (1usize..40, 1usize..=16, 1usize..80).prop_flat_map(|(m, k, n)| (
            tensor::strategies::any_layout_tensor::<f32>(vec![m, k], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![k, n], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![m, n], -1.0, 1.0),
            -2.0f32..2.0,
            prop_oneof![Just(0.0f32), Just(1.0), -2.0f32..2.0],
        ))
    ) {
        let product = general_gemm(&a, &b);
        let expected: Vec<f32> = c.to_vec().iter().zip(&product).map(|(c, ab)| alpha * ab + beta * c).collect();
        let mut updated = c.clone();
        updated.addmm_assign(&a, &b, alpha, beta);
        let close32 = updated.to_vec().iter().zip(&expected).all(|(x, y)| (x - y).abs() <= 1e-5 * 16.0);
        prop_assert!(close32);
    }

    /// `addmm_assign` (C ← α·A·B + β·C in place) equals the naive formula for
    /// β = 0, 1 and others, on every path: few rows, short inner dimension, GEMM.
    #[test]
    fn addmm_assign_equals_the_formula(
        (a, b, c, alpha, beta) in (1usize..40, 1usize..24, 1usize..40).prop_flat_map(|(m, k, n)| (
            strided_tensor::<f64>(vec![m, k], -1.0, 1.0),
            tensor::strategies::tensor::<f64>(vec![k, n], -1.0, 1.0),
            tensor::strategies::tensor::<f64>(vec![m, n], -1.0, 1.0),
            -2.0f64..2.0,
            prop_oneof![Just(0.0f64), Just(1.0), -2.0f64..2.0],
        ))
    ) {
        let product = naive_matmul(&a, &b);
        let expected: Vec<f64> = c.to_vec().iter().zip(&product).map(|(c, ab)| alpha * ab + beta * c).collect();
        let before = c.to_vec();
        let mut updated = c.clone();
        updated.addmm_assign(&a, &b, alpha, beta);
        prop_assert!(close(&updated.to_vec(), &expected));
        // The other handle on C's buffer kept the old values (copy on write).
        prop_assert_eq!(c.to_vec(), before);
    }
}

proptest! {
    // Each case is a product of about 1500 × 800 × up to 70: a few suffice.
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The packed GEMM with an A too large to pack whole (more than 1.5
    /// million packed values: at least 125 blocks × 16 × 800), packed
    /// register block by register block as the kernels reach it, in any
    /// layout, against matrixmultiply.
    #[test]
    fn packed_gemm_with_a_packed_block_by_block_equals_the_general_path(
        (a, b, c, beta) in (1500usize..=1600, 800usize..850, 1usize..70).prop_flat_map(|(m, k, n)| (
            tensor::strategies::any_layout_tensor::<f32>(vec![m, k], -1.0, 1.0),
            tensor::strategies::any_layout_tensor::<f32>(vec![k, n], -1.0, 1.0),
            tensor::strategies::tensor::<f32>(vec![m, n], -1.0, 1.0),
            prop_oneof![Just(0.0f32), -2.0f32..2.0],
        ))
    ) {
        let k = a.shape()[1] as f32;
        let close32 = |x: &[f32], y: &[f32]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-5 * k);
        let product = general_gemm(&a, &b);
        let expected: Vec<f32> = c.to_vec().iter().zip(&product).map(|(c, ab)| ab + beta * c).collect();
        let mut updated = c.clone();
        updated.addmm_assign(&a, &b, 1.0, beta);
        prop_assert!(close32(&updated.to_vec(), &expected));
    }
}
