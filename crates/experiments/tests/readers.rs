//! The IDX and CIFAR-10 readers on files the tests write and on corrupted
//! copies (the real Fashion-MNIST files: `tests/fashion_mnist.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use experiments::data::cifar::{load_cifar10, parse_cifar_batch};
use experiments::data::idx::{load_idx_pair, load_mnist, parse_idx};
use experiments::data::{BatchSource, DataError, Minibatches, Problem};
use proptest::prelude::*;

mod common;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-readers-{}-{name}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn idx_folders_load_raw_and_gzipped() {
    for gzipped in [false, true] {
        let folder = scratch(&format!("mnist-{gzipped}"));
        common::write_mnist(&folder, 12, gzipped);
        let mnist = load_mnist(&folder, "tiny").unwrap();
        assert_eq!((mnist.train.len(), mnist.train.n_features, mnist.train.classes), (12, 6, 10));
        assert_eq!(mnist.train.features[..3], [0.0, 1.0 / 255.0, 2.0 / 255.0]);
        assert_eq!(mnist.train.labels[11], 1);
        let (train, valid) = mnist.train.split_last(4, "train", "valid").unwrap();
        assert_eq!((train.len(), valid.len()), (8, 4));
        assert_eq!(valid.labels, vec![8, 9, 0, 1], "validation is the last examples");
    }
}

#[test]
fn a_missing_file_names_what_was_looked_for() {
    let folder = scratch("empty");
    let err = load_mnist(&folder, "none").unwrap_err();
    assert!(matches!(err.problem, Problem::Missing(_)));
    let msg = err.to_string();
    assert!(msg.contains("train-images-idx3-ubyte") && msg.contains(".gz"), "{msg}");
}

fn idx_error(bytes: &[u8]) -> String {
    parse_idx(bytes, Path::new("some/file-idx3-ubyte")).unwrap_err().to_string()
}

#[test]
fn corrupt_idx_files_say_what_is_wrong() {
    let good = common::idx_bytes(&[2, 2, 2], &[1; 8]);
    assert!(idx_error(&good[..2]).contains("shorter than the 4-byte magic"));
    let mut bad_magic = good.clone();
    bad_magic[0] = 7;
    assert!(idx_error(&bad_magic).contains("magic"));
    let mut bad_type = good.clone();
    bad_type[2] = 0x0d;
    assert!(idx_error(&bad_type).contains("0x0d"));
    assert!(idx_error(&good[..9]).contains("dimensions"));
    let msg = idx_error(&good[..good.len() - 3]);
    assert!(msg.contains("truncated") && msg.contains("some/file-idx3-ubyte"), "{msg}");
    assert!(idx_error(&[good.clone(), vec![0; 5]].concat()).contains("5 too many"));
    let huge = common::idx_bytes(&[u32::MAX, u32::MAX, u32::MAX], &[]);
    let msg = idx_error(&huge);
    assert!(msg.contains("overflow") || msg.contains("truncated"), "{msg}");
}

#[test]
fn inconsistent_pairs_and_bad_labels_name_the_file() {
    let folder = scratch("pairs");
    let (images, labels, short_labels, bad_labels) =
        (folder.join("img"), folder.join("lab"), folder.join("short"), folder.join("bad"));
    fs::write(&images, common::idx_bytes(&[3, 2, 2], &[0; 12])).unwrap();
    fs::write(&labels, common::idx_bytes(&[3], &[0, 1, 2])).unwrap();
    fs::write(&short_labels, common::idx_bytes(&[2], &[0, 1])).unwrap();
    fs::write(&bad_labels, common::idx_bytes(&[3], &[0, 12, 2])).unwrap();
    assert!(load_idx_pair(&images, &labels, 10, "ok").is_ok());
    let msg = load_idx_pair(&images, &short_labels, 10, "x").unwrap_err().to_string();
    assert!(msg.contains("short") && msg.contains("2 labels for 3 images"), "{msg}");
    let msg = load_idx_pair(&images, &bad_labels, 10, "x").unwrap_err().to_string();
    assert!(msg.contains("bad") && msg.contains("label 12 at index 1"), "{msg}");
    // A truncated gzip stream.
    let gz = folder.join("truncated.gz");
    let packed = common::gzip(&common::idx_bytes(&[3], &[0, 1, 2]));
    fs::write(&gz, &packed[..packed.len() / 2]).unwrap();
    let msg = load_idx_pair(&images, &gz, 10, "x").unwrap_err().to_string();
    assert!(msg.contains("truncated.gz") && msg.contains("gzip"), "{msg}");
}

