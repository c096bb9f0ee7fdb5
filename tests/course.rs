//! Every lesson of the course (`examples/01_…` to `12_…`, see docs/course.md)
//! runs here, on tiny data where it needs data, so none of them rots. Each
//! example's source is included as a module and its `main` (or its `run`, with
//! small settings) is called; the examples assert what they teach.

use std::fs;
use std::path::{Path, PathBuf};

use experiments::data::idx::encode_idx as idx;

#[allow(dead_code)]
#[path = "../examples/01_scalar_engine.rs"]
mod lesson1;
#[allow(dead_code)]
#[path = "../examples/10_forward_vs_reverse.rs"]
mod lesson10;
#[allow(dead_code)]
#[path = "../examples/11_newton_step.rs"]
mod lesson11;
#[allow(dead_code)]
#[path = "../examples/12_hessian_diagonal.rs"]
mod lesson12;
#[allow(dead_code)]
#[path = "../examples/02_tensors_and_views.rs"]
mod lesson2;
#[allow(dead_code)]
#[path = "../examples/03_backprop_by_hand.rs"]
mod lesson3;
#[allow(dead_code)]
#[path = "../examples/04_train_mlp_on_digits.rs"]
mod lesson4;
#[allow(dead_code)]
#[path = "../examples/05_gradcheck_your_op.rs"]
mod lesson5;
#[allow(dead_code)]
#[path = "../examples/06_vanishing_gradients.rs"]
mod lesson6;
#[allow(dead_code)]
#[path = "../examples/07_init_demo.rs"]
mod lesson7;
#[allow(dead_code)]
#[path = "../examples/08_paper_figures_6_7.rs"]
mod lesson8;
#[allow(dead_code)]
#[path = "../examples/09_shapeset_gallery.rs"]
mod lesson9;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-course-{}-{name}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A tiny MNIST-format folder: `train` and `test` images of 28×28 whose class
/// is written in their brightness, so a network can learn something.
fn tiny_mnist(name: &str, train: u32, test: u32) -> PathBuf {
    let dir = scratch(name);
    for (stem, count) in [("train", train), ("t10k", test)] {
        let labels: Vec<u8> = (0..count).map(|i| (i % 10) as u8).collect();
        let pixels: Vec<u8> = labels
            .iter()
            .enumerate()
            .flat_map(|(i, &l)| {
                (0..784).map(move |p| if (p + i) % 10 == l as usize { 250 } else { 10 + l * 20 })
            })
            .collect();
        fs::write(dir.join(format!("{stem}-images-idx3-ubyte")), idx(&[count, 28, 28], &pixels)).unwrap();
        fs::write(dir.join(format!("{stem}-labels-idx1-ubyte")), idx(&[count], &labels)).unwrap();
    }
    dir
}

#[test]
fn lessons_without_data_run() {
    lesson1::main();
    lesson2::main();
    lesson3::main();
    lesson5::main();
}

#[test]
fn lesson4_trains_on_mnist_format_files_and_checkpoints() {
    let folder = tiny_mnist("lesson4-data", 1000, 100);
    let checkpoint = scratch("lesson4").join("net.safetensors");
    let tensorboard = scratch("lesson4").join("tensorboard");
    let settings = lesson4::Settings {
        folder,
        train_images: 1000,
        epochs: 4,
        checkpoint: checkpoint.clone(),
        tensorboard: tensorboard.clone(),
    };
    let error = lesson4::run(&settings).unwrap();
    assert!(error < 0.3, "the brightness-coded classes are easy (chance: 90 %); test error {error}");
    assert!(checkpoint.is_file());
    // One event file: its version, 200 minibatches' losses every 100, and per
    // epoch the test error and two histograms.
    let files = gradlab::nn::tensorboard::event_files(&tensorboard).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(gradlab::nn::tensorboard::read_events(&files[0]).unwrap().len(), 1 + 2 + 4 * 3);
}

