//! The multi-layer perceptron of the paper: dense layers of chosen widths, one
//! hidden activation, and an output layer (linear before a softmax, or sigmoid
//! as in Nielsen's `network2`).

use std::marker::PhantomData;

use autograd::{Gradients, Tape, Var};
use tensor::{Element, Tensor, TensorRng};

use crate::activation::Activation;
use crate::init::Init;
use crate::linear::{BoundLinear, Linear};
use crate::optim::{ParamMut, ParamName};
use smallvec::SmallVec;

/// A feed-forward network: `layers[l]` maps `widths[l]` → `widths[l+1]`; every layer
/// but the last is followed by the hidden activation, the last by the output one.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp<E: Element> {
    /// The layers, input first.
    pub layers: Vec<Linear<E>>,
    /// Activation of the hidden layers.
    pub hidden: Activation,
    /// Activation of the output layer (`Identity` for logits fed to a softmax).
    pub output: Activation,
}

/// Builds an [`Mlp`]: `Mlp::<f32>::builder(&[784, 30, 10]).hidden(Activation::Sigmoid).build()`.
#[derive(Debug, Clone)]
pub struct MlpBuilder<E: Element> {
    widths: Vec<usize>,
    hidden: Activation,
    output: Activation,
    init: Init,
    bias_init: Init,
    seed: u64,
    element: PhantomData<E>,
}

impl<E: Element> MlpBuilder<E> {
    /// Hidden activation (default tanh).
    pub fn hidden(mut self, activation: Activation) -> Self {
        self.hidden = activation;
        self
    }
    /// Output activation (default identity: logits).
    pub fn output(mut self, activation: Activation) -> Self {
        self.output = activation;
        self
    }
    /// Weight initializer of every layer (default: the paper's normalized init).
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Bias initializer (default zeros, as the paper).
    pub fn bias_init(mut self, init: Init) -> Self {
        self.bias_init = init;
        self
    }
    /// Seed of the initial parameters (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Draws the parameters. Panics with fewer than two widths or a zero width.
    #[track_caller]
    pub fn build(&self) -> Mlp<E> {
        assert!(
            self.widths.len() >= 2 && !self.widths.contains(&0),
            "an MLP needs at least an input and an output width, none zero; got {:?}",
            self.widths
        );
        let mut rng = TensorRng::new(self.seed);
        let layers = self
            .widths
            .windows(2)
            .map(|w| Linear::new(w[0], w[1], self.init, self.bias_init, &mut rng))
            .collect();
        Mlp { layers, hidden: self.hidden, output: self.output }
    }
}

impl<E: Element> Mlp<E> {
    /// Starts a builder for these layer widths (input first, output last).
    pub fn builder(widths: &[usize]) -> MlpBuilder<E> {
        MlpBuilder {
            widths: widths.to_vec(),
            hidden: Activation::Tanh,
            output: Activation::Identity,
            init: Init::Normalized,
            bias_init: Init::Zeros,
            seed: 0,
            element: PhantomData,
        }
    }

    /// Layer widths, input first.
    pub fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.layers.iter().map(Linear::n_in).collect();
        widths.extend(self.layers.last().map(Linear::n_out));
        widths
    }

    /// Number of hidden layers.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// The activation after layer `l`.
    pub fn activation_of(&self, l: usize) -> Activation {
        if l + 1 == self.layers.len() {
            self.output
        } else {
            self.hidden
        }
    }

    /// Puts every parameter on `tape`; the result runs forward passes on it.
    pub fn on<'t>(&self, tape: &'t Tape<E>) -> BoundMlp<'t, E> {
        BoundMlp { layers: self.layers.iter().map(|l| l.on(tape)).collect(), activations: self.activations() }
    }

    /// The activation after each layer.
    pub(crate) fn activations(&self) -> SmallVec<[Activation; 8]> {
        (0..self.layers.len()).map(|l| self.activation_of(l)).collect()
    }

    /// The network's output for a batch `[batch, n_in]`, without recording anything.
    #[track_caller]
    pub fn predict(&self, x: &Tensor<E>) -> Tensor<E> {
        let tape = Tape::no_grad();
        let net = self.on(&tape);
        net.forward(&tape.constant(x.clone())).value().clone()
    }

    /// Names and values of the parameters, in the order of [`BoundMlp::gradients`]:
    /// `layers.0.weight`, `layers.0.bias`, `layers.1.weight`, ...
    pub fn parameters(&self) -> Vec<(String, &Tensor<E>)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(l, layer)| {
                [(format!("layers.{l}.weight"), &layer.weight), (format!("layers.{l}.bias"), &layer.bias)]
            })
            .collect()
    }

    /// The parameters for an optimizer to update, in the same order; weights are
    /// marked for weight decay, biases not (as Nielsen's L2).
    pub fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_, E>> {
        self.layers.iter_mut().enumerate().flat_map(|(layer, linear)| {
            let name = |kind| ParamName { layer, kind };
            [
                ParamMut { name: name("weight"), value: &mut linear.weight, decay: true },
                ParamMut { name: name("bias"), value: &mut linear.bias, decay: false },
            ]
        })
    }
}

