//! Checkpoints round-trip exactly, and broken files give errors naming the file.

use std::collections::HashMap;
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
    assert!(msg.contains("layers.0.weight") && msg.contains("[8, 5]") && msg.contains("[7, 5]"), "{msg}");
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

/// A file's tensors by name (shape, f32 values), and its metadata.
type RawFile = (HashMap<String, (Vec<usize>, Vec<f32>)>, Option<HashMap<String, String>>);

/// Reads every tensor of a safetensors file as f32 values with its shape, and the metadata.
fn raw(path: &std::path::Path) -> RawFile {
    let bytes = fs::read(path).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let tensors = file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let values =
                view.data().chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
            (name, (view.shape().to_vec(), values))
        })
        .collect();
    (tensors, header.metadata().clone())
}

/// The documented convention: `layers.{l}.weight` holds Wᵀ, `[n_out, n_in]`, as
/// `torch.nn.Linear.weight` does — checked element by element for a non-square
/// layer (5 → 7) and a square one (7 → 7), where a wrong layout would load silently.
#[test]
fn weights_are_stored_in_pytorch_layout() {
    let mlp = Mlp::<f32>::builder(&[5, 7, 7, 3]).init(Init::Normalized).seed(5).build();
    let path = scratch("layout.safetensors");
    save(&mlp, &path).unwrap();
    let (tensors, metadata) = raw(&path);
    assert_eq!(metadata.unwrap()["format"], "gradlab-mlp/2");
    for l in 0..2 {
        let w = &mlp.layers[l].weight; // [n_in, n_out] in memory
        let (n_in, n_out) = (w.shape()[0], w.shape()[1]);
        let (shape, values) = &tensors[&format!("layers.{l}.weight")];
        assert_eq!(shape, &vec![n_out, n_in], "layer {l}");
        for o in 0..n_out {
            for i in 0..n_in {
                assert_eq!(
                    values[o * n_in + i],
                    w.get(&[i, o]),
                    "layer {l}: file[{o}][{i}] must be W[{i}][{o}]"
                );
            }
        }
        let (bias_shape, bias) = &tensors[&format!("layers.{l}.bias")];
        assert_eq!((bias_shape, bias), (&vec![n_out], &mlp.layers[l].bias.to_vec()));
    }
    assert_eq!(load::<f32>(&path).unwrap(), mlp);
}

/// Files of the first format (weights `[n_in, n_out]`) are read by their layout;
/// an unknown format is an error naming the file.
#[test]
fn first_format_files_still_load_and_unknown_formats_are_refused() {
    let mlp = Mlp::<f32>::builder(&[4, 4, 2]).init(Init::Normalized).seed(8).build();
    let write = |format: &str, name: &str| {
        let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = mlp
            .parameters()
            .into_iter()
            .map(|(n, t)| (n, t.shape().to_vec(), t.iter().flat_map(f32::to_le_bytes).collect()))
            .collect();
        let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = buffers
            .iter()
            .map(|(n, s, b)| {
                (
                    n.clone(),
                    safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b).unwrap(),
                )
            })
            .collect();
        let metadata = HashMap::from([
            ("format".to_string(), format.to_string()),
            ("hidden".to_string(), serde_json::to_string(&mlp.hidden).unwrap()),
            ("output".to_string(), serde_json::to_string(&mlp.output).unwrap()),
            ("widths".to_string(), serde_json::to_string(&mlp.widths()).unwrap()),
        ]);
        let path = scratch(name);
        fs::write(&path, safetensors::serialize(views, Some(metadata)).unwrap()).unwrap();
        path
    };
    let old = write("gradlab-mlp/1", "format1.safetensors");
    assert_eq!(load::<f32>(&old).unwrap(), mlp, "a square layer read by its own layout, not transposed");
    let mut into = Mlp::<f32>::builder(&[4, 4, 2]).seed(1).build();
    load_into(&mut into, &old).unwrap();
    assert_eq!(into, mlp);
    let unknown = write("gradlab-mlp/9", "format9.safetensors");
    let err = load::<f32>(&unknown).unwrap_err().to_string();
    assert!(err.contains("format9.safetensors") && err.contains("gradlab-mlp/9"), "{err}");
}
