//! A proptest check of every differentiable op's derivatives, in f64, on random
//! shapes — broadcast pairs, and transposed / sliced / flipped inputs:
//! the gradient (gradcheck), the second derivatives through the recorded
//! backward (gradgradcheck), and forward mode (jvpcheck: J·v against finite
//! differences and ⟨u, J·v⟩ against ⟨Jᵀu, v⟩).
//!
//! Each op's output is checked whole: gradcheck seeds backward with a random
//! cotangent (not all ones), so a backward that mixed up positions (a missing
//! transpose, a wrong flip) would be caught.

use autograd::strategies::{any_layout_tensor, away_from, broadcast_pair, distinct, shape};
use autograd::{gradcheck, gradgradcheck, jvpcheck, GradcheckOptions, Operand, Tape, Var};
use proptest::prelude::*;
use tensor::Tensor;

/// A view of a recorded value (a transpose, a stepped slice) that a check goes through.
type View = for<'t> fn(&Var<'t, f64>) -> Var<'t, f64>;

/// First derivatives, second derivatives and forward mode, all against finite differences.
fn check<F>(inputs: &[Tensor<f64>], f: F) -> Result<(), TestCaseError>
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let options = GradcheckOptions::default();
    let first = gradcheck(&f, inputs, &options);
    prop_assert!(first.is_ok(), "{}", first.unwrap_err());
    let second = gradgradcheck(&f, inputs, &options);
    prop_assert!(second.is_ok(), "{}", second.unwrap_err());
    let forward = jvpcheck(&f, inputs, &options);
    prop_assert!(forward.is_ok(), "{}", forward.unwrap_err());
    Ok(())
}

fn any_tensor(low: f64, high: f64) -> impl Strategy<Value = Tensor<f64>> {
    shape(3, 4).prop_flat_map(move |s| any_layout_tensor::<f64>(s, low, high))
}

fn nonempty_with_axis(low: f64, high: f64) -> impl Strategy<Value = (Tensor<f64>, usize)> {
    proptest::collection::vec(1usize..=4, 1..=3)
        .prop_flat_map(move |s| (any_layout_tensor::<f64>(s.clone(), low, high), 0..s.len()))
}

