//! The paper's studies. Each computes its raw results (serializable, saved as a
//! "part" of the run) and turns them into report sections with figures and
//! pass/fail checks against PAPER.md's criteria.

pub mod cs231n;
pub mod dynamics;
pub mod errors;
pub mod init;
pub mod nielsen;
pub mod surface;

use std::path::Path;

use crate::plot::{self, Chart, Line};
use crate::report::Section;

/// Draws `chart` into `dir` as `stem`.svg/.png and lists it in `section`; a
/// drawing failure becomes a line of the section's text instead of an error.
pub(crate) fn figure(section: &mut Section, dir: &Path, stem: &str, chart: &Chart) {
    match plot::save(chart, dir, stem) {
        Ok(()) => section.figures.push(stem.to_string()),
        Err(e) => section.text.push(format!("(figure {stem} could not be drawn: {e})")),
    }
}

/// Histogram bins as a curve of normalized frequency against bin centre.
pub(crate) fn histogram_line(label: String, h: &nn::probe::Histogram) -> Line {
    let width = (h.high - h.low) / h.counts.len() as f64;
    let points =
        h.fractions().iter().enumerate().map(|(i, &f)| (h.low + (i as f64 + 0.5) * width, f)).collect();
    Line::new(label, points)
}

/// `a/b` formatted with three significant digits.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    a / b
}

/// Formats a list of numbers compactly.
pub(crate) fn list(values: &[f64], digits: usize) -> String {
    values.iter().map(|v| format!("{v:.digits$}")).collect::<Vec<_>>().join(", ")
}

/// Formats a list of small numbers in scientific notation.
pub(crate) fn sci(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v:.2e}")).collect::<Vec<_>>().join(", ")
}
