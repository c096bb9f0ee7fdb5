//! Helpers shared by the integration tests (each test file uses some of them).
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::Path;

use experiments::data::idx::MNIST_FILES;
use flate2::write::GzEncoder;

/// An IDX file of unsigned bytes with these dimensions (the library's encoder).
pub use experiments::data::idx::encode_idx as idx_bytes;

/// `bytes`, gzipped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A tiny MNIST-format folder: `n` 2×3 images with pixel values i+j and labels i % 10.
pub fn write_mnist(folder: &Path, n: usize, gzipped: bool) {
    let images: Vec<u8> = (0..n * 6).map(|v| (v % 256) as u8).collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let files = [
        (MNIST_FILES[0], idx_bytes(&[n as u32, 2, 3], &images)),
        (MNIST_FILES[1], idx_bytes(&[n as u32], &labels)),
        (MNIST_FILES[2], idx_bytes(&[n as u32, 2, 3], &images)),
        (MNIST_FILES[3], idx_bytes(&[n as u32], &labels)),
    ];
    for (stem, bytes) in files {
        if gzipped {
            fs::write(folder.join(format!("{stem}.gz")), gzip(&bytes)).unwrap();
        } else {
            fs::write(folder.join(stem), bytes).unwrap();
        }
    }
}
