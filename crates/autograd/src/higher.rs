//! Function transforms built on the tape: `vjp` (reverse mode), `jvp` (forward
//! mode), `hvp` and `hessian` (second order).
//!
//! **Reverse mode** (`vjp`): one backward sweep gives uᵀJ for one cotangent u —
//! a row-combination of the Jacobian. A full Jacobian costs one sweep per
//! *output* ([`jacobian`](crate::jacobian)).
//!
//! **Forward mode** (`jvp`): J·v for one tangent v — a column-combination. A
//! full Jacobian costs one pass per *input*. gradlab builds it from reverse
//! mode, by the "double-vjp" construction: g(u) = Jᵀu is linear in u, so its
//! own vector–Jacobian product with v is ∂⟨Jᵀu, v⟩/∂u = J·v. Recording the first
//! backward ([`Tape::grad_with`]) and sweeping back through it once gives J·v,
//! whatever u is (it is set to zero). Cost: one forward, one recorded backward
//! and one backward over both — about three to four forward passes, for any
//! number of inputs, against the one extra pass a dedicated forward-mode rule
//! per op would take. It needs every op of `f` to have a recorded backward,
//! which every built-in op has.
//!
//! **Hessian-vector product** (`hvp`): H·v = ∂⟨∇f, v⟩/∂x, one recorded backward
//! and one more backward: never forms H. `hessian` takes n of them over one tape.

use tensor::{Element, Tensor};

use crate::error::Result;
use crate::jacobian::jacobian_on_tape;
use crate::tape::{Tape, Var};

/// (f(x), Jᵀu): the output and the vector–Jacobian product with a cotangent `u`
/// of the output's shape — one forward, one backward.
///
/// ```
/// use autograd::vjp;
/// use tensor::Tensor;
///
/// // f(x) = x ⊙ x: Jᵀu = 2x ⊙ u.
/// let x = Tensor::<f64>::from_vec(vec![1.0, -2.0], &[2]);
/// let u = Tensor::from_vec(vec![1.0, 10.0], &[2]);
/// let (y, jt_u) = vjp(|_, x| x * x, &x, &u).unwrap();
/// assert_eq!(y.to_vec(), vec![1.0, 4.0]);
/// assert_eq!(jt_u.to_vec(), vec![2.0, -40.0]);
/// ```
pub fn vjp<E, F>(f: F, x: &Tensor<E>, u: &Tensor<E>) -> Result<(Tensor<E>, Tensor<E>)>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &Var<'t, E>) -> Var<'t, E>,
{
    let tape = Tape::new();
    let input = tape.param(x.clone());
    let output = f(&tape, &input);
    let grads = tape.backward_with(&output, u.clone())?;
    Ok((output.value().clone(), grads.wrt(&input)))
}

/// (f(x), J·v): the output and the Jacobian–vector product with a tangent `v` of
/// x's shape (forward mode, by the double-vjp construction of the module docs).
///
/// ```
/// use autograd::jvp;
/// use tensor::Tensor;
///
/// // f(x) = [x₀·x₁, sin-free x₀²]: J = [[x₁, x₀], [2x₀, 0]].
/// let x = Tensor::<f64>::from_vec(vec![3.0, 5.0], &[2]);
/// let v = Tensor::from_vec(vec![1.0, 0.0], &[2]);
/// let (_, jv) = jvp(|_, x| {
///     let (a, b) = (x.narrow(0, 0, 1), x.narrow(0, 1, 1));
///     autograd::Var::concat(&[&a * &b, &a * &a], 0)
/// }, &x, &v).unwrap();
/// assert_eq!(jv.to_vec(), vec![5.0, 6.0]); // the first column of J
/// ```
pub fn jvp<E, F>(f: F, x: &Tensor<E>, v: &Tensor<E>) -> Result<(Tensor<E>, Tensor<E>)>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &Var<'t, E>) -> Var<'t, E>,
{
    check_same_shape("jvp", x, v)?;
    let tape = Tape::new();
    let input = tape.param(x.clone());
    let output = f(&tape, &input);
    let jv = jvp_on_tape(&tape, &output, &[&input], &[v])?;
    Ok((output.value().clone(), jv))
}