#[test]
fn cifar_batches_parse_and_reject_corruption() {
    let record = |label: u8| [vec![label], vec![128u8; 3072]].concat();
    let bytes = [record(3), record(9)].concat();
    let (features, labels) = parse_cifar_batch(&bytes, Path::new("b.bin")).unwrap();
    assert_eq!((features.len(), labels), (2 * 3072, vec![3, 9]));
    assert!((features[0] - 128.0 / 255.0).abs() < 1e-7);
    let msg = parse_cifar_batch(&bytes[..4000], Path::new("b.bin")).unwrap_err().to_string();
    assert!(msg.contains("b.bin") && msg.contains("3073-byte records"), "{msg}");
    let msg = parse_cifar_batch(&record(10), Path::new("b.bin")).unwrap_err().to_string();
    assert!(msg.contains("label 10"), "{msg}");

    let folder = scratch("cifar");
    for i in 1..=5 {
        fs::write(folder.join(format!("data_batch_{i}.bin")), [record(i), record(0)].concat()).unwrap();
    }
    let err = load_cifar10(&folder).unwrap_err();
    assert!(err.to_string().contains("test_batch.bin"), "{err}");
    fs::write(folder.join("test_batch.bin"), record(7)).unwrap();
    let cifar = load_cifar10(&folder).unwrap();
    assert_eq!((cifar.train.len(), cifar.test.len(), cifar.train.n_features), (10, 1, 3072));
    assert_eq!(cifar.train.labels[..4], [1, 0, 2, 0]);
}

#[test]
fn minibatches_cover_each_example_once_per_pass_and_reshuffle() {
    let folder = scratch("batches");
    common::write_mnist(&folder, 25, false);
    let data = load_mnist(&folder, "tiny").unwrap().train;
    let mut pass = Minibatches::one_pass(&data, 1);
    let mut seen = vec![];
    while let Some(batch) = pass.next_batch(10) {
        assert!(batch.x.shape()[0] <= 10);
        seen.extend(batch.labels);
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(pass.epochs, 1);
    let mut sorted = seen.clone();
    sorted.sort();
    let mut expected = data.labels.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    let order = |seed| {
        let mut m = Minibatches::endless(&data, seed);
        (0..6).flat_map(|_| m.next_batch(10).unwrap().labels).collect::<Vec<_>>()
    };
    assert_eq!(order(3), order(3));
    assert_ne!(order(3), order(4));
    let mut endless = Minibatches::endless(&data, 3);
    for _ in 0..9 {
        endless.next_batch(10).unwrap();
    }
    assert_eq!(endless.epochs, 3);
}

/// A corruption of a valid file: cut it, flip bytes, or rewrite header bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(Vec<(usize, u8)>),
    Header(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..200).prop_map(Mutation::Truncate),
        proptest::collection::vec((0usize..200, 1u8..=255), 1..6).prop_map(Mutation::Flip),
        (0usize..16, any::<u8>()).prop_map(|(i, v)| Mutation::Header(i, v)),
    ]
}

fn apply(bytes: &[u8], m: &Mutation) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match m {
        Mutation::Truncate(at) => out.truncate(*at % (bytes.len() + 1)),
        Mutation::Flip(flips) => flips.iter().for_each(|&(i, x)| out[i % bytes.len()] ^= x),
        Mutation::Header(i, v) => out[*i % bytes.len().min(16)] = *v,
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Mutated files give an error or a consistent data set — never a panic.
    #[test]
    fn mutated_files_never_panic(m in mutation(), gzipped in any::<bool>(), mutate_labels in any::<bool>()) {
        let folder = scratch("fuzz");
        let n = 6;
        let images = common::idx_bytes(&[n, 3, 3], &(0..54).map(|v| v as u8).collect::<Vec<_>>());
        let labels = common::idx_bytes(&[n], &[0, 1, 2, 3, 4, 5]);
        // Mutate one file, in the form it is stored (the compressed bytes when gzipped).
        let stored = |raw: Vec<u8>| if gzipped { common::gzip(&raw) } else { raw };
        let (img, lab) = if mutate_labels {
            (images, apply(&stored(labels), &m))
        } else {
            (apply(&stored(images), &m), labels)
        };
        let (img_path, lab_path) = (folder.join("img"), folder.join("lab"));
        fs::write(&img_path, &img).unwrap();
        fs::write(&lab_path, &lab).unwrap();
        match load_idx_pair(&img_path, &lab_path, 10, "fuzz") {
            Ok(data) => {
                prop_assert_eq!(data.features.len(), data.len() * data.n_features);
                prop_assert!(data.labels.iter().all(|&l| l < 10));
                prop_assert!(data.features.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            Err(DataError { path, .. }) => prop_assert!(path == img_path || path == lab_path),
        }
        let cifar = apply(&[vec![3u8], vec![7u8; 3072]].concat(), &m);
        if let Ok((features, labels)) = parse_cifar_batch(&cifar, Path::new("c.bin")) {
            prop_assert_eq!(features.len(), labels.len() * 3072);
        }
    }
}