fn broadcast_tensors(
    (la, ha): (f64, f64),
    (lb, hb): (f64, f64),
) -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair(3, 3).prop_flat_map(move |(a, b)| {
        (any_layout_tensor::<f64>(a, la, ha), any_layout_tensor::<f64>(b, lb, hb))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    // ----- arithmetic, broadcasting ------------------------------------------------

    #[test]
    fn add((a, b) in broadcast_tensors((-2.0, 2.0), (-2.0, 2.0))) {
        check(&[a, b], |_, v| &v[0] + &v[1])?;
    }

    #[test]
    fn sub((a, b) in broadcast_tensors((-2.0, 2.0), (-2.0, 2.0))) {
        check(&[a, b], |_, v| &v[0] - &v[1])?;
    }

    #[test]
    fn mul((a, b) in broadcast_tensors((-2.0, 2.0), (-2.0, 2.0))) {
        check(&[a, b], |_, v| &v[0] * &v[1])?;
    }

    #[test]
    fn div((a, b) in broadcast_tensors((-2.0, 2.0), (0.5, 2.0))) {
        check(&[a, b], |_, v| &v[0] / &v[1])?;
    }

    #[test]
    fn pow((a, b) in broadcast_tensors((0.5, 2.0), (-2.0, 2.0))) {
        check(&[a, b], |_, v| v[0].pow(&v[1]))?;
    }

    #[test]
    fn neg_and_scalar_forms(x in any_tensor(-2.0, 2.0)) {
        check(std::slice::from_ref(&x), |_, v| -&v[0])?;
        check(std::slice::from_ref(&x), |_, v| &v[0] * 3.0 + 1.5)?;
        check(&[x], |_, v| (&v[0] - 0.5) / 4.0)?;
    }

    #[test]
    fn powf_and_square(x in any_tensor(0.5, 2.0)) {
        check(std::slice::from_ref(&x), |_, v| v[0].powf(2.5))?;
        check(&[x], |_, v| v[0].square())?;
    }

    /// Integer powers, negative bases included (where powf has no real answer).
    #[test]
    fn powi(x in any_tensor(-2.0, 2.0), n in -1i32..=4) {
        let x = if n < 0 { x.map(|v| if v.abs() < 0.5 { v.signum() * 0.5 + v } else { v }) } else { x };
        check(&[x], |_, v| v[0].powi(n))?;
    }

    /// A scalar on the left: c + v, c − v, c · v, c / v.
    #[test]
    fn scalar_on_the_left(x in any_tensor(0.5, 2.0)) {
        check(std::slice::from_ref(&x), |_, v| 1.5 + &v[0])?;
        check(std::slice::from_ref(&x), |_, v| 1.0 - &v[0])?;
        check(std::slice::from_ref(&x), |_, v| 0.5 * v[0].clone())?;
        check(&[x], |_, v| 10.0 / &v[0])?;
    }

    // ----- matmul ----------------------------------------------------------------------

    #[test]
    fn matmul_of_strided_operands(
        (a, b) in (1usize..5, 1usize..5, 1usize..5).prop_flat_map(|(m, k, n)| (
            any_layout_tensor::<f64>(vec![m, k], -1.0, 1.0),
            any_layout_tensor::<f64>(vec![k, n], -1.0, 1.0),
        ))
    ) {
        check(&[a.clone(), b.clone()], |_, v| v[0].matmul(&v[1]))?;
        // Operands handed over as transposed views of transposed storage.
        check(&[a.t().contiguous(), b.t().contiguous()], |_, v| v[0].t().matmul(&v[1].t()))?;
    }

    #[test]
    fn batched_matmul_with_broadcast_batch(
        (a, b) in (1usize..4, 1usize..4, 1usize..4, 1usize..4).prop_flat_map(|(batch, m, k, n)| (
            any_layout_tensor::<f64>(vec![batch, m, k], -1.0, 1.0),
            any_layout_tensor::<f64>(vec![1, k, n], -1.0, 1.0),
        ))
    ) {
        check(&[a, b], |_, v| v[0].matmul(&v[1]))?;
    }

    // ----- shape ops ---------------------------------------------------------------------

    #[test]
    fn permute_transpose_reshape((x, axis) in nonempty_with_axis(-2.0, 2.0)) {
        let last = x.ndim() - 1;
        check(std::slice::from_ref(&x), |_, v| v[0].transpose(axis, last))?;
        let reversed: Vec<usize> = (0..x.ndim()).rev().collect();
        check(std::slice::from_ref(&x), |_, v| v[0].permute(&reversed))?;
        let flat = x.numel();
        check(std::slice::from_ref(&x), |_, v| v[0].reshape(&[flat]))?;
        check(&[x], |_, v| v[0].t())?;
    }

    #[test]
    fn slice_narrow_flip((x, axis) in nonempty_with_axis(-2.0, 2.0)) {
        let n = x.shape()[axis];
        check(std::slice::from_ref(&x), |_, v| v[0].slice(axis, 0, n, 2))?;
        check(std::slice::from_ref(&x), |_, v| v[0].narrow(axis, n / 2, n - n / 2))?;
        check(&[x], |_, v| v[0].flip(axis))?;
    }

    /// Negative axes reach the same axis from the back, and give the same gradient.
    #[test]
    fn negative_axes((x, axis) in nonempty_with_axis(-2.0, 2.0)) {
        let back = axis as i32 - x.ndim() as i32;
        check(std::slice::from_ref(&x), |_, v| v[0].softmax(back))?;
        check(std::slice::from_ref(&x), |_, v| v[0].sum([back], false))?;
        check(std::slice::from_ref(&x), |_, v| v[0].flip(back).narrow(back, 0, 1))?;
        check(&[x], |_, v| v[0].transpose(back, -1).unsqueeze(-1))?;
    }

    /// The indexing shorthand: ranges keep an axis, an integer removes it.
    #[test]
    fn index_shorthand(
        (x, i, j) in (1usize..5, 2usize..5).prop_flat_map(|(m, n)| (
            any_layout_tensor::<f64>(vec![m, n, 2], -2.0, 2.0), 0..m, 1..n,
        ))
    ) {
        check(std::slice::from_ref(&x), |_, v| v[0].i((.., j..)))?;
        check(std::slice::from_ref(&x), |_, v| v[0].i((i, ..j, 1)))?;
        check(&[x], |_, v| v[0].i(i))?;
    }

    #[test]
    fn broadcast_squeeze_unsqueeze((x, axis) in nonempty_with_axis(-2.0, 2.0)) {
        let mut big = x.shape().to_vec();
        big.insert(0, 3);
        check(std::slice::from_ref(&x), |_, v| v[0].broadcast_to(&big))?;
        check(std::slice::from_ref(&x), |_, v| v[0].expand(&big))?;
        check(std::slice::from_ref(&x), |_, v| v[0].unsqueeze(axis))?;
        check(&[x], |_, v| v[0].unsqueeze(axis).squeeze(axis))?;
    }

    /// The two ops that only a recorded backward uses (the backward of a
    /// broadcast and of a slice), checked as ops in their own right.
    #[test]
    fn sum_to_shape_and_slice_scatter((x, axis) in nonempty_with_axis(-2.0, 2.0)) {
        let mut big = x.shape().to_vec();
        big.insert(0, 2);
        let small = x.shape().to_vec();
        check(&[x.broadcast_to(&big).contiguous()], |_, v| v[0].sum_to_shape(&small))?;
        let mut wide = x.shape().to_vec();
        wide[axis] = 2 * wide[axis] + 1;
        let n = x.shape()[axis];
        check(&[x], |_, v| v[0].slice_scatter(&wide, axis, 1, 2 * n + 1, 2))?;
    }

    #[test]
    fn concat_and_stack(
        (a, b, c) in (1usize..4, 1usize..4, 1usize..4).prop_flat_map(|(m, n, p)| (
            any_layout_tensor::<f64>(vec![m, n], -2.0, 2.0),
            any_layout_tensor::<f64>(vec![m, p], -2.0, 2.0),
            any_layout_tensor::<f64>(vec![m, n], -2.0, 2.0),
        ))
    ) {
        check(&[a.clone(), b], |_, v| Var::concat(&[v[0].clone(), v[1].clone()], 1))?;
        check(&[a, c], |_, v| Var::stack(&[v[0].clone(), v[1].clone()], 0))?;
    }

    // ----- reductions --------------------------------------------------------------------

    #[test]
    fn sum_and_mean((x, axis) in nonempty_with_axis(-2.0, 2.0), keepdim in any::<bool>()) {
        check(std::slice::from_ref(&x), |_, v| v[0].sum([axis], keepdim))?;
        check(std::slice::from_ref(&x), |_, v| v[0].mean([axis], keepdim))?;
        check(&[x], |_, v| v[0].mean_all())?;
    }

    #[test]
    fn max_without_ties(
        (x, axis) in proptest::collection::vec(1usize..=4, 1..=3)
            .prop_flat_map(|s| (distinct(s.clone(), 0.01), 0..s.len())),
        keepdim in any::<bool>(),
    ) {
        check(std::slice::from_ref(&x), |_, v| v[0].max([axis], keepdim))?;
        // And through a flipped view of the same values.
        check(&[x], |_, v| v[0].flip(axis).max([axis], keepdim))?;
    }

    // ----- element-wise functions ----------------------------------------------------------

    #[test]
    fn exp_ln_sqrt(x in any_tensor(0.2, 3.0)) {
        check(std::slice::from_ref(&x), |_, v| v[0].exp())?;
        check(std::slice::from_ref(&x), |_, v| v[0].ln())?;
        check(&[x], |_, v| v[0].sqrt())?;
    }

    #[test]
    fn abs_relu_leaky_relu_away_from_zero(x in shape(3, 4).prop_flat_map(|s| away_from(s, -2.0, 2.0, &[0.0], 1e-3))) {
        check(std::slice::from_ref(&x), |_, v| v[0].abs())?;
        check(std::slice::from_ref(&x), |_, v| v[0].relu())?;
        check(&[x], |_, v| v[0].leaky_relu(0.01))?;
    }

    #[test]
    fn clamp_away_from_bounds(x in shape(3, 4).prop_flat_map(|s| away_from(s, -2.0, 2.0, &[-0.5, 1.0], 1e-3))) {
        check(&[x], |_, v| v[0].clamp(-0.5, 1.0))?;
    }

    #[test]
    fn sigmoid_tanh_softsign(x in any_tensor(-4.0, 4.0)) {
        check(std::slice::from_ref(&x), |_, v| v[0].sigmoid())?;
        check(std::slice::from_ref(&x), |_, v| v[0].tanh())?;
        check(&[x], |_, v| v[0].softsign())?;
    }

    // ----- softmax and losses -------------------------------------------------------------

    #[test]
    fn softmax_and_log_softmax((x, axis) in nonempty_with_axis(-3.0, 3.0)) {
        check(std::slice::from_ref(&x), |_, v| v[0].softmax(axis))?;
        check(&[x], |_, v| v[0].log_softmax(axis))?;
    }

    #[test]
    fn softmax_cross_entropy(
        (logits, labels) in (1usize..5, 2usize..6).prop_flat_map(|(batch, classes)| (
            any_layout_tensor::<f64>(vec![batch, classes], -3.0, 3.0),
            proptest::collection::vec(0..classes, batch),
        ))
    ) {
        check(&[logits], |_, v| v[0].softmax_cross_entropy(&labels))?;
    }

    /// The op itself, with soft targets whose rows need not sum to 1 (the
    /// general gradient softmax·Σy − y), given as a constant input.
    #[test]
    fn softmax_cross_entropy_with_soft_targets(
        (logits, targets) in (1usize..5, 2usize..6).prop_flat_map(|(batch, classes)| (
            any_layout_tensor::<f64>(vec![batch, classes], -3.0, 3.0),
            any_layout_tensor::<f64>(vec![batch, classes], 0.0, 1.0),
        ))
    ) {
        check(&[logits], |tape, v| {
            let targets = tape.constant(targets.clone());
            tape.apply(autograd::ops::loss::SoftmaxCrossEntropyOp, &[&v[0], &targets]).unwrap()
        })?;
    }

    #[test]
    fn sigmoid_cross_entropy(
        (logits, targets) in (1usize..5, 1usize..6).prop_flat_map(|(batch, outputs)| (
            any_layout_tensor::<f64>(vec![batch, outputs], -4.0, 4.0),
            any_layout_tensor::<f64>(vec![batch, outputs], 0.0, 1.0),
        ))
    ) {
        check(&[logits], |_, v| v[0].sigmoid_cross_entropy(&targets))?;
    }

    #[test]
    fn mean_squared_error((a, b) in shape(3, 4).prop_flat_map(|s| (any_layout_tensor::<f64>(s.clone(), -2.0, 2.0), any_layout_tensor::<f64>(s, -2.0, 2.0)))) {
        check(&[a, b], |_, v| v[0].mse(&v[1]))?;
    }
}

// ----- at the kernels' sizes ---------------------------------------------------------------
//
// Products with m, k, n from 1 to 40, so that forward and backward (g·Bᵀ and
// Aᵀ·g) reach every f64 path of tensor's matmul — the small-row and
// rank-update kernels (dimensions ≤ 16) and matrixmultiply's dgemm — and run
// under each instruction set this CPU has (forcing one changes which build of
// the kernels runs, never whether the result is right, so tests running beside
// these are unaffected).

/// A dimension on either side of the kernels' limit of 16.
fn kernel_dim() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..=4, 12usize..=20, 30usize..=40]
}