/// J·v for an output already recorded on `tape` from `inputs`, with one tangent
/// per input: the second half of [`jvp`], shared with [`jvpcheck`](crate::jvpcheck).
pub(crate) fn jvp_on_tape<'t, E: Element>(
    tape: &'t Tape<E>,
    output: &Var<'t, E>,
    inputs: &[&Var<'t, E>],
    tangents: &[&Tensor<E>],
) -> Result<Tensor<E>> {
    // u only marks where the cotangent enters: Jᵀu is linear in u, so its value is irrelevant.
    let u = tape.param(Tensor::zeros(output.shape()));
    let jt_u = tape.grad_with(output, &u, inputs)?;
    let mut pairing: Option<Var<'t, E>> = None;
    for (g, v) in jt_u.iter().zip(tangents) {
        let term = (g * &tape.constant((*v).clone())).sum_all();
        pairing = Some(match pairing {
            None => term,
            Some(sum) => sum + term,
        });
    }
    let Some(pairing) = pairing else { return Ok(Tensor::zeros(output.shape())) };
    Ok(tape.backward(&pairing)?.wrt(&u))
}

/// H·v for a function with a one-element output: the Hessian times a vector of
/// x's shape, without forming H (one recorded backward, one backward through it).
///
/// ```
/// use autograd::hvp;
/// use tensor::Tensor;
///
/// // f(x) = Σ x³: H = diag(6x).
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]);
/// let v = Tensor::from_vec(vec![1.0, 1.0], &[2]);
/// let hv = hvp(|_, x| x.powi(3).sum_all(), &x, &v).unwrap();
/// assert_eq!(hv.to_vec(), vec![6.0, 12.0]);
/// ```
pub fn hvp<E, F>(f: F, x: &Tensor<E>, v: &Tensor<E>) -> Result<Tensor<E>>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &Var<'t, E>) -> Var<'t, E>,
{
    check_same_shape("hvp", x, v)?;
    let tape = Tape::new();
    let input = tape.param(x.clone());
    let gradient = tape.grad(&f(&tape, &input), &[&input])?.remove(0);
    let pairing = (&gradient * &tape.constant(v.clone())).sum_all();
    Ok(tape.backward(&pairing)?.wrt(&input))
}

/// The Hessian of a function with a one-element output, of shape
/// `x.shape() ++ x.shape()`: element `[i…, j…]` is ∂²f/∂x[i…]∂x[j…]. One
/// recorded backward, then one backward per element of x — for small inputs.
///
/// ```
/// use autograd::hessian;
/// use tensor::Tensor;
///
/// // f(x) = x₀²·x₁: H = [[2x₁, 2x₀], [2x₀, 0]].
/// let x = Tensor::<f64>::from_vec(vec![3.0, 5.0], &[2]);
/// let h = hessian(|_, x| (x.narrow(0, 0, 1).square() * x.narrow(0, 1, 1)).sum_all(), &x).unwrap();
/// assert_eq!(h.to_vec(), vec![10.0, 6.0, 6.0, 0.0]);
/// ```
pub fn hessian<E, F>(f: F, x: &Tensor<E>) -> Result<Tensor<E>>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &Var<'t, E>) -> Var<'t, E>,
{
    let tape = Tape::new();
    let input = tape.param(x.clone());
    let gradient = tape.grad(&f(&tape, &input), &[&input])?.remove(0);
    jacobian_on_tape(&tape, &gradient, &input)
}

fn check_same_shape<E: Element>(op: &'static str, x: &Tensor<E>, v: &Tensor<E>) -> Result<()> {
    if x.shape() == v.shape() {
        return Ok(());
    }
    Err(tensor::TensorError::ShapeMismatch {
        op,
        lhs: x.shape().to_vec(),
        rhs: v.shape().to_vec(),
        detail: "the vector must have the input's shape".into(),
    }
    .into())
}
