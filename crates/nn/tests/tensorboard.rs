//! TensorBoard event files read back: records, CRCs, scalars, histogram
//! buckets, and what a resume keeps.

use std::fs;
use std::path::PathBuf;

use nn::probe::{ProbeConfig, Summary};
use nn::tensorboard::{event_files, read_events, Event, EventKind, HistogramProto, SummaryWriter, ValueKind};

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-tensorboard-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// (step, tag, scalar) of every scalar in `events`.
fn scalars(events: &[Event]) -> Vec<(i64, String, f32)> {
    let mut out = vec![];
    for event in events {
        if let Some(EventKind::Summary(summary)) = &event.what {
            for value in &summary.value {
                if let Some(ValueKind::SimpleValue(v)) = value.kind {
                    out.push((event.step, value.tag.clone(), v));
                }
            }
        }
    }
    out
}

/// The TensorFlow record framing, checked by hand: length, masked CRC-32C of
/// the length, data, masked CRC-32C of the data.
fn records(bytes: &[u8]) -> Vec<&[u8]> {
    let masked = |b: &[u8]| crc32c::crc32c(b).rotate_right(15).wrapping_add(0xa282_ead8);
    let (mut at, mut out) = (0, vec![]);
    while at < bytes.len() {
        let length = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        assert_eq!(
            masked(&bytes[at..at + 8]),
            u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap())
        );
        let data = &bytes[at + 12..at + 12 + length];
        let crc = u32::from_le_bytes(bytes[at + 12 + length..at + 16 + length].try_into().unwrap());
        assert_eq!(masked(data), crc);
        out.push(data);
        at += 16 + length;
    }
    out
}

#[test]
fn scalars_and_histograms_read_back_with_their_steps() {
    let dir = folder("read-back");
    let mut writer = SummaryWriter::create(&dir).unwrap();
    for step in [0, 10, 20] {
        writer.add_scalar("error/test", 0.5 - step as f64 / 100.0, step).unwrap();
    }
    let values: Vec<f64> = (0..100).map(|i| (i as f64 - 50.0) / 10.0).collect();
    writer.add_histogram("layer1/activation", &values, 20).unwrap();
    writer.flush().unwrap();

    let bytes = fs::read(writer.path()).unwrap();
    assert_eq!(records(&bytes).len(), 5, "the version event, three scalars, one histogram");
    let events = read_events(writer.path()).unwrap();
    assert_eq!(events[0].what, Some(EventKind::FileVersion("brain.Event:2".into())));
    assert_eq!(
        scalars(&events),
        vec![(0, "error/test".into(), 0.5), (10, "error/test".into(), 0.4), (20, "error/test".into(), 0.3)]
    );
    let Some(EventKind::Summary(summary)) = &events[4].what else { panic!("a summary") };
    let Some(ValueKind::Histo(h)) = &summary.value[0].kind else { panic!("a histogram") };
    assert_eq!((summary.value[0].tag.as_str(), events[4].step), ("layer1/activation", 20));
    assert_eq!((h.min, h.max, h.num), (-5.0, 4.9, 100.0));
    assert!((h.sum - values.iter().sum::<f64>()).abs() < 1e-9);
    assert_eq!(h.bucket.iter().sum::<f64>(), 100.0);
    assert_eq!(h.bucket.len(), h.bucket_limit.len());
    assert!(h.bucket_limit.windows(2).all(|w| w[0] < w[1]), "bucket limits increase");
    assert_eq!(*h.bucket_limit.last().unwrap(), 4.9);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_probe_summary_keeps_its_bins_and_moments() {
    let values: Vec<f64> = (0..1000).map(|i| ((i * 37) % 200) as f64 / 100.0 - 1.0).collect();
    let summary = Summary::of(&values, &ProbeConfig::default(), Some((-0.5, 0.5)));
    let h = HistogramProto::of_summary(&summary);
    assert_eq!(h.num, 1000.0);
    assert_eq!(h.bucket.iter().sum::<f64>(), 1000.0, "below and above the range are buckets too");
    assert!(h.bucket_limit.windows(2).all(|w| w[0] < w[1]));
    let mean = values.iter().sum::<f64>() / 1000.0;
    let squares = values.iter().map(|v| v * v).sum::<f64>();
    assert!((h.sum - 1000.0 * mean).abs() < 1e-9 && (h.sum_squares - squares).abs() < 1e-6);
}

#[test]
fn a_corrupt_or_truncated_file_is_an_error_naming_it() {
    let dir = folder("corrupt");
    let mut writer = SummaryWriter::create(&dir).unwrap();
    writer.add_scalar("loss", 1.0, 1).unwrap();
    writer.flush().unwrap();
    let path = writer.path().to_path_buf();
    drop(writer);
    let good = fs::read(&path).unwrap();

    let mut flipped = good.clone();
    let last = flipped.len() - 6;
    flipped[last] ^= 0x40;
    fs::write(&path, &flipped).unwrap();
    let err = read_events(&path).unwrap_err().to_string();
    assert!(err.contains(&path.display().to_string()) && err.contains("CRC"), "{err}");

    fs::write(&path, &good[..good.len() - 3]).unwrap();
    let err = read_events(&path).unwrap_err().to_string();
    assert!(err.contains(&path.display().to_string()) && err.contains("ends inside a record"), "{err}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_resume_drops_the_steps_after_its_checkpoint_and_continues() {
    let dir = folder("resume");
    let mut writer = SummaryWriter::create(&dir).unwrap();
    for step in 0..6 {
        writer.add_scalar("loss", step as f64, step).unwrap();
    }
    writer.flush().unwrap();
    let first = writer.path().to_path_buf();
    drop(writer);
    // Killed mid-write: a record cut off at the end.
    let mut bytes = fs::read(&first).unwrap();
    bytes.extend_from_slice(&[7, 0, 0]);
    fs::write(&first, bytes).unwrap();

    // The checkpoint was at step 3: steps 4 and 5 are trained again.
    let mut resumed = SummaryWriter::resume(&dir, 3).unwrap();
    for step in 4..8 {
        resumed.add_scalar("loss", step as f64, step).unwrap();
    }
    resumed.flush().unwrap();
    let files = event_files(&dir).unwrap();
    assert_eq!(files, vec![resumed.path().to_path_buf()], "one file, the old one removed");
    let steps: Vec<i64> = scalars(&read_events(&files[0]).unwrap()).iter().map(|s| s.0).collect();
    assert_eq!(steps, (0..8).collect::<Vec<_>>(), "every step once");
    fs::remove_dir_all(&dir).unwrap();
}
