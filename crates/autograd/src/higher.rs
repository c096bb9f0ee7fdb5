//! Function transforms built on the tape: `vjp` (reverse mode), `jvp` (forward
//! mode), `hvp` and `hessian` (second order).
//!
//! Each takes, as [`gradcheck`](crate::gradcheck) and [`jacobian`](crate::jacobian)
//! do, a function `f(tape, inputs)` of several tensors and the inputs as a
//! slice, and returns f's value beside what it computes (but `hessian`, whose
//! blocks are all it returns).
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

/// (f(x), Jᵀu): the output and, for each input, the vector–Jacobian product
/// with a cotangent `u` of the output's shape — one forward, one backward.
///
/// ```
/// use autograd::vjp;
/// use tensor::Tensor;
///
/// // f(x) = x ⊙ x: Jᵀu = 2x ⊙ u.
/// let x = Tensor::<f64>::from_vec(vec![1.0, -2.0], &[2]);
/// let u = Tensor::from_vec(vec![1.0, 10.0], &[2]);
/// let (y, jt_u) = vjp(|_, x| &x[0] * &x[0], &[x], &u).unwrap();
/// assert_eq!(y.to_vec(), vec![1.0, 4.0]);
/// assert_eq!(jt_u[0].to_vec(), vec![2.0, -40.0]);
/// ```
pub fn vjp<E, F>(f: F, inputs: &[Tensor<E>], u: &Tensor<E>) -> Result<(Tensor<E>, Vec<Tensor<E>>)>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &[Var<'t, E>]) -> Var<'t, E>,
{
    let tape = Tape::new();
    let vars = params(&tape, inputs);
    let output = f(&tape, &vars);
    let grads = tape.backward_with(&output, u.clone())?;
    Ok((output.value().clone(), vars.iter().map(|v| grads.wrt(v)).collect()))
}

/// (f(x), J·v): the output and the Jacobian–vector product with one tangent per
/// input, each of its input's shape (forward mode, by the double-vjp
/// construction of the module docs): J·v = Σᵢ ∂f/∂xᵢ · vᵢ.
///
/// ```
/// use autograd::jvp;
/// use tensor::Tensor;
///
/// // f(x) = [x₀·x₁, x₀²]: J = [[x₁, x₀], [2x₀, 0]].
/// let x = Tensor::<f64>::from_vec(vec![3.0, 5.0], &[2]);
/// let v = Tensor::from_vec(vec![1.0, 0.0], &[2]);
/// let (_, jv) = jvp(|_, x| {
///     let (a, b) = (x[0].narrow(0, 0, 1), x[0].narrow(0, 1, 1));
///     autograd::Var::concat(&[&a * &b, &a * &a], 0)
/// }, &[x], &[v]).unwrap();
/// assert_eq!(jv.to_vec(), vec![5.0, 6.0]); // the first column of J
/// ```
pub fn jvp<E, F>(f: F, inputs: &[Tensor<E>], tangents: &[Tensor<E>]) -> Result<(Tensor<E>, Tensor<E>)>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &[Var<'t, E>]) -> Var<'t, E>,
{
    check_same_shapes("jvp", inputs, tangents)?;
    let tape = Tape::new();
    let vars = params(&tape, inputs);
    let output = f(&tape, &vars);
    let jv =
        jvp_on_tape(&tape, &output, &vars.iter().collect::<Vec<_>>(), &tangents.iter().collect::<Vec<_>>())?;
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
    let Some(pairing) = pairing(tape, &jt_u, tangents) else { return Ok(Tensor::zeros(output.shape())) };
    Ok(tape.backward(&pairing)?.wrt(&u))
}

/// (f(x), H·v) for a function with a one-element output: its value and the
/// Hessian times a vector, one per input, each of its input's shape — without
/// forming H (one recorded backward, one backward through it). For several
/// inputs, H is the Hessian in all of them together: (H·v)ᵢ = Σⱼ ∂²f/∂xᵢ∂xⱼ · vⱼ.
///
/// ```
/// use autograd::hvp;
/// use tensor::Tensor;
///
/// // f(x) = Σ x³: H = diag(6x).
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]);
/// let v = Tensor::from_vec(vec![1.0, 1.0], &[2]);
/// let (f, hv) = hvp(|_, x| x[0].powi(3).sum_all(), &[x], &[v]).unwrap();
/// assert_eq!((f.item(), hv[0].to_vec()), (9.0, vec![6.0, 12.0]));
/// ```
pub fn hvp<E, F>(f: F, inputs: &[Tensor<E>], v: &[Tensor<E>]) -> Result<(Tensor<E>, Vec<Tensor<E>>)>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &[Var<'t, E>]) -> Var<'t, E>,
{
    check_same_shapes("hvp", inputs, v)?;
    let tape = Tape::new();
    let vars = params(&tape, inputs);
    let output = f(&tape, &vars);
    let var_refs: Vec<&Var<'_, E>> = vars.iter().collect();
    let gradient = tape.grad(&output, &var_refs)?;
    let Some(pairing) = pairing(&tape, &gradient, &v.iter().collect::<Vec<_>>()) else {
        return Ok((output.value().clone(), vec![]));
    };
    let grads = tape.backward(&pairing)?;
    Ok((output.value().clone(), vars.iter().map(|x| grads.wrt(x)).collect()))
}

/// The Hessian of a function with a one-element output, as blocks: `h[i][j]`
/// has shape `inputs[i].shape() ++ inputs[j].shape()`, and its element
/// `[a…, b…]` is ∂²f/∂xᵢ[a…]∂xⱼ[b…]. One recorded backward, then one backward
/// per element of the inputs — for small inputs.
///
/// ```
/// use autograd::hessian;
/// use tensor::Tensor;
///
/// // f(x) = x₀²·x₁: H = [[2x₁, 2x₀], [2x₀, 0]].
/// let x = Tensor::<f64>::from_vec(vec![3.0, 5.0], &[2]);
/// let h = hessian(|_, x| (x[0].narrow(0, 0, 1).square() * x[0].narrow(0, 1, 1)).sum_all(), &[x]).unwrap();
/// assert_eq!(h[0][0].to_vec(), vec![10.0, 6.0, 6.0, 0.0]);
/// ```
pub fn hessian<E, F>(f: F, inputs: &[Tensor<E>]) -> Result<Vec<Vec<Tensor<E>>>>
where
    E: Element,
    F: for<'t> Fn(&'t Tape<E>, &[Var<'t, E>]) -> Var<'t, E>,
{
    let tape = Tape::new();
    let vars = params(&tape, inputs);
    let output = f(&tape, &vars);
    let gradient = tape.grad(&output, &vars.iter().collect::<Vec<_>>())?;
    gradient.iter().map(|g| jacobian_on_tape(&tape, g, &vars)).collect()
}

/// The inputs as parameters on `tape`, in order.
pub(crate) fn params<'t, E: Element>(tape: &'t Tape<E>, inputs: &[Tensor<E>]) -> Vec<Var<'t, E>> {
    inputs.iter().map(|x| tape.param(x.clone())).collect()
}

