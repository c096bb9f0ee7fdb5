//! Higher-order gradients and forward mode: `Tape::grad` to any order, `hvp`,
//! `hessian`, `jvp`, and the checks that must catch a wrong second-order rule.

use autograd::{
    gradgradcheck, hessian, hvp, jacobian, jvp, jvpcheck, smallvec, vjp, AutogradError, BackwardContext,
    GradcheckError, GradcheckOptions, Grads, InputGrads, Op, Operand, Tape, Var,
};
use tensor::{Arith, Element, Tensor};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * (1.0 + b.abs())
}

#[test]
fn derivatives_of_sigmoid_to_third_order() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(0.7));
    let y = x.sigmoid();
    let d1 = tape.grad(&y, &[&x]).unwrap().remove(0);
    let d2 = tape.grad(&d1, &[&x]).unwrap().remove(0);
    let d3 = tape.grad(&d2, &[&x]).unwrap().remove(0);
    let s = 1.0 / (1.0 + (-0.7f64).exp());
    assert!(close(d1.value().item(), s * (1.0 - s)));
    assert!(close(d2.value().item(), s * (1.0 - s) * (1.0 - 2.0 * s)));
    let third = s * (1.0 - s) * (1.0 - 6.0 * s + 6.0 * s * s);
    assert!(close(d3.value().item(), third), "{} vs {third}", d3.value().item());
}

#[test]
fn hessian_of_a_quadratic_form_is_a_plus_a_transposed() {
    let a = Tensor::from_vec(vec![1.0, 2.0, -1.0, 0.5, 3.0, 0.0, 4.0, -2.0, 1.5], &[3, 3]);
    let x = Tensor::from_vec(vec![0.3, -0.2, 1.1], &[3, 1]);
    let h = hessian(
        |tape, x| x[0].t().matmul(&tape.constant(a.clone())).matmul(&x[0]).sum_all(),
        std::slice::from_ref(&x),
    )
    .unwrap()
    .remove(0)
    .remove(0);
    assert_eq!(h.shape(), &[3, 1, 3, 1]);
    let expected = &a + &a.t();
    for (got, want) in h.to_vec().iter().zip(expected.to_vec()) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    let v = Tensor::from_vec(vec![1.0, -1.0, 2.0], &[3, 1]);
    let (f, hv) = hvp(
        |tape, x| x[0].t().matmul(&tape.constant(a.clone())).matmul(&x[0]).sum_all(),
        std::slice::from_ref(&x),
        std::slice::from_ref(&v),
    )
    .unwrap();
    let f_expected = x.t().matmul(&a).matmul(&x).item();
    assert!(close(f.item(), f_expected), "{} vs {f_expected}", f.item());
    let want = expected.matmul(&v);
    for (got, want) in hv[0].to_vec().iter().zip(want.to_vec()) {
        assert!(close(*got, want));
    }
}

