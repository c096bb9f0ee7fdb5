//! TensorBoard event files: watch a training run while it goes, with
//! `tensorboard --logdir DIR`.
//!
//! A [`SummaryWriter`] appends scalars (a loss, an error rate, the learning
//! rate) and histograms (a layer's activations or gradients — the paper's
//! Figs. 3–9 as they develop) to an event file in a folder; one folder per
//! training run lets TensorBoard draw runs side by side.
//!
//! ```
//! use nn::tensorboard::{read_events, SummaryWriter};
//!
//! let dir = std::env::temp_dir().join(format!("gradlab-tb-doc-{}", std::process::id()));
//! let mut writer = SummaryWriter::create(&dir).unwrap();
//! for step in 0..3 {
//!     writer.add_scalar("train/loss", 1.0 / (1.0 + step as f64), step).unwrap();
//! }
//! writer.add_histogram("layer1/activation", &[-0.5, 0.1, 0.2, 0.9], 2).unwrap();
//! writer.flush().unwrap();
//! let events = read_events(writer.path()).unwrap();
//! assert_eq!(events.len(), 1 + 3 + 1); // the file's version, three scalars, one histogram
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! The format is TensorFlow's: a file of records, each a little-endian u64
//! length, its masked CRC-32C, the bytes of one `Event` protocol buffer and
//! their masked CRC-32C. The messages below are the fields of TensorFlow's
//! `event.proto` and `summary.proto` that these files use, encoded with prost.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

use crate::probe::{Histogram, Summary as ProbeSummary};

/// One record of an event file (TensorFlow's `Event`).
#[derive(Clone, PartialEq, Message)]
pub struct Event {
    /// Seconds since the Unix epoch when it was written.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The training step it belongs to.
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// What it holds.
    #[prost(oneof = "EventKind", tags = "3, 5")]
    pub what: Option<EventKind>,
}

/// What an [`Event`] holds.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum EventKind {
    /// The first event of a file: its format, `brain.Event:2`.
    #[prost(string, tag = "3")]
    FileVersion(String),
    /// Tagged values.
    #[prost(message, tag = "5")]
    Summary(SummaryProto),
}

/// Tagged values of one step (TensorFlow's `Summary`).
#[derive(Clone, PartialEq, Message)]
pub struct SummaryProto {
    /// The values.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<Value>,
}

/// One tagged value (TensorFlow's `Summary.Value`).
#[derive(Clone, PartialEq, Message)]
pub struct Value {
    /// Its name, `/` separating groups (`layer1/activation`).
    #[prost(string, tag = "1")]
    pub tag: String,
    /// A scalar or a histogram.
    #[prost(oneof = "ValueKind", tags = "2, 5")]
    pub kind: Option<ValueKind>,
}

/// A [`Value`]'s data.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum ValueKind {
    /// A scalar (stored as f32, as TensorBoard does).
    #[prost(float, tag = "2")]
    SimpleValue(f32),
    /// A histogram.
    #[prost(message, tag = "5")]
    Histo(HistogramProto),
}

/// A histogram (TensorFlow's `HistogramProto`): bucket i counts the values in
/// (`bucket_limit[i-1]`, `bucket_limit[i]`].
#[derive(Clone, PartialEq, Message)]
pub struct HistogramProto {
    /// Smallest value.
    #[prost(double, tag = "1")]
    pub min: f64,
    /// Largest value.
    #[prost(double, tag = "2")]
    pub max: f64,
    /// Number of values.
    #[prost(double, tag = "3")]
    pub num: f64,
    /// Their sum.
    #[prost(double, tag = "4")]
    pub sum: f64,
    /// The sum of their squares.
    #[prost(double, tag = "5")]
    pub sum_squares: f64,
    /// Upper edge of each bucket, increasing.
    #[prost(double, repeated, tag = "6")]
    pub bucket_limit: Vec<f64>,
    /// Count of each bucket.
    #[prost(double, repeated, tag = "7")]
    pub bucket: Vec<f64>,
}

/// Buckets of [`SummaryWriter::add_histogram`].
const BUCKETS: usize = 30;

