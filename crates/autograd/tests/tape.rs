//! The tape's behaviour: accumulation, kept gradients, no-grad evaluation,
//! anomaly mode, printing, errors — and backprop checked against closed forms.

use autograd::{
    gradcheck, smallvec, AutogradError, BackwardContext, GradcheckError, GradcheckOptions, InputGrads, Op,
    Tape, Var,
};
use tensor::{sigmoid, Element, Tensor};

fn scalar(v: f64) -> Tensor<f64> {
    Tensor::scalar(v)
}

#[test]
fn a_value_used_several_times_accumulates_its_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.param(scalar(3.0));
    // y = x·x + x + x  →  dy/dx = 2x + 2 = 8.
    let y = &(&x * &x) + &(&x + &x);
    let grads = tape.backward(&y).unwrap();
    assert_eq!(grads.wrt(&x).item(), 8.0);
}

#[test]
fn backward_twice_gives_the_same_gradients() {
    let tape = Tape::<f64>::new();
    let w = tape.param(Tensor::from_vec(vec![0.5, -0.3], &[2]));
    let loss = w.tanh().square().sum_all();
    let first = tape.backward(&loss).unwrap().wrt(&w);
    let second = tape.backward(&loss).unwrap().wrt(&w);
    assert_eq!(first, second);
}

#[test]
fn intermediate_gradients_are_kept_only_when_asked() {
    let tape = Tape::<f64>::new();
    let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
    let w = tape.param(Tensor::from_vec(vec![0.1, 0.2, 0.3, 0.4], &[2, 2]));
    let s = x.matmul(&w).keep_grad();
    let z = s.tanh();
    let loss = z.sum_all();
    let grads = tape.backward(&loss).unwrap();
    let expected = s.value().map(|v| 1.0 - v.tanh() * v.tanh());
    assert!(grads.wrt(&s).allclose(&expected, 1e-15, 0.0));
    assert!(grads.get(&z).is_none(), "unmarked intermediate gradients are freed");
    assert!(grads.get(&x).is_none(), "constants get no gradient");
}

#[test]
fn parameters_not_in_the_graph_get_zero_gradients() {
    let tape = Tape::<f64>::new();
    let used = tape.param(scalar(2.0));
    let unused = tape.param(Tensor::ones(&[3]));
    let grads = tape.backward(&used.square()).unwrap();
    assert_eq!(grads.wrt(&unused), Tensor::zeros(&[3]));
}

#[test]
fn backward_updating_hands_each_parameter_over_once_with_its_whole_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.constant(Tensor::from_vec(vec![0.3, -1.2, 0.7, 2.0], &[2, 2]));
    let w = tape.param(Tensor::from_vec(vec![0.5, -0.4, 0.1, 0.9], &[2, 2]));
    let v = tape.param(Tensor::from_vec(vec![1.5, -0.6], &[2, 1]));
    let unused = tape.param(Tensor::ones(&[3]));
    // w is used early (x·w) and again late (h·w): handed over after the
    // early use, when both uses have sent their gradients back.
    let h = x.matmul(&w).tanh();
    let cost = (&h.matmul(&w).matmul(&v).sum_all() + &v.square().sum_all()).keep_grad();
    let expected = tape.backward(&cost).unwrap();
    let (w_at, v_at) = (w.index().unwrap(), v.index().unwrap());
    let (expected_w, expected_v) = (expected.wrt(&w), expected.wrt(&v));
    let (w_value, v_value) = (w.value().clone(), v.value().clone());

    let mut handed = vec![];
    tape.backward_updating(&cost, |index, value, grad| {
        let (param, before) = if index == w_at { (&expected_w, &w_value) } else { (&expected_v, &v_value) };
        assert_eq!(&grad, param, "node {index}: the whole gradient");
        assert_eq!(&*value, before, "node {index}: the value as recorded");
        // Nothing later in the sweep may read a parameter once handed over.
        *value = Tensor::full(value.shape(), f64::NAN);
        handed.push(index);
    })
    .unwrap();
    // v's last user (the cost) comes after w's first (x·w): v is handed over first.
    assert_eq!(
        handed,
        [v_at, w_at],
        "each parameter the cost depends on, once; not {unused:?}",
        unused = unused.index()
    );
}

#[test]
fn no_grad_tape_records_nothing() {
    let tape = Tape::<f64>::no_grad();
    let w = tape.param(Tensor::ones(&[100, 100]));
    let y = w.matmul(&w).tanh().sum_all();
    assert_eq!(y.value().item(), 10000.0 * 100f64.tanh());
    assert_eq!(tape.len(), 0);
    assert!(matches!(tape.backward(&y), Err(AutogradError::NotRecorded)));
}

