//! Checkpoints round-trip exactly, and broken files give errors naming the file.

use std::fs;
use std::path::PathBuf;

use nn::checkpoint::{load, load_into, save};
use nn::{Activation, Init, Mlp, NnError};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-checkpoint-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn network() -> Mlp<f32> {
    Mlp::<f32>::builder(&[5, 7, 3])
        .hidden(Activation::Softsign)
        .output(Activation::Sigmoid)
        .init(Init::Normalized)
        .bias_init(Init::Gaussian { std: 1.0 })
        .seed(11)
        .build()
}

#[test]
fn save_then_load_is_bit_exact() {
    let path = scratch("exact.safetensors");
    let mlp = network();
    save(&mlp, &path).unwrap();
    let back: Mlp<f32> = load(&path).unwrap();
    assert_eq!(back, mlp);
    for ((_, a), (_, b)) in back.parameters().iter().zip(mlp.parameters()) {
        let bits = |t: &tensor::Tensor<f32>| t.iter().map(f32::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(a), bits(b));
    }
    let mut other = Mlp::<f32>::builder(&[5, 7, 3]).seed(99).build();
    load_into(&mut other, &path).unwrap();
    assert_eq!(other.layers, mlp.layers);
    // f32 on disk read into f64 converts exactly.
    let wide: Mlp<f64> = load(&path).unwrap();
    assert_eq!(wide.layers[0].weight.cast::<f32>(), mlp.layers[0].weight);
    assert!(!path.with_extension("safetensors.tmp").exists());
}

#[test]
fn a_missing_file_names_the_file() {
    let path = scratch("does-not-exist.safetensors");
    let err = load::<f32>(&path).unwrap_err();
    assert!(matches!(err, NnError::Io { .. }));
    assert!(err.to_string().contains("does-not-exist.safetensors"), "{err}");
}

#[test]
fn truncated_and_garbage_files_are_errors_not_panics() {
    let path = scratch("good.safetensors");
    save(&network(), &path).unwrap();
    let bytes = fs::read(&path).unwrap();
    for cut in [0, 4, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        let broken = scratch(&format!("cut-{cut}.safetensors"));
        fs::write(&broken, &bytes[..cut]).unwrap();
        let err = load::<f32>(&broken).unwrap_err();
        assert!(err.to_string().contains(&format!("cut-{cut}.safetensors")), "{err}");
    }
    let mut flipped = bytes.clone();
    for b in flipped.iter_mut().take(64).skip(8) {
        *b ^= 0x5a;
    }
    let broken = scratch("flipped.safetensors");
    fs::write(&broken, &flipped).unwrap();
    assert!(load::<f32>(&broken).is_err());
}

#[test]
fn a_checkpoint_of_another_shape_names_the_tensor_and_both_shapes() {
    let path = scratch("other-shape.safetensors");
    save(&Mlp::<f32>::builder(&[5, 8, 3]).build(), &path).unwrap();
    let mut mlp = network();
    let before = mlp.clone();
    let err = load_into(&mut mlp, &path).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("layers.0.weight") && msg.contains("[5, 8]") && msg.contains("[5, 7]"), "{msg}");
    assert_eq!(mlp.layers[0], before.layers[0], "nothing is overwritten before the mismatch");

    // A mismatch in the last layer still leaves the first untouched.
    let last_differs = scratch("last-differs.safetensors");
    save(&Mlp::<f32>::builder(&[5, 7, 4]).seed(5).build(), &last_differs).unwrap();
    let err = load_into(&mut mlp, &last_differs).unwrap_err();
    assert!(err.to_string().contains("layers.1.weight"), "{err}");
    assert_eq!(mlp, before, "a rejected checkpoint changes nothing");

    let deeper = scratch("deeper.safetensors");
    save(&Mlp::<f32>::builder(&[5, 7]).build(), &deeper).unwrap();
    let err = load_into(&mut mlp, &deeper).unwrap_err();
    assert!(matches!(&err, NnError::MissingTensor { name, .. } if name == "layers.1.weight"), "{err}");
}