impl HistogramProto {
    /// The histogram of `values` in 30 equal buckets from min to max
    /// (non-finite values are left out; none at all gives an empty histogram).
    pub fn of(values: &[f64]) -> Self {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let (min, max) =
            finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let mut histogram = HistogramProto {
            num: finite.len() as f64,
            sum: finite.iter().sum(),
            sum_squares: finite.iter().map(|v| v * v).sum(),
            ..Default::default()
        };
        if finite.is_empty() {
            return histogram;
        }
        (histogram.min, histogram.max) = (min, max);
        if min == max {
            histogram.bucket_limit.push(max);
            histogram.bucket.push(finite.len() as f64);
        } else {
            histogram.add_bins(&Histogram::new(&finite, min, max, BUCKETS));
        }
        histogram
    }

    /// A probe's summary as a histogram: its bins, with the values below and
    /// above their range in a bucket each, and its count, sum and sum of
    /// squares from its mean and standard deviation.
    pub fn of_summary(summary: &ProbeSummary) -> Self {
        let n = summary.count as f64;
        let mut histogram = HistogramProto {
            min: summary.min,
            max: summary.max,
            num: n,
            sum: summary.mean * n,
            sum_squares: (summary.std * summary.std + summary.mean * summary.mean) * n,
            ..Default::default()
        };
        histogram.add_bins(&summary.histogram);
        histogram
    }

    /// Appends the buckets of a probe's fixed-bin histogram: one for the
    /// values below its range (up to `low`), one per bin (up to its right
    /// edge), one for the values above (up to this histogram's `max`).
    fn add_bins(&mut self, h: &Histogram) {
        if h.below > 0 {
            self.bucket_limit.push(h.low);
            self.bucket.push(h.below as f64);
        }
        let width = (h.high - h.low) / h.counts.len().max(1) as f64;
        for (i, &count) in h.counts.iter().enumerate() {
            self.bucket_limit.push(h.low + (i + 1) as f64 * width);
            self.bucket.push(count as f64);
        }
        if h.above > 0 {
            let last = self.bucket_limit.last().copied().unwrap_or(h.high);
            self.bucket_limit.push(self.max.max(last + width.abs().max(f64::EPSILON)));
            self.bucket.push(h.above as f64);
        }
    }
}

/// Writes one event file in a folder.
pub struct SummaryWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl SummaryWriter {
    /// Creates `dir` (if needed) and a new event file in it.
    pub fn create(dir: impl AsRef<Path>) -> io::Result<Self> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| in_file(dir, e))?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // TensorBoard reads every file whose name holds "tfevents", in name order.
        let name = format!("events.out.tfevents.{:010}.{:09}.gradlab", now.as_secs(), now.subsec_nanos());
        let path = dir.join(name);
        let out = BufWriter::new(File::create(&path).map_err(|e| in_file(&path, e))?);
        let mut writer = SummaryWriter { out, path };
        writer.write(0, EventKind::FileVersion("brain.Event:2".into()))?;
        Ok(writer)
    }

    /// Continues the event files of `dir` after a resume from step `step`:
    /// their events up to `step` are copied into a new file and the old files
    /// removed, so the steps written after the checkpoint and before the
    /// interruption are not shown twice. A record cut off at the end of a
    /// file (an interrupted write) is dropped; a corrupt one is an error
    /// naming the file.
    pub fn resume(dir: impl AsRef<Path>, step: i64) -> io::Result<Self> {
        let dir = dir.as_ref();
        let old = event_files(dir)?;
        let mut kept = vec![];
        for file in &old {
            let events = read_events_allowing_cut(file)?;
            kept.extend(
                events
                    .into_iter()
                    .filter(|e| e.step <= step && matches!(e.what, Some(EventKind::Summary(_)))),
            );
        }
        let mut writer = SummaryWriter::create(dir)?;
        for event in kept {
            writer.write_event(&event)?;
        }
        writer.flush()?;
        for file in old {
            fs::remove_file(&file).map_err(|e| in_file(&file, e))?;
        }
        Ok(writer)
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the scalar `value` under `tag` at `step`.
    pub fn add_scalar(&mut self, tag: &str, value: f64, step: i64) -> io::Result<()> {
        self.add(step, vec![Value { tag: tag.into(), kind: Some(ValueKind::SimpleValue(value as f32)) }])
    }

    /// Appends the histogram of `values` under `tag` at `step`.
    pub fn add_histogram(&mut self, tag: &str, values: &[f64], step: i64) -> io::Result<()> {
        self.add_histogram_proto(tag, HistogramProto::of(values), step)
    }

    /// Appends a histogram already binned under `tag` at `step`.
    pub fn add_histogram_proto(&mut self, tag: &str, histogram: HistogramProto, step: i64) -> io::Result<()> {
        self.add(step, vec![Value { tag: tag.into(), kind: Some(ValueKind::Histo(histogram)) }])
    }

    /// Appends several tagged values of one step in one event.
    pub fn add(&mut self, step: i64, values: Vec<Value>) -> io::Result<()> {
        self.write(step, EventKind::Summary(SummaryProto { value: values }))
    }

    /// Writes what is buffered to the file, so TensorBoard sees it.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush().map_err(|e| in_file(&self.path, e))
    }

    fn write(&mut self, step: i64, what: EventKind) -> io::Result<()> {
        let wall_time = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
        self.write_event(&Event { wall_time, step, what: Some(what) })
    }

    fn write_event(&mut self, event: &Event) -> io::Result<()> {
        let data = event.encode_to_vec();
        let length = (data.len() as u64).to_le_bytes();
        let mut record = Vec::with_capacity(data.len() + 16);
        record.extend_from_slice(&length);
        record.extend_from_slice(&masked_crc(&length).to_le_bytes());
        record.extend_from_slice(&data);
        record.extend_from_slice(&masked_crc(&data).to_le_bytes());
        self.out.write_all(&record).map_err(|e| in_file(&self.path, e))
    }
}