/// Runs `body` under each instruction set the CPU has, then restores the default.
fn under_each_isa(body: impl Fn() -> Result<(), TestCaseError>) -> Result<(), TestCaseError> {
    use tensor::kernels::plan::{set_isa, Isa};
    for isa in Isa::supported() {
        set_isa(Some(isa)).unwrap();
        let result = body();
        set_isa(None).unwrap();
        result?;
    }
    Ok(())
}

proptest! {
    // Each case checks products of up to 40×40×40 by finite differences of
    // every input element, three times (one per instruction set): a few suffice.
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn matmul_at_the_kernels_sizes(
        (a, b) in (kernel_dim(), kernel_dim(), kernel_dim()).prop_flat_map(|(m, k, n)| (
            any_layout_tensor::<f64>(vec![m, k], -1.0, 1.0),
            any_layout_tensor::<f64>(vec![k, n], -1.0, 1.0),
        ))
    ) {
        under_each_isa(|| check(&[a.clone(), b.clone()], |_, v| v[0].matmul(&v[1])))?;
    }

    /// x·W₁ + b₁ → tanh → ·W₂: the paper's layer twice, every parameter checked.
    #[test]
    fn two_layer_network_at_the_kernels_sizes(
        (x, w1, b1, w2) in (kernel_dim(), kernel_dim(), kernel_dim(), 1usize..=12).prop_flat_map(|(m, k, h, n)| (
            any_layout_tensor::<f64>(vec![m, k], -1.0, 1.0),
            any_layout_tensor::<f64>(vec![k, h], -0.5, 0.5),
            any_layout_tensor::<f64>(vec![1, h], -0.5, 0.5),
            any_layout_tensor::<f64>(vec![h, n], -0.5, 0.5),
        ))
    ) {
        under_each_isa(|| check(&[x.clone(), w1.clone(), b1.clone(), w2.clone()], |_, v| {
            (&v[0].matmul(&v[1]) + &v[2]).tanh().matmul(&v[3])
        }))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Both operands batched (not broadcast), batch axes of 1 to 3.
    #[test]
    fn batched_matmul_with_both_operands_batched(
        (a, b) in (1usize..4, kernel_dim(), 1usize..20, kernel_dim()).prop_flat_map(|(batch, m, k, n)| (
            any_layout_tensor::<f64>(vec![batch, m, k], -1.0, 1.0),
            any_layout_tensor::<f64>(vec![batch, k, n], -1.0, 1.0),
        ))
    ) {
        check(&[a, b], |_, v| v[0].matmul(&v[1]))?;
    }

    /// Reductions of transposed and sliced (stepped) views: the gradient lands
    /// on the right elements of the underlying tensor, and nowhere else.
    #[test]
    fn reductions_of_transposed_and_sliced_inputs(
        (x, axis) in (2usize..=5, 2usize..=6)
            .prop_flat_map(|(r, c)| (distinct(vec![r, c], 0.01), 0usize..2)),
        keepdim in any::<bool>(),
    ) {
        let views: [View; 3] = [
            |v| v.t(),
            |v| v.slice(1, 0, v.shape()[1], 2),
            |v| v.t().slice(0, 1, v.shape()[1], 2),
        ];
        for view in views {
            check(std::slice::from_ref(&x), |_, v| view(&v[0]).max([axis], keepdim))?;
            check(std::slice::from_ref(&x), |_, v| view(&v[0]).sum([axis], keepdim))?;
            check(std::slice::from_ref(&x), |_, v| view(&v[0]).mean([axis], keepdim))?;
        }
    }
}
