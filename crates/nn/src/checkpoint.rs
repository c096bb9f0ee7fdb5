//! Saving and loading an [`Mlp`]'s parameters in the safetensors format, which
//! PyTorch, candle and others read.
//!
//! Tensors are named `layers.{l}.weight` and `layers.{l}.bias`, and each weight is
//! stored in **PyTorch's layout, `[n_out, n_in]`** — what `torch.nn.Linear.weight`
//! holds — so a PyTorch user who copies `layers.{l}.weight` into the l-th
//! `nn.Linear` (a `Sequential` names it `{2l}.weight` when activations sit
//! between) gets the same network, square layers included. In memory gradlab
//! keeps `W` as `[n_in, n_out]` (s = z·W + b, the paper's row-vector form):
//! [`save`] writes Wᵀ and [`load`] transposes back.
//!
//! The file's metadata records the architecture, so [`load`] rebuilds the network.
//! Files of the first format (`gradlab-mlp/1`, weights stored `[n_in, n_out]`)
//! are still read, by their own layout.
//! Writes are atomic: a temporary file in the same folder, then a rename, so a
//! crash never leaves a half-written checkpoint under the real name.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use tensor::{Element, Tensor};

use crate::activation::Activation;
use crate::error::NnError;
use crate::linear::Linear;
use crate::mlp::Mlp;

/// The current format: weights stored `[n_out, n_in]`.
const FORMAT: &str = "gradlab-mlp/2";
/// The first format: weights stored as gradlab holds them, `[n_in, n_out]`.
const FORMAT_INPUT_MAJOR: &str = "gradlab-mlp/1";

/// How a file lays out its weight matrices.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WeightLayout {
    /// `[n_out, n_in]`, PyTorch's (format 2).
    OutputMajor,
    /// `[n_in, n_out]`, gradlab's in memory (format 1).
    InputMajor,
}

impl WeightLayout {
    fn of(path: &Path, metadata: &Option<HashMap<String, String>>) -> Result<Self, NnError> {
        match metadata.as_ref().and_then(|m| m.get("format")).map(String::as_str) {
            Some(FORMAT) => Ok(WeightLayout::OutputMajor),
            Some(FORMAT_INPUT_MAJOR) => Ok(WeightLayout::InputMajor),
            other => Err(NnError::Format {
                path: path.to_path_buf(),
                detail: format!(
                    "metadata `format` is {other:?}; this build reads {FORMAT:?} and {FORMAT_INPUT_MAJOR:?}"
                ),
            }),
        }
    }

    /// A parameter as the file holds it (weights transposed for the output-major layout).
    fn stored<E: Element>(self, name: &str, t: &Tensor<E>) -> Tensor<E> {
        if self == WeightLayout::OutputMajor && name.ends_with(".weight") {
            t.t()
        } else {
            t.clone()
        }
    }
}

/// Writes `mlp`'s parameters (in its element type) and architecture to `path`.
pub fn save<E: Element>(mlp: &Mlp<E>, path: impl AsRef<Path>) -> Result<(), NnError> {
    let path = path.as_ref();
    let dtype = if E::NAME == "f32" { Dtype::F32 } else { Dtype::F64 };
    let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = mlp
        .parameters()
        .into_iter()
        .map(|(name, t)| {
            let stored = WeightLayout::OutputMajor.stored(&name, t);
            (name, stored.shape().to_vec(), to_le_bytes(&stored))
        })
        .collect();
    let views = buffers
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(dtype, shape.clone(), bytes).map(|view| (name.clone(), view)).map_err(|e| {
                NnError::Format { path: path.to_path_buf(), detail: format!("tensor `{name}`: {e}") }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("hidden".to_string(), serde_json::to_string(&mlp.hidden).expect("activations serialize")),
        ("output".to_string(), serde_json::to_string(&mlp.output).expect("activations serialize")),
        ("widths".to_string(), serde_json::to_string(&mlp.widths()).expect("widths serialize")),
    ]);
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| NnError::Format { path: path.to_path_buf(), detail: e.to_string() })?;
    write_atomically(path, &bytes)
}

