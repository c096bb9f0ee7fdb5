//! The IDX format of MNIST (and Fashion-MNIST, which uses the same files): a
//! magic number (two zero bytes, a type code, the number of dimensions), the
//! dimensions as big-endian u32, then the values. Files may be gzipped.
//!
//! [`load_mnist`] reads the four standard files from a folder; images are
//! scaled to [0, 1].

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::dataset::Dataset;
use super::error::{DataError, Problem};

/// The unsigned-byte type code, the only one MNIST uses.
const UNSIGNED_BYTE: u8 = 0x08;
/// MNIST's and Fashion-MNIST's number of classes.
pub const MNIST_CLASSES: usize = 10;

/// The values of an IDX file and its dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Sizes of the dimensions (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Reads a whole file, un-gzipping it if it starts with the gzip magic bytes.
pub fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = fs::read(path).map_err(|e| DataError::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| DataError::corrupt(path, format!("gzip stream is truncated or damaged ({e})")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The IDX bytes of unsigned-byte `data` with sizes `dims` — the inverse of
/// [`parse_idx`], for writing small MNIST-format files (tests, examples).
pub fn encode_idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, UNSIGNED_BYTE, dims.len() as u8];
    dims.iter().for_each(|d| bytes.extend(d.to_be_bytes()));
    bytes.extend_from_slice(data);
    bytes
}

/// Parses IDX bytes; `path` only names the file in errors.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray, DataError> {
    if bytes.len() < 4 {
        return Err(DataError::corrupt(
            path,
            format!("file is {} bytes long, shorter than the 4-byte magic number", bytes.len()),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(DataError::corrupt(
            path,
            format!("wrong magic number {:02x?}: an IDX file starts with two zero bytes", &bytes[..4]),
        ));
    }
    if bytes[2] != UNSIGNED_BYTE {
        return Err(DataError::corrupt(
            path,
            format!("data type 0x{:02x} is not supported (only unsigned bytes, 0x08)", bytes[2]),
        ));
    }
    let ndims = bytes[3] as usize;
    let header_len = 4 + 4 * ndims;
    if bytes.len() < header_len {
        return Err(DataError::corrupt(
            path,
            format!("header declares {ndims} dimensions but the file ends after {} bytes", bytes.len()),
        ));
    }
    let dims: Vec<usize> = bytes[4..header_len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let available = bytes.len() - header_len;
    match expected {
        Some(n) if n == available => Ok(IdxArray { dims, data: bytes[header_len..].to_vec() }),
        Some(n) if n > available => Err(DataError::corrupt(
            path,
            format!("truncated: header {dims:?} needs {n} bytes of data, the file has {available}"),
        )),
        Some(n) => Err(DataError::corrupt(
            path,
            format!(
                "header {dims:?} needs {n} bytes of data, the file has {available} ({} too many)",
                available - n
            ),
        )),
        None => Err(DataError::corrupt(path, format!("header dimensions {dims:?} overflow"))),
    }
}

/// Reads and parses an IDX file (raw or gzipped).
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    parse_idx(&read_maybe_gzipped(path)?, path)
}

/// Builds a data set from an images file and a labels file: images scaled to
/// [0, 1], labels checked to be below `classes`, counts checked to agree.
pub fn load_idx_pair(images: &Path, labels: &Path, classes: usize, name: &str) -> Result<Dataset, DataError> {
    let image_array = read_idx(images)?;
    let label_array = read_idx(labels)?;
    if image_array.dims.len() < 2 {
        return Err(DataError::corrupt(
            images,
            format!("images need at least 2 dimensions, header has {:?}", image_array.dims),
        ));
    }
    if label_array.dims.len() != 1 {
        return Err(DataError::corrupt(
            labels,
            format!("labels need 1 dimension, header has {:?}", label_array.dims),
        ));
    }
    let count = image_array.dims[0];
    if label_array.dims[0] != count {
        return Err(DataError::corrupt(
            labels,
            format!("{} labels for {count} images in {}", label_array.dims[0], images.display()),
        ));
    }
    if let Some(at) = label_array.data.iter().position(|&l| l as usize >= classes) {
        return Err(DataError::corrupt(
            labels,
            format!("label {} at index {at} is not below {classes}", label_array.data[at]),
        ));
    }
    let n_features = image_array.dims[1..].iter().product();
    Ok(Dataset {
        name: name.to_string(),
        features: image_array.data.iter().map(|&v| v as f32 / 255.0).collect(),
        labels: label_array.data.iter().map(|&l| l as usize).collect(),
        n_features,
        classes,
    })
}

/// MNIST's training and test sets.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// The 60,000 training images (split off a validation set with [`Dataset::split_last`]).
    pub train: Dataset,
    /// The 10,000 test images.
    pub test: Dataset,
}

/// The standard file stems; each is looked for as is and with `.gz`.
pub const MNIST_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// Finds `stem` or `stem.gz` in `folder`.
fn find(folder: &Path, stem: &str) -> Result<PathBuf, DataError> {
    let candidates = [folder.join(stem), folder.join(format!("{stem}.gz"))];
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| DataError {
        path: folder.join(stem),
        problem: Problem::Missing(format!("neither {stem} nor {stem}.gz is in {}", folder.display())),
    })
}

/// Loads MNIST, or Fashion-MNIST (same format and names), from `folder`.
/// `name` labels the data sets in reports.
pub fn load_mnist(folder: &Path, name: &str) -> Result<Mnist, DataError> {
    let [train_x, train_y, test_x, test_y] = MNIST_FILES.map(|stem| find(folder, stem));
    Ok(Mnist {
        train: load_idx_pair(&train_x?, &train_y?, MNIST_CLASSES, &format!("{name} train"))?,
        test: load_idx_pair(&test_x?, &test_y?, MNIST_CLASSES, &format!("{name} test"))?,
    })
}
