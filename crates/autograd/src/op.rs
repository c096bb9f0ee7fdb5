//! The [`Op`] trait: one differentiable operation, forward and backward side by side.
//!
//! Every built-in op implements it exactly as a user's custom op would, and
//! [`Tape::apply`](crate::Tape::apply) records either kind the same way.

use std::marker::PhantomData;

use tensor::{Element, Tensor};

use crate::tape::Var;

/// A differentiable operation.
///
/// `forward` computes the output from the inputs; `backward` receives ∂C/∂output
/// and returns ∂C/∂input for each input — the vector–Jacobian product, the only
/// thing reverse mode ever needs from an op.
///
/// For higher-order derivatives ([`Tape::grad`](crate::Tape::grad), `hvp`,
/// `jvp`, `gradgradcheck`) an op also gives [`backward_recorded`](Op::backward_recorded):
/// the same rule computed on recorded values. Write the rule once, generic over
/// [`Operand`](crate::Operand), and call it from both methods, as every built-in
/// op does (see `examples/05_gradcheck_your_op.rs`); an op without it works for
/// first-order gradients and is named in the error when a second order is asked of it.
///
/// ```
/// use autograd::{smallvec, BackwardContext, InputGrads, Op, Tape};
/// use tensor::{Element, Tensor};
///
/// /// swish(x) = x·σ(x); its derivative is σ(x) + x·σ(x)·(1 − σ(x)).
/// struct Swish;
///
/// impl<E: Element> Op<E> for Swish {
///     fn name(&self) -> String { "swish".into() }
///     fn forward(&self, inputs: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
///         Ok(inputs[0].map(|x| x * tensor::sigmoid(x)))
///     }
///     fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E> {
///         let dx = ctx.input(0).map(|x| { let s = tensor::sigmoid(x); s + x * s * (E::ONE - s) });
///         smallvec![Some(ctx.grad_output * &dx)]
///     }
/// }
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![-1.0, 0.5, 2.0], &[3]));
/// let y = tape.apply(Swish, &[&x]).unwrap().sum_all();
/// let grads = tape.backward(&y).unwrap();
/// println!("{}", grads.wrt(&x));
///
/// // And check it against finite differences:
/// let report = autograd::gradcheck(
///     |_tape, v| v[0].apply(Swish).sum_all(),
///     &[Tensor::from_vec(vec![-1.0, 0.5, 2.0], &[3])],
///     &autograd::GradcheckOptions::default(),
/// );
/// assert!(report.is_ok(), "{report:?}");
/// ```
pub trait Op<E: Element>: 'static {
    /// Short name printed in the tape, e.g. `"matmul"` or `"sum(axes=[1])"`.
    fn name(&self) -> String;

    /// Computes the output from the inputs' values (checking their shapes).
    fn forward(&self, inputs: &[&Tensor<E>]) -> tensor::Result<Tensor<E>>;

    /// Returns ∂C/∂input for each input, given ∂C/∂output in `ctx`. An entry may be
    /// `None` when [`BackwardContext::needs`] is false for that input (nothing
    /// upstream wants it), which saves the work.
    fn backward(&self, ctx: &BackwardContext<'_, E>) -> InputGrads<E>;

    /// The same vector–Jacobian product computed with recorded ops on the tape,
    /// so that the gradient can be differentiated again. `None` (the default):
    /// this op has no such rule.
    fn backward_recorded<'t>(&self, ctx: &BackwardContext<'_, E, Var<'t, E>>) -> Option<Grads<Var<'t, E>>> {
        let _ = ctx;
        None
    }
}

/// ∂C/∂input for each input, in order, as tensors or recorded values. Holds up to
/// two inputs' gradients in place (a [`SmallVec`](smallvec::SmallVec)), so a
/// training step's backward allocates nothing for them; build it with
/// [`smallvec!`](crate::smallvec), as `vec!`.
pub type Grads<T> = smallvec::SmallVec<[Option<T>; 2]>;

/// What an op's backward returns: ∂C/∂input for each input, as tensors.
pub type InputGrads<E> = Grads<Tensor<E>>;

/// What an op's backward gets to work with: tensors (`T = Tensor<E>`, ordinary
/// backward) or the tape's own values (`T = Var`, recorded backward).
pub struct BackwardContext<'a, E: Element, T = Tensor<E>> {
    /// The inputs' values, as they were in forward.
    pub inputs: &'a [&'a T],
    /// The output's value, as forward computed it.
    pub output: &'a T,
    /// ∂C/∂output, same shape as `output`.
    pub grad_output: &'a T,
    /// For each input, whether its gradient is needed.
    pub needs_grad: &'a [bool],
    pub(crate) element: PhantomData<E>,
}

impl<'a, E: Element, T> BackwardContext<'a, E, T> {
    /// A context for calling an op's backward by hand (the tape builds its own).
    pub fn new(inputs: &'a [&'a T], output: &'a T, grad_output: &'a T, needs_grad: &'a [bool]) -> Self {
        BackwardContext { inputs, output, grad_output, needs_grad, element: PhantomData }
    }

    /// The value of input `i`.
    pub fn input(&self, i: usize) -> &T {
        self.inputs[i]
    }

    /// Whether input `i`'s gradient is needed.
    pub fn needs(&self, i: usize) -> bool {
        self.needs_grad[i]
    }
}

/// Implements both of [`Op`]'s backward methods by calling the op's one generic
/// vector–Jacobian product, an inherent method
/// `fn vjp<T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T>`:
/// on tensors for ordinary backward, on `Var`s for recorded backward (so the
/// gradient can be differentiated again). Every built-in op is written this
/// way; use it inside `impl<E: Element> Op<E> for YourOp` (the element type
/// must be called `E`).
///
/// ```
/// use autograd::{smallvec, BackwardContext, Grads, Op, Operand, Tape};
/// use tensor::{Element, Tensor};
///
/// /// cube(x) = x³; ∂C/∂x = ∂C/∂y · 3x².
/// struct Cube;
///
/// impl Cube {
///     fn vjp<E: Element, T: Operand<E>>(&self, ctx: &BackwardContext<'_, E, T>) -> Grads<T> {
///         let x = ctx.input(0);
///         smallvec![Some(ctx.grad_output.mul(&x.mul(x).scale(E::from_f64(3.0))))]
///     }
/// }
///
/// impl<E: Element> Op<E> for Cube {
///     fn name(&self) -> String { "cube".into() }
///     fn forward(&self, inputs: &[&Tensor<E>]) -> tensor::Result<Tensor<E>> {
///         Ok(inputs[0].map(|x| x * x * x))
///     }
///     autograd::backward_through_vjp!();
/// }
///
/// // Second derivatives work too: d²(x³)/dx² = 6x.
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::scalar(2.0));
/// let y = tape.apply(Cube, &[&x]).unwrap();
/// let dy = tape.grad(&y, &[&x]).unwrap().remove(0);
/// let d2y = tape.grad(&dy, &[&x]).unwrap().remove(0);
/// assert_eq!((dy.value().item(), d2y.value().item()), (12.0, 12.0));
/// ```
#[macro_export]
macro_rules! backward_through_vjp {
    () => {
        fn backward(&self, ctx: &$crate::BackwardContext<'_, E>) -> $crate::InputGrads<E> {
            self.vjp(ctx)
        }
        fn backward_recorded<'t>(
            &self,
            ctx: &$crate::BackwardContext<'_, E, $crate::Var<'t, E>>,
        ) -> Option<$crate::Grads<$crate::Var<'t, E>>> {
            Some(self.vjp(ctx))
        }
    };
}
