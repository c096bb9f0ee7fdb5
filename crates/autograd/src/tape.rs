//! The tape (Wengert list) and the reverse sweep.
//!
//! Recording an op appends a node holding the op, the indices of its inputs and
//! its output value. Inputs always come before outputs, so the tape is in
//! topological order by construction and backward is one sweep from the end.

use std::cell::{Cell, RefCell};
use std::panic::Location;

use smallvec::SmallVec;
use tensor::{Element, Tensor};

use crate::error::{or_panic, AutogradError, Result};
use crate::op::{BackwardContext, Op};
use crate::operand::Operand;
use crate::recycle;

/// One entry of the tape.
pub(crate) struct Node<E: Element> {
    /// `None` for leaves (parameters and constants).
    pub(crate) op: Option<Box<dyn Op<E>>>,
    pub(crate) parents: SmallVec<[usize; 2]>,
    pub(crate) value: Tensor<E>,
    /// True when some parameter is upstream, so a gradient can flow here.
    pub(crate) requires_grad: bool,
    /// Keep this node's gradient after backward (parameters always; others on request).
    pub(crate) keep_grad: bool,
    pub(crate) label: Option<String>,
    /// Where in the user's code the value was recorded (`None` for leaves).
    pub(crate) location: Option<&'static Location<'static>>,
}

/// A recording of a computation, from which [`backward`](Tape::backward) computes
/// gradients.
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
///
/// let tape = Tape::<f64>::new();
/// let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
/// let w = tape.param(Tensor::from_vec(vec![0.5, -1.0], &[2, 1]));
/// let loss = x.matmul(&w).tanh().sum_all();
/// let grads = tape.backward(&loss).unwrap();
/// assert_eq!(grads.wrt(&w).shape(), &[2, 1]);
/// println!("{tape}"); // the Wengert list, one op per line
/// ```
pub struct Tape<E: Element> {
    pub(crate) nodes: RefCell<Vec<Node<E>>>,
    recording: bool,
    anomaly_detection: Cell<bool>,
    keep_all_grads: Cell<bool>,
}

/// A value computed on a [`Tape`]: its tensor, and (when recorded) its place on the tape.
///
/// Cloning is cheap (the tensor's storage is shared).
#[derive(Clone)]
pub struct Var<'t, E: Element> {
    pub(crate) tape: &'t Tape<E>,
    pub(crate) value: Tensor<E>,
    pub(crate) index: Option<usize>,
}

impl<E: Element> Default for Tape<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Element> Tape<E> {
    /// An empty tape that records every op.
    pub fn new() -> Self {
        // The node list of a tape dropped earlier on this thread, if any: a
        // training loop's tapes reuse one allocation.
        Tape {
            nodes: RefCell::new(recycle::take()),
            recording: true,
            anomaly_detection: Cell::new(false),
            keep_all_grads: Cell::new(false),
        }
    }

    /// A tape that records nothing: ops compute their values and the tape stays
    /// empty, so evaluation (inference, statistics on a probe batch) holds no
    /// memory beyond the values still in use. `backward` is unavailable.
    pub fn no_grad() -> Self {
        let mut tape = Self::new();
        tape.recording = false;
        tape
    }

    /// Whether ops are recorded.
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Turns anomaly mode on or off: when on, the first NaN or infinity produced by
    /// an op's forward or backward is reported as an error naming the op, its tape
    /// index and its input shapes (at some cost: every value is scanned).
    pub fn set_anomaly_detection(&self, on: bool) {
        self.anomaly_detection.set(on);
    }

