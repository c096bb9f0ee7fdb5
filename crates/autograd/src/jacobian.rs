//! The full Jacobian of a function, built from the tape one row at a time.
//!
//! Reverse mode gives one vector–Jacobian product per backward pass: seeding
//! backward with the i-th unit vector eᵢ returns eᵢᵀ·J, the i-th row. So the
//! Jacobian of a function with m outputs costs one forward and m backward
//! sweeps over the same tape (backward leaves the tape unchanged, so it can be
//! run again) — cheap for few outputs, and the reason a scalar loss needs only one.

use tensor::{Element, Tensor};

use crate::error::Result;
use crate::tape::{Tape, Var};

/// ∂f/∂x for a function of one tensor, of shape `f(x).shape() ++ x.shape()`
/// (PyTorch's `torch.autograd.functional.jacobian` convention): element
/// `[i…, j…]` is ∂f(x)[i…]/∂x[j…].
///
/// The error is backward's (a custom op's misshapen gradient, or an output that
/// `f` did not record on the tape it was given).
///
/// ```
/// use autograd::jacobian;
/// use tensor::Tensor;
///
/// // f(x) = x ⊙ x has the Jacobian diag(2x).
/// let x = Tensor::<f64>::from_vec(vec![1.0, -2.0, 3.0], &[3]);
/// let j = jacobian(|_, x| x * x, &x).unwrap();
/// assert_eq!(j.shape(), &[3, 3]);
/// assert_eq!(j.to_vec(), vec![2.0, 0.0, 0.0, 0.0, -4.0, 0.0, 0.0, 0.0, 6.0]);
/// ```
pub fn jacobian<E, F>(f: F, x: &Tensor<E>) -> Result<Tensor<E>>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &Var<'t, E>) -> Var<'t, E>,
{
    let tape = Tape::new();
    let input = tape.param(x.clone());
    let output = f(&tape, &input);
    jacobian_on_tape(&tape, &output, &input)
}

/// ∂output/∂input for values already on `tape`, one backward sweep per output
/// element (shared with [`hessian`](crate::hessian), whose output is a gradient).
pub(crate) fn jacobian_on_tape<'t, E: Element>(
    tape: &'t Tape<E>,
    output: &Var<'t, E>,
    input: &Var<'t, E>,
) -> Result<Tensor<E>> {
    let outputs = output.value().numel();
    let mut rows = Vec::with_capacity(outputs * input.value().numel());
    for i in 0..outputs {
        let mut unit = vec![E::ZERO; outputs];
        unit[i] = E::ONE;
        let grads = tape.backward_with(output, Tensor::from_vec(unit, output.shape()))?;
        rows.extend(grads.wrt(input).to_vec());
    }
    let shape: Vec<usize> = output.shape().iter().chain(input.shape()).copied().collect();
    Ok(Tensor::from_vec(rows, &shape))
}