#[test]
fn backward_needs_a_scalar_or_a_seed() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]));
    let y = x.square();
    let err = tape.backward(&y).unwrap_err();
    assert!(err.to_string().contains("[3]"), "{err}");
    let seeded = tape.backward_with(&y, Tensor::from_vec(vec![1.0, 0.0, -1.0], &[3])).unwrap();
    assert_eq!(seeded.wrt(&x).to_vec(), vec![2.0, 0.0, -6.0]);
    assert!(tape.backward_with(&y, Tensor::ones(&[2])).is_err());
}

#[test]
fn shape_errors_name_the_op_and_both_shapes() {
    let tape = Tape::<f32>::new();
    let a = tape.param(Tensor::zeros(&[2, 3]));
    let b = tape.param(Tensor::zeros(&[2, 3]));
    let err = a.try_matmul(&b).err().unwrap().to_string();
    assert!(err.contains("matmul") && err.contains("[2, 3]"), "{err}");
    let err = a.try_add(&tape.constant(Tensor::zeros(&[4]))).err().unwrap().to_string();
    assert!(err.contains("add") && err.contains("[2, 3]") && err.contains("[4]"), "{err}");
}

#[test]
fn anomaly_mode_names_the_op_in_forward() {
    use autograd::ops::{elementwise::ElementwiseOp, unary::Ln};
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    let x = tape.param(Tensor::from_vec(vec![1.0, -1.0], &[2]));
    let y = x.exp(); // fine
    let minus_y = -&y;
    let line = line!() + 1;
    let err = tape.apply(ElementwiseOp(Ln), &[&minus_y]).err().unwrap();
    match &err {
        AutogradError::Anomaly { phase, op, index, label, location, input_shapes } => {
            assert_eq!(
                (*phase, op.as_str(), *index, label.clone(), input_shapes.clone()),
                ("forward", "ln", 3, None, vec![vec![2]])
            );
            assert_eq!((location.file(), location.line()), (file!(), line), "the caller's line");
        }
        other => panic!("expected an anomaly, got {other}"),
    }
    let message = err.to_string();
    assert!(message.contains("`ln`") && message.contains("tape index 3"), "{message}");
    assert!(message.contains(&format!("{}:{line}", file!())), "{message}");
}

#[test]
fn anomaly_mode_names_the_op_in_backward() {
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    let x = tape.param(Tensor::from_vec(vec![0.0, 4.0], &[2]));
    let line = line!() + 1;
    let root = x.sqrt().named("root"); // √0 = 0 is finite, but its derivative 1/(2√0) is not
    let y = root.sum_all();
    let err = tape.backward(&y).unwrap_err();
    match &err {
        AutogradError::Anomaly { phase: "backward", op, index: 1, label, location, .. } => {
            assert_eq!((op.as_str(), label.as_deref()), ("sqrt", Some("root")));
            assert_eq!(location.line(), line, "recorded where the user wrote x.sqrt()");
        }
        other => panic!("expected a backward anomaly in sqrt, got {other}"),
    }
    assert!(err.to_string().contains("(output `root`)"), "{err}");
    // Without anomaly mode the infinity simply flows through.
    tape.set_anomaly_detection(false);
    assert!(tape.backward(&y).unwrap().wrt(&x).get(&[0]).is_infinite());
}

#[test]
fn the_tape_prints_as_a_table_and_as_dot() {
    let tape = Tape::<f64>::new();
    let x = tape.constant(Tensor::ones(&[1, 2])).named("x");
    let w = tape.param(Tensor::ones(&[2, 3])).named("W");
    let _loss = x.matmul(&w).sigmoid().sum_all().named("loss");
    let table = tape.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 5, "{table}");
    assert!(lines[1].contains("constant") && lines[1].contains("[1, 2]") && lines[1].contains('x'));
    assert!(lines[2].contains("param") && lines[2].contains('W'));
    assert!(lines[3].contains("matmul") && lines[3].contains("[1, 3]") && lines[3].contains("0, 1"));
    assert!(lines[5].contains("sum") && lines[5].contains("loss"));
    let dot = tape.to_dot();
    assert!(dot.starts_with("digraph"));
    assert!(dot.contains("n0 -> n2;") && dot.contains("n1 -> n2;") && dot.contains("n3 -> n4;"));
    assert!(dot.contains("matmul") && dot.contains("fillcolor"));
}