    /// When on, backward keeps the gradient of every node, not only of parameters
    /// and values marked [`Var::keep_grad`] — for printing the whole graph with
    /// its gradients ([`Tape::annotated`]), at the cost of holding them all.
    pub fn set_keep_all_grads(&self, on: bool) {
        self.keep_all_grads.set(on);
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every node, keeping the allocation for the next step. Needs no
    /// live `Var` of this tape (the borrow checker enforces it).
    pub fn clear(&mut self) {
        self.nodes.get_mut().clear();
    }

    fn push(&self, node: Node<E>) -> Option<usize> {
        if !self.recording {
            return None;
        }
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        Some(nodes.len() - 1)
    }

    fn leaf(&self, value: Tensor<E>, requires_grad: bool) -> Var<'_, E> {
        let node = Node {
            op: None,
            parents: SmallVec::new(),
            value: value.clone(),
            requires_grad,
            keep_grad: requires_grad,
            label: None,
            location: None,
        };
        Var { tape: self, index: self.push(node), value }
    }

    /// A leaf that needs gradients: a parameter to train or an input to differentiate by.
    pub fn param(&self, value: Tensor<E>) -> Var<'_, E> {
        self.leaf(value, true)
    }

    /// A leaf that needs no gradient: data, labels, fixed numbers.
    pub fn constant(&self, value: Tensor<E>) -> Var<'_, E> {
        self.leaf(value, false)
    }

    /// Runs `op` forward on `inputs` and records it, with the caller's source
    /// location (shown by anomaly errors). The error is the op's shape error, or
    /// an anomaly when anomaly mode is on.
    #[track_caller]
    pub fn apply<'t>(&'t self, op: impl Op<E>, inputs: &[&Var<'t, E>]) -> Result<Var<'t, E>> {
        let location = Location::caller();
        let values: SmallVec<[&Tensor<E>; 2]> = inputs.iter().map(|v| &v.value).collect();
        let value = op.forward(&values)?;
        if self.anomaly_detection.get() && !all_finite(&value) {
            return Err(AutogradError::Anomaly {
                phase: "forward",
                op: op.name(),
                index: self.len(),
                label: None,
                location,
                input_shapes: values.iter().map(|v| v.shape().to_vec()).collect(),
            });
        }
        if !self.recording {
            return Ok(Var { tape: self, value, index: None });
        }
        let parents: SmallVec<[usize; 2]> =
            inputs.iter().map(|v| v.index.ok_or(AutogradError::NotRecorded)).collect::<Result<_>>()?;
        let requires_grad = {
            let nodes = self.nodes.borrow();
            parents.iter().any(|&p| nodes[p].requires_grad)
        };
        let node = Node {
            op: Some(Box::new(op)),
            parents,
            value: value.clone(),
            requires_grad,
            keep_grad: false,
            label: None,
            location: Some(location),
        };
        Ok(Var { tape: self, index: self.push(node), value })
    }

    /// Gradients of a one-element output with respect to every parameter (and every
    /// value marked with [`Var::keep_grad`]).
    ///
    /// Backward reads the tape and changes nothing on it, so calling it twice gives
    /// the same gradients twice: nothing accumulates across calls. (Within one call,
    /// a value used several times receives the sum of its uses' gradients.)
    pub fn backward(&self, output: &Var<'_, E>) -> Result<Gradients<E>> {
        if output.value.numel() != 1 {
            return Err(AutogradError::NotScalar { shape: output.value.shape().to_vec() });
        }
        self.backward_with(output, Tensor::ones(output.value.shape()))
    }

    /// Backward from any output, seeded with ∂C/∂output = `seed` (same shape).
    pub fn backward_with(&self, output: &Var<'_, E>, seed: Tensor<E>) -> Result<Gradients<E>> {
        let root = self.index_on_this_tape(output)?;
        check_seed_shape("backward_with", output.shape(), seed.shape())?;
        let nodes = self.nodes.borrow();
        let mut pending: Vec<Option<Tensor<E>>> = recycle::take();
        pending.resize(root + 1, None);
        let mut kept: Vec<Option<Tensor<E>>> = recycle::take();
        kept.resize(nodes.len(), None);
        let swept = reverse_sweep(&mut pending, root, seed, |index, grad, pending| {
            let Some(grad) = grad else { return Ok(()) };
            let node = &nodes[index];
            if let (Some(op), true) = (&node.op, node.requires_grad) {
                self.propagate(&nodes, index, op.as_ref(), &grad, pending)?;
            }
            // Unmarked intermediate gradients are dropped here, as soon as consumed.
            if node.keep_grad || self.keep_all_grads.get() {
                kept[index] = Some(grad);
            }
            Ok(())
        });
        recycle::give(pending);
        swept.map(|()| Gradients { grads: kept })
    }

    /// Backward that hands each parameter's gradient over as soon as it is
    /// final, instead of collecting them all: `update(index, value, grad)`
    /// for every parameter (a leaf made by [`param`](Tape::param)) the
    /// output depends on, right after the last node that uses it has sent
    /// its gradient back, with the parameter's value as the tape holds it.
    ///
    /// This is how an optimizer steps each parameter during backward, while
    /// its value and gradient are still in cache, rather than after the
    /// whole pass (PyTorch's post-accumulate-grad hooks). Nothing later in
    /// the pass reads a parameter once its gradient is final, so `update` may
    /// change or take `value` — which is why this consumes the recording:
    /// afterwards the tape's parameters are what `update` left, and it must
    /// not run backward again. Parameters the output does not depend on are
    /// not handed over; gradients of other values are not kept.
    ///
    /// ```
    /// use autograd::Tape;
    /// use tensor::Tensor;
    ///
    /// let tape = Tape::<f64>::new();
    /// let w = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    /// let cost = w.square().sum_all(); // ∂cost/∂w = 2w
    /// let w_index = w.index().unwrap();
    /// drop(w); // the tape's handle on w's buffer is then the only one
    /// tape.backward_updating(&cost, |index, value, grad| {
    ///     assert_eq!((index, grad.to_vec()), (w_index, vec![2.0, 4.0]));
    ///     value.zip_assign(&grad, |w, g| w - 0.25 * g); // an SGD step, in place
    ///     assert_eq!(value.to_vec(), [0.5, 1.0]);
    /// })
    /// .unwrap();
    /// ```
    pub fn backward_updating(
        &self,
        output: &Var<'_, E>,
        mut update: impl FnMut(usize, &mut Tensor<E>, Tensor<E>),
    ) -> Result<()> {
        if output.value.numel() != 1 {
            return Err(AutogradError::NotScalar { shape: output.value.shape().to_vec() });
        }
        let root = self.index_on_this_tape(output)?;
        let mut nodes = self.nodes.borrow_mut();
        let is_param = |node: &Node<E>| node.op.is_none() && node.requires_grad;
        // The first node (in recording order) that uses each parameter: the
        // reverse sweep is done with the parameter once it has done that node.
        let mut first_use: Vec<usize> = recycle::take();
        first_use.resize(root + 1, usize::MAX);
        for index in 0..=root {
            for &parent in &nodes[index].parents {
                if is_param(&nodes[parent]) {
                    first_use[parent] = first_use[parent].min(index);
                }
            }
        }
        let mut pending: Vec<Option<Tensor<E>>> = recycle::take();
        pending.resize(root + 1, None);
        let seed = Tensor::ones(output.value.shape());
        let swept = reverse_sweep(&mut pending, root, seed, |index, grad, pending| {
            if let Some(grad) = grad {
                if is_param(&nodes[index]) {
                    // Reached only by a parameter that is the output itself:
                    // the others were handed over at their first use.
                    update(index, &mut nodes[index].value, grad);
                } else if let (Some(op), true) = (&nodes[index].op, nodes[index].requires_grad) {
                    self.propagate(&nodes, index, op.as_ref(), &grad, pending)?;
                }
            }
            for k in 0..nodes[index].parents.len() {
                let parent = nodes[index].parents[k];
                if first_use[parent] == index {
                    // Once only, also for a node that uses it twice (x·x).
                    first_use[parent] = usize::MAX;
                    if let Some(grad) = pending[parent].take() {
                        update(parent, &mut nodes[parent].value, grad);
                    }
                }
            }
            Ok(())
        });
        recycle::give(pending);
        recycle::give(first_use);
        swept
    }

    /// Sends node `index`'s gradient to its parents through its op's backward.
    fn propagate(
        &self,
        nodes: &[Node<E>],
        index: usize,
        op: &dyn Op<E>,
        grad: &Tensor<E>,
        pending: &mut [Option<Tensor<E>>],
    ) -> Result<()> {
        let node = &nodes[index];
        let inputs: SmallVec<[&Tensor<E>; 2]> = node.parents.iter().map(|&p| &nodes[p].value).collect();
        let needs_grad: SmallVec<[bool; 2]> = node.parents.iter().map(|&p| nodes[p].requires_grad).collect();
        let ctx = BackwardContext::new(&inputs, &node.value, grad, &needs_grad);
        let input_grads = op.backward(&ctx);
        for (k, (&parent, input_grad)) in node.parents.iter().zip(input_grads).enumerate() {
            let Some(input_grad) = input_grad.filter(|_| needs_grad[k]) else { continue };
            check_gradient_shape(|| op.name(), k, inputs[k].shape(), input_grad.shape())?;
            if self.anomaly_detection.get() && !all_finite(&input_grad) {
                return Err(AutogradError::Anomaly {
                    phase: "backward",
                    op: op.name(),
                    index,
                    label: node.label.clone(),
                    location: node.location.unwrap_or(Location::caller()),
                    input_shapes: inputs.iter().map(|v| v.shape().to_vec()).collect(),
                });
            }
            accumulate(pending, parent, input_grad);
        }
        Ok(())
    }
}