/// An [`Mlp`]'s parameters on a tape.
pub struct BoundMlp<'t, E: Element> {
    /// The layers' parameters on the tape (held in place for up to 8 layers).
    pub layers: SmallVec<[BoundLinear<'t, E>; 8]>,
    activations: SmallVec<[Activation; 8]>,
}

/// Every intermediate of one forward pass, for probes: per layer (output layer
/// included) the pre-activation s = z·W + b, whose gradient ∂C/∂s is kept, and
/// the activation z = f(s).
pub struct Trace<'t, E: Element> {
    /// s for each layer.
    pub pre_activations: Vec<Var<'t, E>>,
    /// z = f(s) for each layer; the last one is the network's output.
    pub activations: Vec<Var<'t, E>>,
}

impl<'t, E: Element> Trace<'t, E> {
    /// The network's output (the last activation).
    pub fn output(&self) -> &Var<'t, E> {
        self.activations.last().expect("an MLP has at least one layer")
    }

    /// The output layer's pre-activation (the logits).
    pub fn logits(&self) -> &Var<'t, E> {
        self.pre_activations.last().expect("an MLP has at least one layer")
    }
}

impl<'t, E: Element> BoundMlp<'t, E> {
    /// The output for a batch `x` of shape `[batch, n_in]`.
    #[track_caller]
    pub fn forward(&self, x: &Var<'t, E>) -> Var<'t, E> {
        self.layers.iter().zip(&self.activations).fold(x.clone(), |z, (layer, f)| f.apply(&layer.forward(&z)))
    }

    /// The output layer's pre-activation (logits) and activation — what every
    /// [`Loss`](crate::Loss) needs — without keeping the hidden layers' gradients.
    #[track_caller]
    pub fn forward_to_logits(&self, x: &Var<'t, E>) -> (Var<'t, E>, Var<'t, E>) {
        forward_to_logits(&self.activations, x, |l, z| self.layers[l].forward(z))
    }

    /// The forward pass keeping every pre-activation and activation, with ∂C/∂s
    /// marked to be kept by backward.
    #[track_caller]
    pub fn forward_traced(&self, x: &Var<'t, E>) -> Trace<'t, E> {
        let mut trace = Trace { pre_activations: vec![], activations: vec![] };
        let mut z = x.clone();
        for (l, (layer, f)) in self.layers.iter().zip(&self.activations).enumerate() {
            let s = layer.forward(&z).keep_grad().named(format!("s{}", l + 1));
            z = f.apply(&s).named(format!("z{}", l + 1));
            trace.pre_activations.push(s);
            trace.activations.push(z.clone());
        }
        trace
    }

    /// The parameters' gradients, in the order of [`Mlp::parameters_mut`].
    /// (Held in place, without allocating, for up to 8 layers.)
    pub fn gradients(&self, grads: &Gradients<E>) -> SmallVec<[Tensor<E>; 16]> {
        self.layers.iter().flat_map(|l| [grads.wrt(&l.weight), grads.wrt(&l.bias)]).collect()
    }

    /// Where the parameters are on the tape (their node indices), in the
    /// order of [`gradients`](BoundMlp::gradients).
    pub(crate) fn parameter_indices(&self) -> SmallVec<[usize; 16]> {
        let index = |v: &Var<'t, E>| v.index().expect("parameters are recorded on the tape");
        self.layers.iter().flat_map(|l| [index(&l.weight), index(&l.bias)]).collect()
    }
}

/// The forward pass to the logits and the output, with `linear(l, z)` computing
/// layer l's pre-activation s = z·W + b. The plain step and the fused step (whose
/// layers are ops that update themselves in backward) share it.
pub(crate) fn forward_to_logits<'t, E: Element>(
    activations: &[Activation],
    x: &Var<'t, E>,
    mut linear: impl FnMut(usize, &Var<'t, E>) -> Var<'t, E>,
) -> (Var<'t, E>, Var<'t, E>) {
    let last = activations.len() - 1;
    let z = (0..last).fold(x.clone(), |z, l| activations[l].apply(&linear(l, &z)));
    let logits = linear(last, &z);
    let output = activations[last].apply(&logits);
    (logits, output)
}