#[test]
fn lesson4_names_a_missing_folder() {
    let settings = lesson4::Settings {
        folder: Path::new("/nonexistent/mnist").into(),
        train_images: 10,
        epochs: 1,
        checkpoint: scratch("lesson4-missing").join("net.safetensors"),
        tensorboard: scratch("lesson4-missing").join("tensorboard"),
    };
    let err = lesson4::run(&settings).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/mnist"), "{err}");
}

#[test]
fn lesson6_shows_the_gradient_vanishing_layer_by_layer() {
    let norms = lesson6::run(&tiny_mnist("lesson6-data", 200, 20), 200).unwrap();
    assert_eq!(norms.len(), 3);
    for layers in &norms {
        assert!(layers.windows(2).all(|w| w[0] < w[1]), "‖δˡ‖ must grow toward the output: {layers:?}");
    }
}

#[test]
fn lesson7_small_weights_vanish_and_he_keeps_relu_alive() {
    let stds = lesson7::run(200, 100, 6);
    assert!(stds[0][5] < 1e-3 && stds[1][5] > 0.9, "{stds:?}");
    assert!(stds[4][5] > 5.0 * stds[3][5], "He keeps ReLU's spread, Xavier loses it: {stds:?}");
}

#[test]
fn lesson8_reproduces_the_shape_of_figs_6_and_7() {
    let [standard, normalized] = lesson8::run(200, 64);
    let ratio = |v: &[f64]| v[4] / v[0];
    assert!(ratio(&standard.0) < ratio(&normalized.0), "activations shrink more with standard init");
    assert!(ratio(&standard.1) > ratio(&normalized.1), "gradients vanish downward more with standard init");
}

#[test]
fn lesson9_writes_the_gallery() {
    let output = scratch("lesson9").join("gallery.png");
    lesson9::run(output.to_str().unwrap(), 7).unwrap();
    assert!(fs::metadata(&output).unwrap().len() > 1000);
}

#[test]
fn lesson10_forward_and_reverse_mode_give_the_same_jacobian() {
    for (n, m) in [(1, 5), (5, 1), (4, 3)] {
        let row = lesson10::measure(n, m, 8);
        assert!(row.max_difference < 1e-12, "{n}×{m}: the two Jacobians differ by {}", row.max_difference);
        assert_eq!((row.reverse_sweeps, row.forward_passes), (m, n));
        assert!(row.forward_ops > row.reverse_ops, "forward passes walk the recorded backward too");
    }
}

#[test]
fn lesson11_damped_newton_descends_and_beats_gradient_descent() {
    let (newton, descent) = lesson11::run(10);
    assert!(
        newton.windows(2).all(|w| w[1] <= w[0]),
        "a damped Newton step never raises the loss: {newton:?}"
    );
    assert!(newton[9] < descent[9], "Newton {newton:?} vs descent {descent:?}");
}

#[test]
fn lesson11_finds_the_eigenvalues_of_a_known_matrix() {
    let m = gradlab::Tensor::from_vec(vec![2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, -1.0], &[3, 3]);
    let eigenvalues = lesson11::symmetric_eigenvalues(&m);
    for (got, want) in eigenvalues.iter().zip([-1.0, 1.0, 3.0]) {
        assert!((got - want).abs() < 1e-12, "{eigenvalues:?}");
    }
}

#[test]
fn lesson12_estimates_a_finite_curvature_per_layer() {
    for estimates in lesson12::run(24, 16, 4) {
        assert_eq!(estimates.len(), 6);
        assert!(estimates.iter().all(|(mean, error)| mean.is_finite() && error.is_finite()), "{estimates:?}");
        // The output layer's block of H is positive semi-definite (cross-entropy is
        // convex in the logits, which are linear in those weights), so vᵀHv ≥ 0
        // for every probe, and a strictly positive mean for a network with inputs.
        assert!(estimates[5].0 > 0.0, "{estimates:?}");
    }
}
