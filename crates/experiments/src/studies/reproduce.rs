//! `reproduce`: every study of the paper in one run folder and one report.

use super::{Context, Study};
use crate::job::AnyJob;
use crate::plan::Plan;
use crate::studies::StudyId;
use crate::report::Section;

/// The paper's studies together.
pub struct Reproduce;

/// The studies `reproduce` runs, in the report's order.
fn paper_studies() -> impl Iterator<Item = &'static dyn Study> {
    StudyId::ALL.iter().map(|id| id.study()).filter(|s| s.in_reproduction() && s.command() != "reproduce")
}

impl Study for Reproduce {
    fn command(&self) -> &'static str {
        "reproduce"
    }
    fn about(&self) -> &'static str {
        "Every study of the paper above, into one report."
    }
    fn title(&self) -> &'static str {
        "Glorot & Bengio (2010), every study"
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        paper_studies().flat_map(|s| s.jobs(plan)).collect()
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        paper_studies().flat_map(|s| s.sections(ctx)).collect()
    }
}
