//! The studies: each figure, Table 1, the Jacobian study and the two teaching
//! lessons is one module holding one [`Study`] — its jobs, its typed results,
//! its report sections and its criteria. [`crate::registry`] lists them; the
//! runner, the report and the CLI know studies only through this trait.
//!
//! Adding a study: write a module with a type implementing [`Study`], declare
//! the module here, and add one line to the registry.

pub mod cs231n;
pub mod errors;
pub mod fig10;
pub mod fig11;
pub mod fig12;
pub mod fig2;
pub mod fig3;
pub mod fig4;
pub mod fig5;
pub mod fig6;
pub mod fig7;
pub mod fig8;
pub mod fig9;
pub mod headline;
pub mod init;
pub mod jacobian;
pub mod nielsen;
pub mod reproduce;
pub mod runs;
pub mod table1;

use std::path::Path;

use crate::job::{AnyJob, Parts};
use crate::plan::Plan;
use crate::plot::{self, Chart, Line};
use crate::report::{Figure, Section};

/// One study: what it computes and how it reports it.
pub trait Study: Sync {
    /// Its subcommand and section id: `fig2`, `table1`, `nielsen`, ...
    fn command(&self) -> &'static str;
    /// One line for `--help`.
    fn about(&self) -> &'static str;
    /// The heading of its report section.
    fn title(&self) -> &'static str;
    /// The jobs it needs for `plan`. Equal keys across studies are computed once.
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>>;
    /// Its report sections, from the parts its jobs saved (a section says what
    /// is missing when they are not all there).
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section>;
    /// The report's title when this study is run alone.
    fn report_title(&self) -> &'static str {
        "Glorot & Bengio (2010), reproduced with gradlab"
    }
    /// One sentence on what the paper's (or the lesson's) figure shows, printed
    /// under each of this study's figures beside what ours shows ("" when none).
    fn paper_figure(&self) -> &'static str {
        ""
    }
    /// Whether `reproduce` includes it (the paper's studies do, the lessons do not).
    fn in_reproduction(&self) -> bool {
        true
    }
}

/// What a study renders from: the plan its jobs came from, the run folder's
/// parts, and the folder the figures go to.
pub struct Context<'a> {
    /// The run's plan.
    pub plan: &'a Plan,
    /// The saved parts.
    pub parts: &'a Parts,
    /// The run folder.
    pub dir: &'a Path,
}

/// The section of `study` when the parts it needs are not in the run folder.
pub fn missing(study: &dyn Study, what: &str) -> Section {
    Section {
        id: study.command().into(),
        title: study.title().into(),
        text: vec![format!("Not computed in this run folder: it needs {what}.")],
        ..Section::default()
    }
}

/// An empty section of `study`, to fill in.
pub fn section(study: &dyn Study) -> Section {
    Section {
        id: study.command().into(),
        title: study.title().into(),
        paper_figure: study.paper_figure().into(),
        ..Section::default()
    }
}

/// Draws `chart` into `dir` as `stem`.svg/.png and lists it in `section`; a
/// drawing failure becomes a line of the section's text instead of an error.
pub(crate) fn figure(section: &mut Section, dir: &Path, stem: &str, chart: &Chart) {
    match plot::save(chart, dir, stem) {
        Ok(()) => section.figures.push(Figure { file: stem.to_string(), caption: chart.title.clone() }),
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

/// Formats a list of numbers compactly.
pub(crate) fn list(values: &[f64], digits: usize) -> String {
    values.iter().map(|v| format!("{v:.digits$}")).collect::<Vec<_>>().join(", ")
}

/// Formats a list of small numbers in scientific notation.
pub(crate) fn sci(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v:.2e}")).collect::<Vec<_>>().join(", ")
}