/// A deliberately wrong backward: gradcheck must catch it and say where.
struct WrongCube;

impl<E: Element> Op<E> for WrongCube {
    fn name(&self) -> String {
        "wrong_cube".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].powi(3))
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        // Should be 3x²; 2x² is wrong everywhere but at 0.
        smallvec![Some(ctx.grad_output * &ctx.input(0).map(|x| E::from_f64(2.0) * x * x))]
    }
}

#[test]
fn gradcheck_catches_a_wrong_backward_and_locates_it() {
    let x = Tensor::from_vec(vec![0.0, 0.5, -2.0], &[3]);
    let err =
        gradcheck(|_, v| v[0].apply(WrongCube).sum_all(), &[x], &GradcheckOptions::default()).unwrap_err();
    let GradcheckError::Mismatch(report) = err else { panic!("expected a mismatch, got {err}") };
    assert!(!report.passed);
    assert_eq!(report.worst_index, vec![2], "the largest error is at x = -2");
    assert!((report.analytic - 8.0).abs() < 1e-12 && (report.numeric - 12.0).abs() < 1e-6, "{report}");
    assert!(report.to_string().contains("FAILED"));
}

/// A backward that returns the wrong shape is reported, not silently broadcast.
struct BadShape;

impl<E: Element> Op<E> for BadShape {
    fn name(&self) -> String {
        "bad_shape".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].clone())
    }
    fn backward(&self, _ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(Tensor::zeros(&[1]))]
    }
}

#[test]
fn a_custom_op_with_a_misshapen_gradient_is_reported() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::ones(&[2, 2]));
    let y = x.apply(BadShape).sum_all();
    let err = tape.backward(&y).unwrap_err().to_string();
    assert!(err.contains("bad_shape") && err.contains("[1]") && err.contains("[2, 2]"), "{err}");
    // gradcheck reports it as an error too, rather than panicking.
    let err = gradcheck(|_, v| v[0].apply(BadShape), &[Tensor::ones(&[2, 2])], &GradcheckOptions::default())
        .unwrap_err();
    match &err {
        GradcheckError::Backward(AutogradError::GradientShape { op, input: 0, expected, got }) => {
            assert_eq!(
                (op.as_str(), expected.as_slice(), got.as_slice()),
                ("bad_shape", &[2, 2][..], &[1][..])
            );
        }
        other => panic!("expected GradientShape, got {other}"),
    }
}

/// A backward that sends each gradient to the wrong place (here: reversed) but
/// keeps the sum: sum_all() seeds every output with 1 and cannot see it; the
/// random cotangent can.
struct SwappedIdentity;

impl<E: Element> Op<E> for SwappedIdentity {
    fn name(&self) -> String {
        "swapped_identity".into()
    }
    fn forward(&self, x: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
        Ok(x[0].clone())
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        smallvec![Some(ctx.grad_output.flip(0).contiguous())]
    }
}

#[test]
fn a_misplaced_gradient_is_caught_through_a_random_cotangent() {
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0, 0.25], &[4]);
    let options = GradcheckOptions::default();
    let blind = gradcheck(|_, v| v[0].apply(SwappedIdentity).sum_all(), std::slice::from_ref(&x), &options);
    assert!(blind.is_ok(), "all-ones seeding cannot see a misplaced gradient");
    let err = gradcheck(|_, v| v[0].apply(SwappedIdentity), &[x], &options).unwrap_err();
    assert!(matches!(err, GradcheckError::Mismatch(_)), "{err}");
    assert!(err.to_string().contains("output [4], through a random cotangent"), "{err}");
}

#[test]
fn jacobian_matches_the_closed_form_of_a_layer() {
    // y = tanh(x·W): ∂yⱼ/∂xᵢ = (1 − yⱼ²)·Wᵢⱼ.
    let w = Tensor::<f64>::rand_uniform(&[3, 2], -1.0, 1.0, 7);
    let x = Tensor::<f64>::rand_uniform(&[1, 3], -1.0, 1.0, 8);
    let j =
        autograd::jacobian(|tape, x| x[0].matmul(&tape.constant(w.clone())).tanh(), std::slice::from_ref(&x))
            .unwrap()
            .remove(0);
    assert_eq!(j.shape(), &[1, 2, 1, 3]);
    let y = x.matmul(&w).tanh();
    for out in 0..2 {
        for i in 0..3 {
            let expected = (1.0 - y.get(&[0, out]).powi(2)) * w.get(&[i, out]);
            assert!((j.get(&[0, out, 0, i]) - expected).abs() < 1e-14);
        }
    }
}

