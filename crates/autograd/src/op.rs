//! The [`Op`] trait: one differentiable operation, forward and backward side by side.
//!
//! Every built-in op implements it exactly as a user's custom op would, and
//! [`Tape::apply`](crate::Tape::apply) records either kind the same way.

use tensor::{Element, Tensor};

/// A differentiable operation.
///
/// `forward` computes the output from the inputs; `backward` receives ∂C/∂output
/// and returns ∂C/∂input for each input — the vector–Jacobian product, the only
/// thing reverse mode ever needs from an op.
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
}

/// What an op's backward returns: ∂C/∂input for each input, in order. A
/// [`SmallVec`](smallvec::SmallVec) holding up to two inputs' gradients in place,
/// so a training step's backward allocates nothing for them; build it with
/// [`smallvec!`](crate::smallvec), as `vec!`.
pub type InputGrads<E> = smallvec::SmallVec<[Option<Tensor<E>>; 2]>;

/// What an op's backward gets to work with.
pub struct BackwardContext<'a, E: Element> {
    /// The inputs' values, as they were in forward.
    pub inputs: &'a [&'a Tensor<E>],
    /// The output's value, as forward computed it.
    pub output: &'a Tensor<E>,
    /// ∂C/∂output, same shape as `output`.
    pub grad_output: &'a Tensor<E>,
    /// For each input, whether its gradient is needed.
    pub needs_grad: &'a [bool],
}

impl<E: Element> BackwardContext<'_, E> {
    /// The value of input `i`.
    pub fn input(&self, i: usize) -> &Tensor<E> {
        self.inputs[i]
    }

    /// Whether input `i`'s gradient is needed.
    pub fn needs(&self, i: usize) -> bool {
        self.needs_grad[i]
    }
}
