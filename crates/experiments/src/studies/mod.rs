//! The studies: each figure, Table 1, the Jacobian study and the two teaching
//! lessons is one module holding one [`Study`] — its jobs, its typed results,
//! its report sections and its criteria. The runner, the report and the CLI
//! know studies only through this trait and [`StudyId`].
//!
//! Adding a study: write its file (a type implementing [`Study`]) and add one
//! line, `module::Type`, to the list below; the CLI, `reproduce`, resume,
//! shards and merge pick it up. What several studies share (the training runs
//! and their searches, the initialization probes, Table 1's orderings) is in
//! [`shared`].

/// Declares each study's module and [`StudyId`]: one variant per line, named
/// as the study's type, in the report's order.
macro_rules! studies {
    ($($module:ident :: $study:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// A study, by name. Serialized as its type's name in `config.json`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[allow(missing_docs)] // each study's own docs describe it
        pub enum StudyId {
            $($study),*
        }

        impl StudyId {
            /// Every study, in the report's order.
            pub const ALL: &'static [StudyId] = &[$(StudyId::$study),*];

            /// The study itself.
            pub fn study(self) -> &'static dyn Study {
                match self {
                    $(StudyId::$study => &$module::$study),*
                }
            }
        }
    };
}

studies! {
    fig2::Fig2,
    fig3::Fig3,
    fig4::Fig4,
    fig5::Fig5,
    fig6::Fig6,
    fig7::Fig7,
    fig8::Fig8,
    fig9::Fig9,
    fig10::Fig10,
    fig11::Fig11,
    fig12::Fig12,
    table1::Table1,
    jacobian::Jacobian,
    headline::Headline,
    reproduce::Reproduce,
    nielsen::Nielsen,
    cs231n::InitDemo,
}

pub mod shared;

impl StudyId {
    /// Its subcommand: `fig2`, `table1`, `init-demo`, ...
    pub fn command(self) -> &'static str {
        self.study().command()
    }

    /// The study whose subcommand is `command`.
    pub fn from_command(command: &str) -> Option<StudyId> {
        StudyId::ALL.iter().copied().find(|id| id.command() == command)
    }
}

use std::path::Path;

use serde::{Deserialize, Serialize};

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
