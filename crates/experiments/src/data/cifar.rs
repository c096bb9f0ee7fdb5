//! The CIFAR-10 binary version: `data_batch_1.bin` … `data_batch_5.bin` and
//! `test_batch.bin`, each a run of 3,073-byte records (one label byte, then
//! 1,024 red, 1,024 green and 1,024 blue bytes of a 32×32 image).

use std::fs;
use std::path::Path;

use super::dataset::Dataset;
use super::error::{DataError, Problem};

const RECORD: usize = 1 + 3 * 32 * 32;
/// CIFAR-10's number of classes.
pub const CIFAR_CLASSES: usize = 10;

/// Parses one binary batch file's bytes; `path` only names the file in errors.
pub fn parse_cifar_batch(bytes: &[u8], path: &Path) -> Result<(Vec<f32>, Vec<usize>), DataError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(DataError::corrupt(
            path,
            format!("{} bytes is not a whole number of {RECORD}-byte records (truncated?)", bytes.len()),
        ));
    }
    let mut features = Vec::with_capacity(bytes.len() / RECORD * (RECORD - 1));
    let mut labels = Vec::with_capacity(bytes.len() / RECORD);
    for (i, record) in bytes.chunks_exact(RECORD).enumerate() {
        let label = record[0] as usize;
        if label >= CIFAR_CLASSES {
            return Err(DataError::corrupt(
                path,
                format!("record {i} has label {label}, not below {CIFAR_CLASSES}"),
            ));
        }
        labels.push(label);
        features.extend(record[1..].iter().map(|&v| v as f32 / 255.0));
    }
    Ok((features, labels))
}

/// CIFAR-10's training and test sets.
#[derive(Debug, Clone)]
pub struct Cifar10 {
    /// The 50,000 training images (the paper keeps the last 10,000 for validation).
    pub train: Dataset,
    /// The 10,000 test images.
    pub test: Dataset,
}

fn load_files(folder: &Path, names: &[String], set: &str) -> Result<Dataset, DataError> {
    let mut features = vec![];
    let mut labels = vec![];
    for name in names {
        let path = folder.join(name);
        if !path.is_file() {
            return Err(DataError {
                path,
                problem: Problem::Missing(format!("CIFAR-10 binary file {name} not found")),
            });
        }
        let bytes = fs::read(&path).map_err(|e| DataError::io(&path, e))?;
        let (f, l) = parse_cifar_batch(&bytes, &path)?;
        features.extend(f);
        labels.extend(l);
    }
    Ok(Dataset {
        name: format!("cifar-10 {set}"),
        features,
        labels,
        n_features: RECORD - 1,
        classes: CIFAR_CLASSES,
    })
}

/// Loads CIFAR-10 from the folder holding the six `.bin` files, pixels in [0, 1].
pub fn load_cifar10(folder: &Path) -> Result<Cifar10, DataError> {
    let train_names: Vec<String> = (1..=5).map(|i| format!("data_batch_{i}.bin")).collect();
    Ok(Cifar10 {
        train: load_files(folder, &train_names, "train")?,
        test: load_files(folder, &["test_batch.bin".to_string()], "test")?,
    })
}