/// A tiny tanh network's loss as a function of its flattened first-layer weight.
fn tiny_network<'t>(tape: &'t Tape<f64>, w: &[Var<'t, f64>]) -> Var<'t, f64> {
    let w = &w[0];
    let x = tape.constant(Tensor::from_vec(vec![0.5, -1.0, 0.25, 2.0, 0.0, -0.5], &[2, 3]));
    let w2 = tape.constant(Tensor::from_vec(vec![0.3, -0.7, 0.2, 0.9], &[2, 2]));
    let hidden = x.matmul(&w.reshape(&[3, 2])).tanh();
    hidden.matmul(&w2).softmax_cross_entropy(&[1, 0])
}

#[test]
fn hessian_of_a_network_is_symmetric_and_matches_hvp() {
    let w = Tensor::from_vec(vec![0.1, -0.4, 0.3, 0.8, -0.2, 0.5], &[6]);
    let h = hessian(tiny_network, std::slice::from_ref(&w)).unwrap().remove(0).remove(0);
    for i in 0..6 {
        for j in 0..6 {
            let (hij, hji) = (h.get(&[i, j]), h.get(&[j, i]));
            assert!((hij - hji).abs() < 1e-12, "H[{i},{j}] = {hij}, H[{j},{i}] = {hji}");
        }
    }
    let mut unit = vec![0.0; 6];
    unit[2] = 1.0;
    let (_, column) = hvp(tiny_network, &[w], &[Tensor::from_vec(unit, &[6])]).unwrap();
    for (i, got) in column[0].to_vec().iter().enumerate() {
        assert!(close(*got, h.get(&[i, 2])));
    }
}

/// R⁴ → R²: a broadcast bias, softsign, exp and a reduction.
fn four_to_two<'t>(tape: &'t Tape<f64>, x: &[Var<'t, f64>]) -> Var<'t, f64> {
    let x = &x[0];
    let bias = tape.constant(Tensor::from_vec(vec![0.5, -0.5], &[2]));
    (x.reshape(&[2, 2]).softsign() + bias).exp().sum([0], false)
}

#[test]
fn jvp_is_the_jacobian_times_the_tangent_and_vjp_its_transpose() {
    let f = four_to_two;
    let x = Tensor::from_vec(vec![0.3, -1.2, 2.0, 0.7], &[4]);
    let v = Tensor::from_vec(vec![1.0, 0.5, -2.0, 0.25], &[4]);
    let u = Tensor::from_vec(vec![-1.0, 3.0], &[2]);
    let j = jacobian(f, std::slice::from_ref(&x)).unwrap().remove(0);
    let (y, jv) = jvp(f, std::slice::from_ref(&x), std::slice::from_ref(&v)).unwrap();
    assert_eq!(y.shape(), &[2]);
    let expected = j.matmul(&v.reshape(&[4, 1])).reshape(&[2]);
    for (got, want) in jv.to_vec().iter().zip(expected.to_vec()) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    let (_, jt_u) = vjp(f, &[x], &u).unwrap();
    let expected = u.reshape(&[1, 2]).matmul(&j).reshape(&[4]);
    for (got, want) in jt_u[0].to_vec().iter().zip(expected.to_vec()) {
        assert!(close(*got, want));
    }
}

/// R³ × R³ → R: Σ tanh(a ⊙ b) + Σ a³, whose Hessian couples the two inputs.
fn two_inputs<'t>(_: &'t Tape<f64>, x: &[Var<'t, f64>]) -> Var<'t, f64> {
    (&x[0] * &x[1]).tanh().sum_all() + x[0].powi(3).sum_all()
}

#[test]
fn several_inputs_hessian_blocks_agree_with_hvp_jvp_and_vjp() {
    let a = Tensor::from_vec(vec![0.3, -1.2, 0.8], &[3]);
    let b = Tensor::from_vec(vec![1.1, 0.4, -0.6], &[3]);
    let (va, vb) =
        (Tensor::from_vec(vec![1.0, -2.0, 0.5], &[3]), Tensor::from_vec(vec![0.25, 1.0, -1.0], &[3]));
    let inputs = [a.clone(), b.clone()];
    let h = hessian(two_inputs, &inputs).unwrap();
    assert_eq!((h.len(), h[0].len(), h[0][1].shape()), (2, 2, &[3usize, 3][..]));
    // H is symmetric across blocks: H[0][1] = H[1][0]ᵀ.
    for i in 0..3 {
        for j in 0..3 {
            assert!(close(h[0][1].get(&[i, j]), h[1][0].get(&[j, i])));
        }
    }
    // (H·v)ᵢ = Σⱼ H[i][j]·vⱼ, from hvp without forming H.
    let (f, hv) = hvp(two_inputs, &inputs, &[va.clone(), vb.clone()]).unwrap();
    assert!(close(f.item(), (&a * &b).tanh().sum_all() + a.powi(3).sum_all()));
    let col = |v: &Tensor<f64>| v.reshape(&[3, 1]);
    for (i, hv_i) in hv.iter().enumerate() {
        let want = (h[i][0].matmul(&col(&va)) + h[i][1].matmul(&col(&vb))).reshape(&[3]);
        for (got, want) in hv_i.to_vec().iter().zip(want.to_vec()) {
            assert!(close(*got, want), "(Hv)[{i}]: {got} vs {want}");
        }
    }
    // The gradient's Jacobian blocks are H's rows; J·v and Jᵀu of f itself.
    let j = jacobian(two_inputs, &inputs).unwrap();
    let (_, jv) = jvp(two_inputs, &inputs, &[va.clone(), vb.clone()]).unwrap();
    let want =
        (&j[0].reshape(&[1, 3]).matmul(&col(&va)) + &j[1].reshape(&[1, 3]).matmul(&col(&vb))).sum_all();
    assert!(close(jv.item(), want));
    let (_, jt_u) = vjp(two_inputs, &inputs, &Tensor::scalar(2.0)).unwrap();
    for (g, jb) in jt_u.iter().zip(&j) {
        for (got, want) in g.to_vec().iter().zip(jb.to_vec()) {
            assert!(close(*got, 2.0 * want));
        }
    }
}

#[test]
fn a_vector_of_the_wrong_shape_is_an_error_naming_both_shapes() {
    let x = Tensor::<f64>::zeros(&[3]);
    let v = Tensor::zeros(&[2]);
    let err =
        jvp(|_, x| x[0].exp(), std::slice::from_ref(&x), std::slice::from_ref(&v)).unwrap_err().to_string();
    assert!(err.contains("[3]") && err.contains("[2]") && err.contains("jvp"), "{err}");
    let err = hvp(|_, x| x[0].exp().sum_all(), std::slice::from_ref(&x), &[v]).unwrap_err().to_string();
    assert!(err.contains("[3]") && err.contains("[2]") && err.contains("hvp"), "{err}");
    let err = jvp(|_, x| x[0].exp(), &[x.clone(), x], &[Tensor::zeros(&[3])]).unwrap_err().to_string();
    assert!(err.contains("one vector per input"), "{err}");
}

#[test]
fn grad_needs_a_recorded_one_element_output() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    assert!(matches!(tape.grad(&x.exp(), &[&x]), Err(AutogradError::NotScalar { .. })));
    let other = Tape::<f64>::new();
    let y = other.param(Tensor::scalar(1.0));
    assert!(matches!(tape.grad(&y, &[&x]), Err(AutogradError::NotRecorded)));
}

#[test]
fn a_value_the_output_does_not_depend_on_gets_zeros() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    let unused = tape.param(Tensor::from_vec(vec![5.0, 6.0, 7.0], &[3]));
    let grads = tape.grad(&x.square().sum_all(), &[&x, &unused]).unwrap();
    assert_eq!(grads[0].value().to_vec(), vec![2.0, 4.0]);
    assert_eq!(grads[1].value().to_vec(), vec![0.0, 0.0, 0.0]);
}

// ----- custom ops ----------------------------------------------------------------------

/// swish(x) = x·σ(x), f' = σ + x·σ(1 − σ): first order only.
struct FirstOrderSwish;

impl<E: Element> Op<E> for FirstOrderSwish {
    fn name(&self) -> String {
        "first_order_swish".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].map(|v| v * tensor::sigmoid(v)))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let slope = ctx.input(0).map(|v| {
            let s = tensor::sigmoid(v);
            s + v * s * (E::ONE - s)
        });
        smallvec![Some(ctx.grad_output * &slope)]
    }
}