#[test]
fn two_layer_mlp_loss_passes_gradcheck() {
    let x = Tensor::<f64>::rand_uniform(&[5, 4], -1.0, 1.0, 1);
    let w1 = Tensor::<f64>::rand_uniform(&[4, 6], -0.5, 0.5, 2);
    let b1 = Tensor::<f64>::rand_uniform(&[6], -0.1, 0.1, 3);
    let w2 = Tensor::<f64>::rand_uniform(&[6, 3], -0.5, 0.5, 4);
    let b2 = Tensor::<f64>::zeros(&[3]);
    let labels = [0, 2, 1, 1, 0];
    let report = gradcheck(
        |tape, v| {
            let x = tape.constant(x.clone());
            let hidden = (&x.matmul(&v[0]) + &v[1]).tanh();
            (&hidden.matmul(&v[2]) + &v[3]).softmax_cross_entropy(&labels)
        },
        &[w1, b1, w2, b2],
        &GradcheckOptions::default(),
    )
    .unwrap();
    assert!(report.max_rel_error < 1e-6, "{report}");
}

/// Nielsen ch. 5: a chain of one sigmoid neuron per layer. Backprop must give
/// ∂C/∂b₁ = σ'(z₁)·w₂·σ'(z₂)·w₃·σ'(z₃)·w₄·σ'(z₄)·∂C/∂a₄.
#[test]
fn nielsen_one_neuron_chain_matches_its_closed_form() {
    let (w, b) = ([0.8, -1.3, 0.6, 1.9], [0.1, -0.4, 0.3, -0.2]);
    let (input, target) = (0.7, 0.25);
    let tape = Tape::<f64>::new();
    let mut a = tape.constant(scalar(input));
    let mut biases = vec![];
    let mut zs = vec![];
    for layer in 0..4 {
        let bias = tape.param(scalar(b[layer]));
        let z = &(&a * w[layer]) + &bias;
        zs.push(z.value().item());
        a = z.sigmoid();
        biases.push(bias);
    }
    let a4 = a.value().item();
    let cost = (&a - target).square() * 0.5; // C = ½(a₄ − y)², ∂C/∂a₄ = a₄ − y
    let grads = tape.backward(&cost).unwrap();

    let sigma_prime = |z: f64| sigmoid(z) * (1.0 - sigmoid(z));
    let closed_form = sigma_prime(zs[0])
        * w[1]
        * sigma_prime(zs[1])
        * w[2]
        * sigma_prime(zs[2])
        * w[3]
        * sigma_prime(zs[3])
        * (a4 - target);
    let got = grads.wrt(&biases[0]).item();
    assert!(
        (got - closed_form).abs() < 1e-15 * closed_form.abs().max(1e-300) + 1e-18,
        "{got} vs {closed_form}"
    );
}

#[test]
fn f32_gradients_agree_with_f64_within_f32_precision() {
    fn grads<E: Element>() -> Vec<Vec<f64>> {
        let tape = Tape::<E>::new();
        let x = tape.constant(Tensor::<f64>::rand_uniform(&[8, 16], -1.0, 1.0, 5).cast());
        let w1 = tape.param(Tensor::<f64>::rand_uniform(&[16, 12], -0.4, 0.4, 6).cast());
        let w2 = tape.param(Tensor::<f64>::rand_uniform(&[12, 4], -0.4, 0.4, 7).cast());
        let h = x.matmul(&w1).softsign();
        let loss = h.matmul(&w2).softmax_cross_entropy(&[0, 1, 2, 3, 3, 2, 1, 0]);
        let g = tape.backward(&loss).unwrap();
        [&w1, &w2].iter().map(|w| g.wrt(w).cast::<f64>().to_vec()).collect()
    }
    let (single, double) = (grads::<f32>(), grads::<f64>());
    for (s, d) in single.iter().zip(&double) {
        let scale = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in s.iter().zip(d) {
            assert!((a - b).abs() <= 1e-5 * scale, "{a} vs {b} (scale {scale})");
        }
    }
}