impl Drop for SummaryWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// The event files of `dir`, in name order (none if it does not exist).
pub fn event_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(vec![]);
    }
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| in_file(dir, e))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("tfevents")))
        .collect();
    files.sort();
    Ok(files)
}

/// Every event of an event file, each record's length and data checked
/// against their CRCs. A truncated or corrupt file is an error naming the file,
/// the record and what was wrong.
pub fn read_events(path: &Path) -> io::Result<Vec<Event>> {
    let (events, cut) = parse(path)?;
    match cut {
        Some(offset) => Err(corrupt(path, offset, "the file ends inside a record")),
        None => Ok(events),
    }
}

/// [`read_events`], but a record cut off at the end is dropped.
fn read_events_allowing_cut(path: &Path) -> io::Result<Vec<Event>> {
    Ok(parse(path)?.0)
}

/// The events of a file, and the offset of a record cut off at its end, if any.
fn parse(path: &Path) -> io::Result<(Vec<Event>, Option<usize>)> {
    let mut bytes = vec![];
    File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|e| in_file(path, e))?;
    let mut events = vec![];
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 12 {
            return Ok((events, Some(at)));
        }
        let (length, length_crc) = rest.split_at(8);
        if masked_crc(length) != u32::from_le_bytes(length_crc[..4].try_into().expect("4 bytes")) {
            return Err(corrupt(path, at, "the length's CRC does not match"));
        }
        let length = u64::from_le_bytes(length.try_into().expect("8 bytes")) as usize;
        let Some(record) = rest.get(12..12 + length + 4) else { return Ok((events, Some(at))) };
        let (data, data_crc) = record.split_at(length);
        if masked_crc(data) != u32::from_le_bytes(data_crc.try_into().expect("4 bytes")) {
            return Err(corrupt(path, at, "the data's CRC does not match"));
        }
        let event = Event::decode(data).map_err(|e| corrupt(path, at, &format!("not an Event: {e}")))?;
        events.push(event);
        at += 12 + length + 4;
    }
    Ok((events, None))
}

/// TensorFlow's masked CRC-32C: the CRC rotated right by 15 bits plus a constant.
fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = crc32c::crc32c(bytes);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

fn in_file(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn corrupt(path: &Path, offset: usize, what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: record at byte {offset}: {what}", path.display()))
}