/// The same op with its rule written once, generic over `Operand`, so it has a
/// recorded backward too. `WRONG` makes the recorded rule's slope off by a
/// factor on recorded values only — what gradgradcheck must catch.
struct Swish<const WRONG: bool>;

impl<const WRONG: bool> Swish<WRONG> {
    fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let x = ctx.input(0);
        let s = x.activate(autograd::ops::activation::Sigmoid);
        let slope = s.add(&x.mul(&s.mul(&s.subtracted_from(E::ONE))));
        smallvec![Some(ctx.grad_output.mul(&slope))]
    }
}

impl<E: Element, const WRONG: bool> Op<E> for Swish<WRONG> {
    fn name(&self) -> String {
        "swish".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].map(|v| v * tensor::sigmoid(v)))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        self.vjp(ctx)
    }
    fn backward_recorded<'t>(&self, ctx: &BackwardContext<'_, E, Var<'t, E>>) -> Option<Grads<Var<'t, E>>> {
        let mut grads = self.vjp(ctx);
        if WRONG {
            grads[0] = grads[0].take().map(|g| g.mul(&ctx.input(0).powi(2).add_scalar(E::ONE)));
        }
        Some(grads)
    }
}

fn swish<'t>(tape: &'t Tape<f64>, v: &[Var<'t, f64>]) -> Var<'t, f64> {
    tape.apply(Swish::<false>, &[&v[0]]).unwrap()
}

fn wrong_swish<'t>(tape: &'t Tape<f64>, v: &[Var<'t, f64>]) -> Var<'t, f64> {
    tape.apply(Swish::<true>, &[&v[0]]).unwrap()
}

fn inputs() -> Vec<Tensor<f64>> {
    vec![Tensor::from_vec(vec![-1.5, -0.2, 0.4, 2.5, 1.0, -3.0], &[2, 3]).t()]
}

#[test]
fn an_op_without_a_recorded_backward_is_named_in_the_error() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![0.5, -1.0], &[2]));
    let y = tape.apply(FirstOrderSwish, &[&x]).unwrap().sum_all();
    // First order works as always.
    assert_eq!(tape.backward(&y).unwrap().wrt(&x).shape(), &[2]);
    let err = tape.grad(&y, &[&x]).err().unwrap();
    assert!(
        matches!(&err, AutogradError::NoRecordedBackward { op, .. } if op == "first_order_swish"),
        "{err}"
    );
    assert!(err.to_string().contains("first_order_swish"));
    let report = gradgradcheck(
        |tape, v| tape.apply(FirstOrderSwish, &[&v[0]]).unwrap(),
        &inputs(),
        &GradcheckOptions::default(),
    );
    assert!(matches!(report, Err(GradcheckError::Backward(AutogradError::NoRecordedBackward { .. }))));
}

