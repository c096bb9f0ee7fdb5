//! # gradlab's `nn`: networks on the tape, and the paper's instrument
//!
//! * [`Linear`] and [`Mlp`] (s = z·W + b, W stored `[n_in, n_out]` as the paper writes it);
//! * [`Activation`]s: sigmoid, tanh, softsign, relu, leaky relu, identity;
//! * losses ([`loss`]): fused softmax cross-entropy, NLL, quadratic, Nielsen's sigmoid cross-entropy;
//! * [`Init`]ializers: the paper's standard (eq. 1) and normalized (eq. 16), Glorot
//!   normal, He, LeCun, Gaussian, zeros, constant — each with its variance;
//! * [`Sgd`] with momentum, Nesterov and L2 weight decay (Nielsen's form);
//! * [`probe`]: per-layer statistics of activations and gradients, and the
//!   layer-to-layer Jacobians' singular values — what the paper looks at;
//! * [`checkpoint`]: save and load parameters as safetensors;
//! * [`tensorboard`]: event files of scalars and histograms, to watch a run in TensorBoard.
//!
//! One training step:
//!
//! ```
//! use autograd::Tape;
//! use nn::{Activation, Init, Mlp, Sgd};
//! use tensor::Tensor;
//!
//! let mut mlp = Mlp::<f32>::builder(&[4, 8, 3]).hidden(Activation::Tanh).init(Init::Normalized).seed(1).build();
//! let mut sgd = Sgd::new(0.1);
//! let x = Tensor::<f32>::rand_uniform(&[5, 4], -1.0, 1.0, 2);
//! let labels = [0, 1, 2, 1, 0];
//!
//! let tape = Tape::new();
//! let net = mlp.on(&tape);                              // parameters → tape leaves
//! let loss = net.forward(&tape.constant(x)).softmax_cross_entropy(&labels);
//! let grads = tape.backward(&loss).unwrap();
//! sgd.step(mlp.parameters_mut(), &net.gradients(&grads)); // same order, no index juggling
//! ```
//!
//! [`train_step`] runs this step with the same numbers, but updates each
//! layer as soon as backward has its gradient final
//! ([`Tape::backward_updating`](autograd::Tape::backward_updating)), while
//! its weight and gradient are still in cache.

mod activation;
pub mod checkpoint;
mod error;
pub mod fused;
mod init;
mod linear;
pub mod loss;
mod mlp;
mod optim;
pub mod probe;
mod sgd_linear;
pub mod tensorboard;
mod train;

pub use activation::Activation;
pub use error::NnError;
pub use init::Init;
pub use linear::{BoundLinear, Linear};
pub use loss::Loss;
pub use mlp::{BoundMlp, Mlp, MlpBuilder, Trace};
pub use optim::{ParamMut, ParamName, Sgd};
pub use train::train_step;
