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

/// ∂f/∂xᵢ for each input of a function of several tensors, of shape
/// `f(x).shape() ++ inputs[i].shape()` (PyTorch's
/// `torch.autograd.functional.jacobian` convention): element `[a…, b…]` of
/// block i is ∂f(x)[a…]/∂xᵢ[b…].
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
/// let j = jacobian(|_, x| &x[0] * &x[0], &[x]).unwrap().remove(0);
/// assert_eq!(j.shape(), &[3, 3]);
/// assert_eq!(j.to_vec(), vec![2.0, 0.0, 0.0, 0.0, -4.0, 0.0, 0.0, 0.0, 6.0]);
/// ```
pub fn jacobian<E, F>(f: F, inputs: &[Tensor<E>]) -> Result<Vec<Tensor<E>>>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &[Var<'t, E>]) -> Var<'t, E>,
{
    let tape = Tape::new();
    let vars = crate::higher::params(&tape, inputs);
    let output = f(&tape, &vars);
    jacobian_on_tape(&tape, &output, &vars)
}

/// The Jacobian blocks of `output` with respect to each of `inputs`, all
/// recorded on `tape`: one backward per element of the output.
pub(crate) fn jacobian_on_tape<'t, E: Element>(
    tape: &'t Tape<E>,
    output: &Var<'t, E>,
    inputs: &[Var<'t, E>],
) -> Result<Vec<Tensor<E>>> {
    let outputs = output.value().numel();
    let mut rows: Vec<Vec<E>> =
        inputs.iter().map(|x| Vec::with_capacity(outputs * x.value().numel())).collect();
    for i in 0..outputs {
        let mut unit = vec![E::ZERO; outputs];
        unit[i] = E::ONE;
        let grads = tape.backward_with(output, Tensor::from_vec(unit, output.shape()))?;
        for (rows, x) in rows.iter_mut().zip(inputs) {
            rows.extend(grads.wrt(x).to_vec());
        }
    }
    Ok(rows
        .into_iter()
        .zip(inputs)
        .map(|(rows, x)| {
            let shape: Vec<usize> = output.shape().iter().chain(x.shape()).copied().collect();
            Tensor::from_vec(rows, &shape)
        })
        .collect())
}