#[test]
fn a_custom_op_with_a_generic_rule_passes_every_check() {
    let f = swish;
    let options = GradcheckOptions::default();
    autograd::gradcheck(f, &inputs(), &options).unwrap();
    gradgradcheck(f, &inputs(), &options).unwrap();
    jvpcheck(f, &inputs(), &options).unwrap();
}

#[test]
fn a_wrong_second_order_rule_fails_gradgradcheck_and_jvpcheck() {
    let f = wrong_swish;
    let options = GradcheckOptions::default();
    // First order is right: backward on tensors does not use the wrong rule.
    autograd::gradcheck(f, &inputs(), &options).unwrap();
    let second = gradgradcheck(f, &inputs(), &options).unwrap_err();
    assert!(
        matches!(&second, GradcheckError::Mismatch(r) if r.check.starts_with("gradgradcheck")),
        "{second}"
    );
    assert!(second.to_string().contains("FAILED"));
    let forward = jvpcheck(f, &inputs(), &options).unwrap_err();
    assert!(matches!(forward, GradcheckError::JvpMismatch(_)), "{forward}");
}

/// R³ × R³ → R²: the two inputs mixed, then two outputs.
fn two_in_two_out<'t>(_: &'t Tape<f64>, x: &[Var<'t, f64>]) -> Var<'t, f64> {
    let mixed = (&x[0] * &x[1]).tanh() + x[0].softsign();
    Var::concat(&[mixed.sum_all().reshape(&[1]), (&mixed * &x[1]).sum_all().reshape(&[1])], 0)
}

mod slices_against_finite_differences {
    use super::*;
    use proptest::prelude::*;

    const EPS: f64 = 1e-5;

    fn vector() -> impl Strategy<Value = Tensor<f64>> {
        proptest::collection::vec(-1.5f64..1.5, 3).prop_map(|v| Tensor::from_vec(v, &[3]))
    }

    /// x + t·v for each input.
    fn moved(x: &[Tensor<f64>], v: &[Tensor<f64>], t: f64) -> Vec<Tensor<f64>> {
        x.iter().zip(v).map(|(x, v)| x + &(v * t)).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// jvp's J·v against (f(x + εv) − f(x − εv)) / 2ε, and hvp's H·v
        /// against the same central difference of the gradient (from vjp).
        #[test]
        fn jvp_and_hvp_of_two_inputs(a in vector(), b in vector(), va in vector(), vb in vector()) {
            let (x, v) = ([a, b], [va, vb]);
            let (_, jv) = jvp(two_in_two_out, &x, &v).unwrap();
            let f = |x: &[Tensor<f64>]| vjp(two_in_two_out, x, &Tensor::zeros(&[2])).unwrap().0;
            let numeric = (&f(&moved(&x, &v, EPS)) - &f(&moved(&x, &v, -EPS))) / (2.0 * EPS);
            for (got, want) in jv.to_vec().iter().zip(numeric.to_vec()) {
                prop_assert!((got - want).abs() < 1e-6 + 1e-6 * want.abs(), "J·v {got} vs {want}");
            }
            let (_, hv) = hvp(two_inputs, &x, &v).unwrap();
            let gradient = |x: &[Tensor<f64>]| vjp(two_inputs, x, &Tensor::scalar(1.0)).unwrap().1;
            let (up, down) = (gradient(&moved(&x, &v, EPS)), gradient(&moved(&x, &v, -EPS)));
            for (i, hv_i) in hv.iter().enumerate() {
                let numeric = (&up[i] - &down[i]) / (2.0 * EPS);
                for (got, want) in hv_i.to_vec().iter().zip(numeric.to_vec()) {
                    prop_assert!((got - want).abs() < 1e-6 + 1e-6 * want.abs(), "(H·v)[{i}] {got} vs {want}");
                }
            }
        }
    }
}
