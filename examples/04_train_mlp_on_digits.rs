//! Lesson 4 — training a network on real images, with every step of the loop in
//! sight: data, tape, forward, loss, backward, SGD, evaluation, checkpoint.
//!
//! A 784-100-10 tanh network with the paper's normalized initialization, trained
//! by minibatch SGD on MNIST (handwritten digits) or Fashion-MNIST (the same
//! format, clothing). Two epochs on Fashion-MNIST end at 14.9 % test error
//! (measured; MNIST itself cannot be fetched on our machines).
//!
//! The loop also writes TensorBoard event files (`nn::tensorboard`): the
//! training loss every 100 minibatches, the test error per epoch, and the
//! histograms of the hidden layer's activations and weights — watch them with
//! `tensorboard --logdir` on the folder it prints.
//!
//! Run: `cargo run --release --example 04_train_mlp_on_digits -- [MNIST folder]`
//! (default: Debian's Fashion-MNIST; get it with `sudo apt-get install dataset-fashion-mnist`).

use std::path::{Path, PathBuf};

use experiments::data::idx::load_mnist;
use experiments::data::Dataset;
use gradlab::autograd::Tape;
use gradlab::nn::tensorboard::SummaryWriter;
use gradlab::nn::{checkpoint, Activation, Init, Mlp, Sgd};
use gradlab::TensorRng;

/// What to train on and for how long.
pub struct Settings {
    /// Folder with the four MNIST-format files (raw or .gz).
    pub folder: PathBuf,
    /// Use only the first this many training images (all: `usize::MAX`).
    pub train_images: usize,
    /// Passes over the training images.
    pub epochs: usize,
    /// Where the trained network is saved.
    pub checkpoint: PathBuf,
    /// Folder for TensorBoard event files.
    pub tensorboard: PathBuf,
}

pub fn main() {
    let folder = std::env::args().nth(1).map(PathBuf::from);
    let folder = folder.unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    let settings = Settings {
        checkpoint: std::env::temp_dir().join("gradlab-lesson4.safetensors"),
        tensorboard: std::env::temp_dir().join("gradlab-lesson4-tensorboard"),
        folder,
        train_images: usize::MAX,
        epochs: 2,
    };
    if let Err(e) = run(&settings) {
        eprintln!("error: {e}");
        eprintln!("This lesson needs MNIST-format files: `sudo apt-get install dataset-fashion-mnist`, or pass a folder holding MNIST.");
        std::process::exit(1);
    }
}

/// Trains and returns the final test error.
pub fn run(settings: &Settings) -> Result<f64, Box<dyn std::error::Error>> {
    // 1. Data: images as rows of 784 values in [0, 1], labels 0–9.
    let data = load_mnist(&settings.folder, "images")?;
    let train = data.train.take(settings.train_images.min(data.train.len()));
    println!(
        "{} training and {} test images from {}",
        train.len(),
        data.test.len(),
        settings.folder.display()
    );

    // 2. The network: s = z·W + b per layer; tanh hidden, softmax output (in the loss).
    let mut mlp =
        Mlp::<f32>::builder(&[784, 100, 10]).hidden(Activation::Tanh).init(Init::Normalized).seed(1).build();
    let mut sgd = Sgd::new(0.1);
    let mut rng = TensorRng::new(2);
    let batch_size = 20;
    // A fresh event file; `resume(dir, -1)` also clears what an earlier run left there.
    let mut board = SummaryWriter::resume(&settings.tensorboard, -1)?;
    println!("TensorBoard: tensorboard --logdir {}", settings.tensorboard.display());
    let mut step = 0i64;

    for epoch in 1..=settings.epochs {
        let order = shuffled(train.len(), &mut rng);
        let mut loss_sum = 0.0;
        for indices in order.chunks(batch_size) {
            let batch = train.batch::<f32>(indices);
            // 3. Record the forward pass on a fresh tape.
            let tape = Tape::new();
            let net = mlp.on(&tape); // the parameters as leaves of this tape
            let logits = net.forward(&tape.constant(batch.x));
            let loss = logits.softmax_cross_entropy(&batch.labels);
            // 4. Backward: ∂loss/∂(every parameter), in one sweep from the end of the tape.
            let grads = tape.backward(&loss)?;
            // 5. SGD: w ← w − η·∂loss/∂w.
            sgd.step(mlp.parameters_mut(), &net.gradients(&grads));
            loss_sum += loss.value().item() as f64;
            step += 1;
            if step % 100 == 0 {
                board.add_scalar("loss/train", loss.value().item() as f64, step)?;
            }
        }
        // 6. Evaluate on images the network never trained on.
        let error = test_error(&mlp, &data.test);
        board.add_scalar("error/test", error, step)?;
        // The hidden layer's activations tanh(x·W + b) on (up to) 200 test images.
        let first: Vec<usize> = (0..data.test.len().min(200)).collect();
        let (layer, probe) = (&mlp.layers[0], data.test.batch::<f32>(&first));
        let hidden = (&probe.x.matmul(&layer.weight) + &layer.bias).tanh();
        board.add_histogram("hidden/activation", &as_f64(&hidden), step)?;
        board.add_histogram("hidden/weight", &as_f64(&mlp.layers[0].weight), step)?;
        board.flush()?;
        let batches = train.len().div_ceil(batch_size);
        println!(
            "epoch {epoch}: mean training loss {:.4}, test error {:.2} %",
            loss_sum / batches as f64,
            100.0 * error
        );
    }

    // 7. Checkpoint: safetensors, loadable by gradlab (and by PyTorch: weights stored [out, in]).
    save_and_reload(&mlp, &settings.checkpoint)?;
    Ok(test_error(&mlp, &data.test))
}

/// A tensor's elements as f64, for a histogram.
fn as_f64(t: &gradlab::Tensor<f32>) -> Vec<f64> {
    t.to_vec().into_iter().map(f64::from).collect()
}

/// 0, 1, …, n−1 in random order (Fisher–Yates).
fn shuffled(n: usize, rng: &mut TensorRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// The fraction of `data` whose largest output is not its label.
fn test_error(mlp: &Mlp<f32>, data: &Dataset) -> f64 {
    let all: Vec<usize> = (0..data.len()).collect();
    let batch = data.batch::<f32>(&all);
    let predicted = mlp.predict(&batch.x).argmax(-1);
    let wrong = predicted.iter().zip(&batch.labels).filter(|(p, l)| p != l).count();
    wrong as f64 / data.len() as f64
}

fn save_and_reload(mlp: &Mlp<f32>, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    checkpoint::save(mlp, path)?;
    let back: Mlp<f32> = checkpoint::load(path)?;
    assert_eq!(&back, mlp, "a checkpoint reads back exactly");
    println!("saved to {} and read back identical", path.display());
    Ok(())
}