/// Backward recorded on the tape: gradients that are themselves differentiable.
impl<E: Element> Tape<E> {
    /// ∂output/∂v for each `v` in `wrt`, recorded on this tape (PyTorch's
    /// `autograd.grad(…, create_graph=True)`), for a one-element output. The
    /// gradients are `Var`s: differentiate them again with `backward`, or with
    /// `grad` to any order. A `v` the output does not depend on gets zeros.
    ///
    /// Each op's backward runs on recorded values ([`Op::backward_recorded`]); an
    /// op without it is an error naming the op.
    ///
    /// ```
    /// use autograd::Tape;
    /// use tensor::Tensor;
    ///
    /// // y = x³: dy/dx = 3x², d²y/dx² = 6x.
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::scalar(2.0));
    /// let y = x.powi(3);
    /// let dy = tape.grad(&y, &[&x]).unwrap().remove(0);
    /// assert_eq!(dy.value().item(), 12.0);
    /// let d2y = tape.grad(&dy, &[&x]).unwrap().remove(0);
    /// assert_eq!(d2y.value().item(), 12.0);
    /// ```
    pub fn grad<'t>(&'t self, output: &Var<'t, E>, wrt: &[&Var<'t, E>]) -> Result<Vec<Var<'t, E>>> {
        if output.value.numel() != 1 {
            return Err(AutogradError::NotScalar { shape: output.value.shape().to_vec() });
        }
        let seed = self.constant(Tensor::ones(output.shape()));
        self.grad_with(output, &seed, wrt)
    }

    /// As [`grad`](Tape::grad), seeded with ∂C/∂output = `seed` (a value of the
    /// output's shape, itself on the tape: the result is differentiable in it too,
    /// which is how [`jvp`](crate::jvp) is built).
    pub fn grad_with<'t>(
        &'t self,
        output: &Var<'t, E>,
        seed: &Var<'t, E>,
        wrt: &[&Var<'t, E>],
    ) -> Result<Vec<Var<'t, E>>> {
        let root = self.index_on_this_tape(output)?;
        check_seed_shape("grad_with", output.shape(), seed.shape())?;
        let wanted: Vec<usize> = wrt.iter().map(|v| self.index_on_this_tape(v)).collect::<Result<_>>()?;
        let mut pending: Vec<Option<Var<'t, E>>> = vec![None; root + 1];
        let mut found: Vec<Option<Var<'t, E>>> = vec![None; wanted.len()];
        reverse_sweep(&mut pending, root, seed.clone(), |index, grad, pending| {
            let Some(grad) = grad else { return Ok(()) };
            for (slot, _) in found.iter_mut().zip(&wanted).filter(|(_, &w)| w == index) {
                *slot = Some(grad.clone());
            }
            self.propagate_recorded(index, &grad, pending)
        })?;
        Ok(found
            .into_iter()
            .zip(wrt)
            .map(|(g, v)| g.unwrap_or_else(|| self.constant(Tensor::zeros(v.shape()))))
            .collect())
    }

    fn index_on_this_tape(&self, v: &Var<'_, E>) -> Result<usize> {
        v.index.filter(|_| std::ptr::eq(v.tape, self)).ok_or(AutogradError::NotRecorded)
    }

    /// Sends node `index`'s gradient to its parents through its op's recorded
    /// backward. The op is taken off its node while it runs, because running it
    /// appends nodes to the tape, and put back afterwards.
    fn propagate_recorded<'t>(
        &'t self,
        index: usize,
        grad: &Var<'t, E>,
        pending: &mut [Option<Var<'t, E>>],
    ) -> Result<()> {
        let (op, parents, inputs, output, needs_grad) = {
            let mut nodes = self.nodes.borrow_mut();
            if nodes[index].op.is_none() || !nodes[index].requires_grad {
                return Ok(());
            }
            let op = nodes[index].op.take().expect("checked above");
            let node = &nodes[index];
            let var = |i: usize| Var { tape: self, value: nodes[i].value.clone(), index: Some(i) };
            let inputs: SmallVec<[Var<'t, E>; 2]> = node.parents.iter().map(|&p| var(p)).collect();
            let needs_grad: SmallVec<[bool; 2]> =
                node.parents.iter().map(|&p| nodes[p].requires_grad).collect();
            (op, node.parents.clone(), inputs, var(index), needs_grad)
        };
        let input_refs: SmallVec<[&Var<'t, E>; 2]> = inputs.iter().collect();
        let ctx = BackwardContext::new(&input_refs, &output, grad, &needs_grad);
        let result = op.backward_recorded(&ctx);
        self.nodes.borrow_mut()[index].op = Some(op);
        // The op's name, only for an error (it allocates).
        let name = || self.nodes.borrow()[index].op.as_ref().map(|op| op.name()).unwrap_or_default();
        let input_grads = result.ok_or_else(|| AutogradError::NoRecordedBackward { op: name(), index })?;
        for (k, (&parent, input_grad)) in parents.iter().zip(input_grads).enumerate() {
            let Some(input_grad) = input_grad.filter(|_| needs_grad[k]) else { continue };
            check_gradient_shape(name, k, inputs[k].shape(), input_grad.shape())?;
            accumulate(&mut *pending, parent, input_grad);
        }
        Ok(())
    }
}

/// The reverse sweep every backward shares: from `root` down to the first
/// node, `visit(index, gradient, pending)` once per node with the gradient the
/// node has received (`None` if nothing reached it), which the visit sends on
/// to the node's inputs in `pending`. Inputs come before their users on the
/// tape, so when a node is visited every gradient it will receive has arrived.
fn reverse_sweep<T>(
    pending: &mut [Option<T>],
    root: usize,
    seed: T,
    mut visit: impl FnMut(usize, Option<T>, &mut [Option<T>]) -> Result<()>,
) -> Result<()> {
    pending[root] = Some(seed);
    for index in (0..=root).rev() {
        let grad = pending[index].take();
        visit(index, grad, &mut *pending)?;
    }
    Ok(())
}

/// Adds `grad` to what node `parent` has received so far: a value used
/// several times gets the sum of its uses' gradients.
fn accumulate<E: Element, T: Operand<E>>(pending: &mut [Option<T>], parent: usize, grad: T) {
    pending[parent] = Some(match pending[parent].take() {
        None => grad,
        Some(sum) => sum.add(&grad),
    });
}

/// An op's gradient for input `input` must have that input's shape.
fn check_gradient_shape(
    op: impl Fn() -> String,
    input: usize,
    expected: &[usize],
    got: &[usize],
) -> Result<()> {
    if expected == got {
        return Ok(());
    }
    Err(AutogradError::GradientShape { op: op(), input, expected: expected.to_vec(), got: got.to_vec() })
}

/// A seed gradient must have its output's shape.
fn check_seed_shape(op: &'static str, output: &[usize], seed: &[usize]) -> Result<()> {
    if seed == output {
        return Ok(());
    }
    Err(tensor::TensorError::ShapeMismatch {
        op,
        lhs: output.to_vec(),
        rhs: seed.to_vec(),
        detail: "the seed gradient must have the output's shape".into(),
    }
    .into())
}

fn all_finite<E: Element>(t: &Tensor<E>) -> bool {
    t.iter().all(E::is_finite)
}

/// The gradients one backward pass kept: of every parameter, and of every value
/// marked with [`Var::keep_grad`].
#[derive(Debug, Clone)]
pub struct Gradients<E: Element> {
    grads: Vec<Option<Tensor<E>>>,
}

impl<E: Element> Drop for Tape<E> {
    /// Keeps the emptied node list for the thread's next tape.
    fn drop(&mut self) {
        recycle::give(std::mem::take(self.nodes.get_mut()));
    }
}

impl<E: Element> Drop for Gradients<E> {
    /// Keeps the emptied list for the thread's next backward.
    fn drop(&mut self) {
        recycle::give(std::mem::take(&mut self.grads));
    }
}

impl<E: Element> Gradients<E> {
    /// ∂C/∂v, or `None` if `v` is a constant, was not kept, or C does not depend on it.
    pub fn get(&self, v: &Var<'_, E>) -> Option<&Tensor<E>> {
        v.index.and_then(|i| self.grads.get(i)).and_then(Option::as_ref)
    }

    /// ∂C/∂(node `index` of the tape), if backward kept it.
    pub fn at(&self, index: usize) -> Option<&Tensor<E>> {
        self.grads.get(index).and_then(Option::as_ref)
    }

    /// ∂C/∂v; a zero tensor of v's shape when C does not depend on v. Panics when
    /// the gradient was not kept (a constant, or an intermediate not marked with
    /// [`Var::keep_grad`]).
    #[track_caller]
    pub fn wrt(&self, v: &Var<'_, E>) -> Tensor<E> {
        if let Some(g) = self.get(v) {
            return g.clone();
        }
        let kept = v.index.is_some_and(|i| v.tape.nodes.borrow()[i].keep_grad);
        assert!(
            kept,
            "no gradient was kept for this value: it is a constant or an intermediate not marked keep_grad"
        );
        Tensor::zeros(v.value.shape())
    }
}

impl<'t, E: Element> Var<'t, E> {
    /// The value.
    pub fn value(&self) -> &Tensor<E> {
        &self.value
    }

    /// The value's shape.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// The tape this value belongs to.
    pub fn tape(&self) -> &'t Tape<E> {
        self.tape
    }

    /// Its index on the tape (`None` when computed without recording).
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// Whether a gradient can flow to this value (some parameter is upstream).
    pub fn requires_grad(&self) -> bool {
        self.index.is_some_and(|i| self.tape.nodes.borrow()[i].requires_grad)
    }

    /// Asks backward to keep this value's gradient (e.g. ∂C/∂s of a layer's
    /// pre-activation, which the paper studies). Returns `self` for chaining.
    pub fn keep_grad(self) -> Self {
        if let Some(i) = self.index {
            self.tape.nodes.borrow_mut()[i].keep_grad = true;
        }
        self
    }

    /// Names this value in the printed tape and the DOT graph. Returns `self`.
    pub fn named(self, label: impl Into<String>) -> Self {
        if let Some(i) = self.index {
            self.tape.nodes.borrow_mut()[i].label = Some(label.into());
        }
        self
    }

    /// Records a custom op with `self` as its only input; panics on its error.
    #[track_caller]
    pub fn apply(&self, op: impl Op<E>) -> Var<'t, E> {
        or_panic(self.tape.apply(op, &[self]))
    }
}