/// Reads a network written by [`save`], converting its values to `E` if the file
/// holds the other float type.
pub fn load<E: Element>(path: impl AsRef<Path>) -> Result<Mlp<E>, NnError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    let file = parse(path, &bytes)?;
    let meta = file.metadata.clone().unwrap_or_default();
    let field = |key: &str| {
        meta.get(key).ok_or_else(|| NnError::Format {
            path: path.to_path_buf(),
            detail: format!("metadata has no `{key}`"),
        })
    };
    let layout = WeightLayout::of(path, &file.metadata)?;
    let bad = |key: &str, e: serde_json::Error| NnError::Format {
        path: path.to_path_buf(),
        detail: format!("metadata `{key}`: {e}"),
    };
    let widths: Vec<usize> = serde_json::from_str(field("widths")?).map_err(|e| bad("widths", e))?;
    let hidden: Activation = serde_json::from_str(field("hidden")?).map_err(|e| bad("hidden", e))?;
    let output: Activation = serde_json::from_str(field("output")?).map_err(|e| bad("output", e))?;
    if widths.len() < 2 || widths.contains(&0) {
        return Err(NnError::Format {
            path: path.to_path_buf(),
            detail: format!("widths {widths:?} describe no network"),
        });
    }
    let layers = widths
        .windows(2)
        .map(|w| Linear { weight: Tensor::zeros(&[w[0], w[1]]), bias: Tensor::zeros(&[w[1]]) })
        .collect();
    let mut mlp = Mlp { layers, hidden, output };
    fill(&mut mlp, path, &file.tensors, layout)?;
    Ok(mlp)
}

/// Replaces `mlp`'s parameters with those in `path`, which must have the same
/// names and shapes (a file written by [`save`], of either format).
pub fn load_into<E: Element>(mlp: &mut Mlp<E>, path: impl AsRef<Path>) -> Result<(), NnError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    let file = parse(path, &bytes)?;
    let layout = WeightLayout::of(path, &file.metadata)?;
    fill(mlp, path, &file.tensors, layout)
}

struct Parsed<'a> {
    tensors: SafeTensors<'a>,
    metadata: Option<HashMap<String, String>>,
}

fn read(path: &Path) -> Result<Vec<u8>, NnError> {
    fs::read(path).map_err(|source| NnError::Io { path: path.to_path_buf(), source })
}

fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<Parsed<'a>, NnError> {
    let format_error =
        |e: safetensors::SafeTensorError| NnError::Format { path: path.to_path_buf(), detail: e.to_string() };
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(format_error)?;
    let metadata = header.metadata().clone();
    let tensors = SafeTensors::deserialize(bytes).map_err(format_error)?;
    Ok(Parsed { tensors, metadata })
}

/// Copies every parameter of `mlp` from the file, checking names, shapes and
/// types of all of them before changing any, so a bad file leaves `mlp` as it was.
fn fill<E: Element>(
    mlp: &mut Mlp<E>,
    path: &Path,
    file: &SafeTensors<'_>,
    layout: WeightLayout,
) -> Result<(), NnError> {
    let path_buf = || path.to_path_buf();
    let mut loaded = vec![];
    for (name, current) in mlp.parameters() {
        let view = file
            .tensor(&name)
            .map_err(|_| NnError::MissingTensor { path: path_buf(), name: name.clone() })?;
        let expected = layout.stored(&name, current).shape().to_vec();
        if view.shape() != expected {
            return Err(NnError::ShapeMismatch {
                path: path_buf(),
                name,
                expected,
                found: view.shape().to_vec(),
            });
        }
        let values = from_le_bytes::<E>(view.dtype(), view.data()).ok_or_else(|| NnError::Format {
            path: path_buf(),
            detail: format!("tensor `{name}` has type {:?}; only F32 and F64 are read", view.dtype()),
        })?;
        // `stored` is its own inverse: transposing the file's matrix gives gradlab's.
        loaded.push(layout.stored(&name, &Tensor::from_vec(values, view.shape())).contiguous());
    }
    for (param, value) in mlp.parameters_mut().zip(loaded) {
        *param.value = value;
    }
    Ok(())
}

fn to_le_bytes<E: Element>(t: &Tensor<E>) -> Vec<u8> {
    if E::NAME == "f32" {
        t.iter().flat_map(|v| (v.to_f64() as f32).to_le_bytes()).collect()
    } else {
        t.iter().flat_map(|v| v.to_f64().to_le_bytes()).collect()
    }
}

fn from_le_bytes<E: Element>(dtype: Dtype, data: &[u8]) -> Option<Vec<E>> {
    match dtype {
        Dtype::F32 => Some(
            data.chunks_exact(4)
                .map(|c| E::from_f64(f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64))
                .collect(),
        ),
        Dtype::F64 => Some(
            data.chunks_exact(8)
                .map(|c| E::from_f64(f64::from_le_bytes(c.try_into().expect("8 bytes"))))
                .collect(),
        ),
        _ => None,
    }
}

/// Writes to a temporary file beside `path`, flushes it to disk, then renames it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), NnError> {
    let io_error = |p: PathBuf| move |source| NnError::Io { path: p, source };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let mut file = fs::File::create(&temporary).map_err(io_error(temporary.clone()))?;
    file.write_all(bytes).and_then(|_| file.sync_all()).map_err(io_error(temporary.clone()))?;
    fs::rename(&temporary, path).map_err(io_error(path.to_path_buf()))
}
