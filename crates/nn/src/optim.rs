//! Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay.

use std::fmt;

use smallvec::SmallVec;
use tensor::{Element, Tensor};

/// A parameter's name, `layers.{layer}.{kind}` (formatted only when shown, so
/// handing parameters to an optimizer allocates nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamName {
    /// The layer's index.
    pub layer: usize,
    /// `"weight"` or `"bias"`.
    pub kind: &'static str,
}

impl fmt::Display for ParamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "layers.{}.{}", self.layer, self.kind)
    }
}

/// A parameter handed to an optimizer: its name (for errors), the value to
/// update in place, and whether weight decay applies to it.
pub struct ParamMut<'a, E: Element> {
    /// E.g. `layers.0.weight`.
    pub name: ParamName,
    /// The value to update.
    pub value: &'a mut Tensor<E>,
    /// Whether L2 weight decay applies (weights yes, biases no).
    pub decay: bool,
}

/// SGD: for each parameter w with gradient g,
///
/// ```text
/// g' = g + decay·w             (decay only on parameters marked for it)
/// v  = momentum·v + g'         (v starts at 0; skipped when momentum = 0)
/// w  = w − lr·v                (Nesterov: w − lr·(g' + momentum·v))
/// ```
///
/// With momentum 0 and `decay = λ/n` this is exactly Nielsen's L2-regularized
/// rule w ← (1 − ηλ/n)·w − η·g; [`Sgd::l2`] sets it in his terms.
#[derive(Debug, Clone)]
pub struct Sgd<E: Element> {
    /// Learning rate η.
    pub lr: f64,
    /// Momentum coefficient μ (0 for plain SGD).
    pub momentum: f64,
    /// Use Nesterov's look-ahead form of momentum.
    pub nesterov: bool,
    /// Weight-decay coefficient added as decay·w to the gradient of decayed parameters.
    pub weight_decay: f64,
    velocity: Vec<Option<Tensor<E>>>,
}

impl<E: Element> Sgd<E> {
    /// Plain SGD with learning rate `lr` (the paper's optimizer).
    pub fn new(lr: f64) -> Self {
        Sgd { lr, momentum: 0.0, nesterov: false, weight_decay: 0.0, velocity: vec![] }
    }

    /// Adds momentum μ.
    pub fn with_momentum(mut self, momentum: f64, nesterov: bool) -> Self {
        self.momentum = momentum;
        self.nesterov = nesterov;
        self
    }

    /// Adds weight decay with coefficient `decay` (g += decay·w).
    pub fn with_weight_decay(mut self, decay: f64) -> Self {
        self.weight_decay = decay;
        self
    }

    /// Nielsen's L2 regularization: λ over a training set of n examples, i.e.
    /// w ← (1 − ηλ/n)·w − η·g.
    pub fn l2(self, lambda: f64, n: usize) -> Self {
        self.with_weight_decay(lambda / n as f64)
    }

    /// Updates each parameter with its gradient (same order, same shapes; the
    /// order of [`Mlp::parameters_mut`](crate::Mlp::parameters_mut) and
    /// [`BoundMlp::gradients`](crate::BoundMlp::gradients)).
    ///
    /// Panics, naming the parameter, if counts or shapes differ — the two lists
    /// come from the same model, so a mismatch is a bug, not a data problem.
    #[track_caller]
    pub fn step<'a>(&mut self, params: impl IntoIterator<Item = ParamMut<'a, E>>, grads: &[Tensor<E>]) {
        // Held in place (no allocation) for models of up to 16 parameter tensors.
        let params: SmallVec<[ParamMut<'a, E>; 16]> = params.into_iter().collect();
        assert_eq!(
            params.len(),
            grads.len(),
            "sgd: {} parameters but {} gradients",
            params.len(),
            grads.len()
        );
        self.velocity.resize(params.len(), None);
        for (position, (param, grad)) in params.into_iter().zip(grads).enumerate() {
            self.update(position, param, grad);
        }
    }

    /// Updates one parameter, the `position`-th of its model (in the order of
    /// [`step`](Sgd::step), which keeps its momentum there), with its
    /// gradient: one parameter of [`step`](Sgd::step), for a caller that
    /// steps each parameter as soon as its gradient is final
    /// ([`train_step`](crate::train_step)). In place when the caller holds
    /// the only reference to the parameter's buffer.
    ///
    /// Panics, naming the parameter, if the shapes differ.
    #[track_caller]
    pub fn update(&mut self, position: usize, param: ParamMut<'_, E>, grad: &Tensor<E>) {
        assert_eq!(
            param.value.shape(),
            grad.shape(),
            "sgd: parameter {} has shape {:?} but its gradient {:?}",
            param.name,
            param.value.shape(),
            grad.shape()
        );
        if self.velocity.len() <= position {
            self.velocity.resize(position + 1, None);
        }
        let (lr, mu, decay) =
            (E::from_f64(self.lr), E::from_f64(self.momentum), E::from_f64(self.weight_decay));
        let velocity = &mut self.velocity[position];
        let mut g = grad.clone();
        if param.decay && self.weight_decay != 0.0 {
            g = g.zip_with(param.value, |g, w| g + decay * w);
        }
        let direction = if self.momentum != 0.0 {
            let v = match velocity.take() {
                Some(v) => v.zip_with(&g, |v, g| mu * v + g),
                None => g.clone(),
            };
            let d = if self.nesterov { g.zip_with(&v, |g, v| g + mu * v) } else { v.clone() };
            *velocity = Some(v);
            d
        } else {
            g
        };
        // In place: no allocation when the caller holds the only reference.
        param.value.zip_assign(&direction, |w, d| w - lr * d);
    }
}
