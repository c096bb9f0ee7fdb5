//! Lesson 5 — your own op, and proof that its gradient is right.
//!
//! An op is a forward and a backward side by side (the `Op` trait). We write
//! softsign, x / (1 + |x|), whose derivative is 1 / (1 + |x|)², then check the
//! backward against finite differences with `gradcheck`: once on fixed numbers,
//! then on random tensors of random shapes and layouts with proptest. A wrong
//! backward (a classic slip: forgetting the square) is caught and located.
//!
//! The backward is written once, as a `vjp` generic over `Operand`: on tensors
//! for ordinary training, and on recorded values (`backward_recorded`) so that
//! its gradient can be differentiated again; `backward_through_vjp!` writes both
//! methods from it, as for every built-in op. `gradgradcheck` checks the
//! second derivatives and `jvpcheck` the forward mode built on them.
//!
//! Run: `cargo run --example 05_gradcheck_your_op`

use gradlab::autograd::strategies::{any_layout_tensor, shape};
use gradlab::autograd::{
    gradcheck, gradgradcheck, jvpcheck, smallvec, BackwardContext, GradcheckError, GradcheckOptions, Grads,
    InputGrads, Op, Operand,
};
use gradlab::tensor::Element;
use gradlab::Tensor;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// softsign(x) = x / (1 + |x|).
struct Softsign;

impl<E: Element> Op<E> for Softsign {
    fn name(&self) -> String {
        "my_softsign".into()
    }
    fn forward(&self, inputs: &[&Tensor<E>]) -> gradlab::tensor::Result<Tensor<E>> {
        Ok(inputs[0].map(|x| x / (E::ONE + x.abs())))
    }
    // backward (on tensors) and backward_recorded (on recorded values, for
    // second derivatives) both call `vjp`, as every built-in op does.
    gradlab::autograd::backward_through_vjp!();
}

impl Softsign {
    /// ∂C/∂x = ∂C/∂y · (1 + |x|)⁻², written once for tensors (`T = Tensor`) and
    /// for recorded values (`T = Var`).
    fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
        let local = ctx.input(0).abs().add_scalar(E::ONE).powi(-2);
        smallvec![Some(ctx.grad_output.mul(&local))]
    }
}

/// The same op with the square forgotten in backward.
struct WrongSoftsign;

impl<E: Element> Op<E> for WrongSoftsign {
    fn name(&self) -> String {
        "wrong_softsign".into()
    }
    fn forward(&self, inputs: &[&Tensor<E>]) -> gradlab::tensor::Result<Tensor<E>> {
        Softsign.forward(inputs)
    }
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
        let local = ctx.input(0).map(|x| E::ONE / (E::ONE + x.abs()));
        smallvec![Some(ctx.grad_output * &local)]
    }
}

pub fn main() {
    let options = GradcheckOptions::default();
    let x = Tensor::from_vec(vec![-2.0, -0.3, 0.4, 1.5, 3.0, -0.8], &[2, 3]);

    // gradcheck takes the output whole (here [2, 3]): it weighs the outputs with a
    // random cotangent, so a gradient sent to the wrong element cannot hide.
    let report = gradcheck(|_, v| v[0].apply(Softsign), std::slice::from_ref(&x), &options)
        .expect("softsign's backward is right");
    println!("my_softsign:    {report}");

    // Its second derivatives, through the recorded backward, and forward mode.
    let second = gradgradcheck(|_, v| v[0].apply(Softsign), std::slice::from_ref(&x), &options)
        .expect("the recorded backward is differentiable and right");
    println!("my_softsign:    {second}");
    let forward = jvpcheck(|_, v| v[0].apply(Softsign), std::slice::from_ref(&x), &options)
        .expect("J·v agrees with finite differences and with reverse mode");
    println!("my_softsign:    {forward}");

    match gradcheck(|_, v| v[0].apply(WrongSoftsign), std::slice::from_ref(&x), &options) {
        Err(GradcheckError::Mismatch(report)) => println!("wrong_softsign: {report}"),
        other => panic!("the wrong backward must fail, got {other:?}"),
    }
    // WrongSoftsign gives no recorded backward: asking for a second order names it.
    match gradgradcheck(|_, v| v[0].apply(WrongSoftsign), &[x], &options) {
        Err(GradcheckError::Backward(e)) => println!("wrong_softsign: {e}"),
        other => panic!("an op without a recorded backward must be named, got {other:?}"),
    }

    // Property test: random shapes, contiguous and strided (transposed, sliced) layouts.
    let mut runner = TestRunner::new(Config { cases: 32, failure_persistence: None, ..Config::default() });
    let tensors = shape(3, 4).prop_flat_map(|s| any_layout_tensor::<f64>(s, -3.0, 3.0));
    runner
        .run(&tensors, |x| {
            let check = gradcheck(|_, v| v[0].apply(Softsign), &[x], &GradcheckOptions::default());
            prop_assert!(check.is_ok(), "{}", check.unwrap_err());
            Ok(())
        })
        .expect("softsign passes on every random input");
    println!("my_softsign passed gradcheck on 32 random tensors of random shapes and layouts.");
    println!("\nExercise: write the backward of swish, x·σ(x), and check it the same way.");
}