/// Σᵢ ⟨gᵢ, vᵢ⟩ recorded on `tape` (None for no pairs).
fn pairing<'t, E: Element>(tape: &'t Tape<E>, g: &[Var<'t, E>], v: &[&Tensor<E>]) -> Option<Var<'t, E>> {
    g.iter().zip(v).map(|(g, v)| (g * &tape.constant((*v).clone())).sum_all()).reduce(|sum, term| sum + term)
}

/// One vector per input, each of its input's shape.
fn check_same_shapes<E: Element>(
    op: &'static str,
    inputs: &[Tensor<E>],
    vectors: &[Tensor<E>],
) -> Result<()> {
    if inputs.len() != vectors.len() {
        return Err(tensor::TensorError::ShapeMismatch {
            op,
            lhs: vec![inputs.len()],
            rhs: vec![vectors.len()],
            detail: format!(
                "{} inputs but {} vectors: give one vector per input",
                inputs.len(),
                vectors.len()
            ),
        }
        .into());
    }
    for (x, v) in inputs.iter().zip(vectors) {
        if x.shape() != v.shape() {
            return Err(tensor::TensorError::ShapeMismatch {
                op,
                lhs: x.shape().to_vec(),
                rhs: v.shape().to_vec(),
                detail: "each vector must have its input's shape".into(),
            }
            .into());
        }
    }
    Ok(())
}