#[test]
fn softmax_cross_entropy_is_a_stable_log_sum_exp() {
    let tape = Tape::<f64>::new();
    let logits = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 1e4, -1e4, 0.0], &[2, 3]));
    let loss = logits.softmax_cross_entropy(&[2, 1]);
    // Row 0: ln(e¹+e²+e³) − 3. Row 1: picks −1e4 against a max of 1e4 → ≈ 2e4.
    let row0 = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0;
    let row1 = 2e4; // ln(e^1e4 + e^-1e4 + 1) − (−1e4) = 1e4 + 1e4 (up to e^-1e4)
    assert!((loss.value().item() - (row0 + row1) / 2.0).abs() < 1e-9);
    let g = tape.backward(&loss).unwrap().wrt(&logits);
    assert!(g.iter().all(f64::is_finite));
    // Gradient = (softmax − one-hot)/batch.
    assert!((g.get(&[1, 0]) - 0.5).abs() < 1e-12 && (g.get(&[1, 1]) + 0.5).abs() < 1e-12);
    let err = logits.try_softmax_cross_entropy(&[3, 0]).err().unwrap().to_string();
    assert!(err.contains("label 3"), "{err}");
}

#[test]
fn var_operators_and_views_compose() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
    // f = Σ (2·xᵀ − 1)[:, 0] = Σ_j (2·x[0, j] − 1)  → ∂f/∂x = [[2, 2], [0, 0]].
    let f = (x.t() * 2.0 - 1.0).narrow(1, 0, 1).sum_all();
    assert_eq!(f.value().item(), 2.0 * (1.0 + 2.0) - 2.0);
    assert_eq!(tape.backward(&f).unwrap().wrt(&x).to_vec(), vec![2.0, 2.0, 0.0, 0.0]);
    let stacked = Var::stack(&[x.clone(), x.clone()], 0);
    assert_eq!(stacked.shape(), &[2, 2, 2]);
}

#[test]
fn sigmoid_cross_entropy_matches_nielsens_formula_and_stays_finite() {
    let tape = Tape::<f64>::new();
    let s = tape.param(Tensor::from_vec(vec![0.3, -1.2, 500.0, -500.0], &[2, 2]));
    let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]);
    let cost = s.sigmoid_cross_entropy(&y);
    let a = |v: f64| sigmoid(v);
    let nielsen_row0 = -(a(0.3)).ln() - (1.0 - a(-1.2)).ln();
    let row1 = 500.0 + 500.0; // −ln(1−σ(500)) ≈ 500, −ln σ(−500) ≈ 500
    assert!((cost.value().item() - (nielsen_row0 + row1) / 2.0).abs() < 1e-9, "{}", cost.value().item());
    let g = tape.backward(&cost).unwrap().wrt(&s);
    // Nielsen's output delta a − y, over the batch of 2.
    assert!((g.get(&[0, 0]) - (a(0.3) - 1.0) / 2.0).abs() < 1e-15);
    assert!(g.iter().all(f64::is_finite));
}

#[test]
fn the_annotated_tape_shows_values_and_every_gradient() {
    let tape = Tape::<f64>::new();
    tape.set_keep_all_grads(true);
    let x = tape.constant(Tensor::from_vec(vec![1.0, -2.0], &[1, 2])).named("x");
    let w = tape.param(Tensor::from_vec(vec![0.5, 0.25], &[2, 1])).named("w");
    let s = x.matmul(&w).named("s"); // 0.5 − 0.5 = 0
    let loss = s.tanh().sum_all().named("loss");
    let grads = tape.backward(&loss).unwrap();
    let table = tape.annotated(Some(&grads)).to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].contains("value") && lines[0].contains("gradient"), "{table}");
    // x is a constant: its value, no gradient; w: value and xᵀ·1; s: 0 and 1 − tanh²(0) = 1.
    assert!(lines[1].contains("[1.0000, -2.0000]") && lines[1].trim_end().ends_with('-'), "{table}");
    assert!(lines[2].contains("[0.5000, 0.2500]") && lines[2].contains("[1.0000, -2.0000]"), "{table}");
    assert!(
        lines[3].contains(" s ") && lines[3].contains("0.0000") && lines[3].trim_end().ends_with("1.0000")
    );
    let dot = tape.annotated(Some(&grads)).to_dot();
    assert!(dot.contains("#2 s\\nmatmul\\n[1, 1]\\nvalue 0.0000\\ngrad 1.0000"), "{dot}");
    // Without gradients, values only; the bare DOT has neither.
    assert!(!tape.annotated(None).to_dot().contains("grad"));
    assert!(!tape.to_dot().contains("value"));
    // Without keep_all_grads, only the parameter's gradient is kept.
    tape.set_keep_all_grads(false);
    let grads = tape.backward(&loss).unwrap();
    let table = tape.annotated(Some(&grads)).to_string();
    assert!(table.lines().nth(3).unwrap().trim_end().ends_with('-'), "{table}");
}
