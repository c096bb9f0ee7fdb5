//! Fig. 12: test error during training on image data (MNIST, CIFAR-10, or
//! Fashion-MNIST standing in for MNIST), one chart per data set.

use super::shared::orderings::{curves, final_table, ordering_checks};
use super::shared::runs::{best_image_runs, image_jobs};
use super::{figure, section, Context, Study};
use crate::job::AnyJob;
use crate::plan::Plan;
use crate::report::Section;
use crate::training::RunResult;

/// The study.
pub struct Fig12;

impl Study for Fig12 {
    fn command(&self) -> &'static str {
        "fig12"
    }
    fn about(&self) -> &'static str {
        "Fig. 12: error curves on MNIST / CIFAR-10 (or Fashion-MNIST when that is at hand)."
    }
    fn title(&self) -> &'static str {
        "Test error during training on image data"
    }
    fn paper_figure(&self) -> &'static str {
        "on MNIST and CIFAR-10 the curves keep Table 1's ordering with sigmoid on top; on MNIST the gaps among the other networks are within noise."
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        image_jobs(plan)
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        vec![fig12(&best_image_runs(ctx), ctx.dir)]
    }
}

/// The section, from the selected runs of each image data set.
pub fn fig12(by_data: &[(String, Vec<RunResult>)], dir: &std::path::Path) -> Section {
    let mut s = section(&Fig12);
    if by_data.is_empty() {
        s.text.push(
            "No image data was at hand: pass --mnist DIR (MNIST's four IDX files) or --cifar DIR (CIFAR-10 binaries), or install Debian's dataset-fashion-mnist."
                .into(),
        );
        return s;
    }
    for (data, runs) in by_data {
        if data.contains("fashion") {
            s.text.push(
                "Fashion-MNIST stands in for MNIST here (same format and sizes, a harder task): absolute errors are not comparable with the paper's MNIST column; orderings are.".into(),
            );
        }
        let stem = format!("fig12_{}", data.replace(' ', "_"));
        figure(&mut s, dir, &stem, &curves(runs, &format!("Fig. 12: {data} test error")));
        s.tables.push(final_table(runs));
        s.checks.extend(ordering_checks(runs, data));
    }
    s
}
