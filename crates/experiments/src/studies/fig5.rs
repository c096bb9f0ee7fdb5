//! Fig. 5: the training criterion as a function of two weights — one in the
//! first layer, one in the output layer — of a one-hidden-layer tanh network on
//! a random input and target signal; cross-entropy against the quadratic cost.
//! The paper: "clearly more severe plateaus with the quadratic cost".
//!
//! The outputs are sigmoid units with random binary targets, the classic setting
//! of this comparison: the quadratic cost's gradient carries a factor σ'(s) that
//! vanishes where an output saturates on the wrong side, the cross-entropy's not.

use std::path::Path;

use autograd::Tape;
use nn::loss::{quadratic, sigmoid_cross_entropy, Quadratic};
use serde::{Deserialize, Serialize};
use tensor::{Tensor, TensorRng};

use super::{missing, section, Context, Study};
use crate::error::Result;
use crate::job::{boxed, AnyJob, Inputs, Job};
use crate::plan::Plan;
use crate::plot::{save_heatmap, Heatmap};
use crate::progress::Progress;
use crate::report::{Check, Figure, Section, Table};

/// The study.
pub struct Fig5;

impl Study for Fig5 {
    fn command(&self) -> &'static str {
        "fig5"
    }
    fn about(&self) -> &'static str {
        "Fig. 5: cross-entropy vs quadratic cost over two weights."
    }
    fn title(&self) -> &'static str {
        "Cross-entropy vs quadratic cost over two weights"
    }
    fn paper_figure(&self) -> &'static str {
        "the cross-entropy cost surface over two weights is steep where the quadratic one has plateaus, so training with cross-entropy is less likely to stall."
    }
    fn jobs(&self, _plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        vec![boxed(SurfaceJob)]
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        let part = ctx.parts.load(&SurfaceJob);
        vec![part.map_or_else(|| missing(self, "the cost surfaces (part surface)"), |s| fig5(&s, ctx.dir))]
    }
}

/// The job: both costs over the grid (part `surface`).
#[derive(Debug, Clone, Copy)]
pub struct SurfaceJob;

impl Job for SurfaceJob {
    type Part = Surface;

    fn key(&self) -> String {
        "surface".into()
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<Surface> {
        progress.message("cost surfaces over two weights");
        let surface = run(inputs.seed);
        progress.finish();
        Ok(surface)
    }
}

/// Network and grid sizes (the paper does not give them).
const INPUTS: usize = 4;
const HIDDEN: usize = 4;
const OUTPUTS: usize = 2;
const EXAMPLES: usize = 16;
const GRID: usize = 41;
const RANGE: f64 = 10.0;

/// Both costs on the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Surface {
    /// Grid values of the first-layer weight `W1[0][0]`.
    pub w1: Vec<f64>,
    /// Grid values of the output-layer weight `W2[0][0]`.
    pub w2: Vec<f64>,
    /// Cross-entropy, `[w2 index][w1 index]`.
    pub cross_entropy: Vec<Vec<f64>>,
    /// Quadratic cost ½Σ(σ(s) − y)², same layout.
    pub quadratic: Vec<Vec<f64>>,
}

/// Evaluates both costs over the grid.
pub fn run(seed: u64) -> Surface {
    let mut rng = TensorRng::new(seed);
    let x: Tensor<f64> = rng.normal(&[EXAMPLES, INPUTS], 0.0, 1.0);
    let targets = Tensor::from_vec(
        (0..EXAMPLES * OUTPUTS).map(|_| rng.below(2) as f64).collect(),
        &[EXAMPLES, OUTPUTS],
    );
    let w1: Tensor<f64> = rng.normal(&[INPUTS, HIDDEN], 0.0, (1.0 / INPUTS as f64).sqrt());
    let w2: Tensor<f64> = rng.normal(&[HIDDEN, OUTPUTS], 0.0, (1.0 / HIDDEN as f64).sqrt());
    let grid: Vec<f64> = (0..GRID).map(|i| -RANGE + 2.0 * RANGE * i as f64 / (GRID - 1) as f64).collect();
    // A copy of `w` whose entry [0][0] is `v`.
    let with_corner = |w: &Tensor<f64>, v: f64| {
        let mut data = w.to_vec();
        data[0] = v;
        Tensor::from_vec(data, w.shape())
    };
    let costs = |a: f64, b: f64| {
        let tape = Tape::no_grad();
        let first = tape.constant(with_corner(&w1, a));
        let second = tape.constant(with_corner(&w2, b));
        let logits = tape.constant(x.clone()).matmul(&first).tanh().matmul(&second);
        let ce = sigmoid_cross_entropy(&logits, &targets).value().item();
        let quad = quadratic(&logits.sigmoid(), &targets, Quadratic::HalfSumPerExample).value().item();
        (ce, quad)
    };
    let values: Vec<Vec<(f64, f64)>> =
        grid.iter().map(|&b| grid.iter().map(|&a| costs(a, b)).collect()).collect();
    Surface {
        w1: grid.clone(),
        w2: grid,
        cross_entropy: values.iter().map(|row| row.iter().map(|v| v.0).collect()).collect(),
        quadratic: values.iter().map(|row| row.iter().map(|v| v.1).collect()).collect(),
    }
}

/// Gradient magnitude at each grid point by central differences across cells.
fn gradient_norms(values: &[Vec<f64>], step: f64) -> Vec<f64> {
    let n = values.len();
    let mut norms = vec![];
    for j in 0..n {
        for i in 0..n {
            let (il, ih) = (i.saturating_sub(1), (i + 1).min(n - 1));
            let (jl, jh) = (j.saturating_sub(1), (j + 1).min(n - 1));
            let dx = (values[j][ih] - values[j][il]) / ((ih - il) as f64 * step);
            let dy = (values[jh][i] - values[jl][i]) / ((jh - jl) as f64 * step);
            norms.push((dx * dx + dy * dy).sqrt());
        }
    }
    norms
}

/// The fraction of grid points whose gradient is below 1% of the grid's largest.
fn plateau_fraction(values: &[Vec<f64>], step: f64) -> f64 {
    let norms = gradient_norms(values, step);
    let max = norms.iter().cloned().fold(0.0, f64::max);
    norms.iter().filter(|&&g| g < 0.01 * max).count() as f64 / norms.len() as f64
}

/// The report section, with one heatmap per cost.
pub fn fig5(surface: &Surface, dir: &Path) -> Section {
    let mut s = section(&Fig5);
    s.text.push(format!(
        "One-hidden-layer tanh network {INPUTS}-{HIDDEN}-{OUTPUTS} with sigmoid outputs, {EXAMPLES} random Gaussian inputs with random binary targets; W1[0][0] and W2[0][0] swept over [−{RANGE}, {RANGE}], other weights fixed (N(0, 1/fan-in))."
    ));
    let step = surface.w1[1] - surface.w1[0];
    let (ce, quad) =
        (plateau_fraction(&surface.cross_entropy, step), plateau_fraction(&surface.quadratic, step));
    for (name, values) in [("cross_entropy", &surface.cross_entropy), ("quadratic", &surface.quadratic)] {
        let map = Heatmap {
            title: format!("Fig. 5: {} cost", name.replace('_', "-")),
            x_label: "W1[0][0] (first layer)".into(),
            y_label: "W2[0][0] (output layer)".into(),
            xs: surface.w1.clone(),
            ys: surface.w2.clone(),
            values: values.clone(),
        };
        let stem = format!("fig5_{name}");
        match save_heatmap(&map, dir, &stem) {
            Ok(()) => s.figures.push(Figure { file: stem, caption: map.title.clone() }),
            Err(e) => s.text.push(format!("(figure {stem} could not be drawn: {e})")),
        }
    }
    let mut table = Table::new(&["cost", "grid points with |∇| < 1% of max"]);
    table.row(vec!["cross-entropy".into(), format!("{:.1}%", 100.0 * ce)]);
    table.row(vec!["quadratic".into(), format!("{:.1}%", 100.0 * quad)]);
    s.tables.push(table);
    s.checks.push(Check::new(
        "plateau fraction larger for the quadratic cost",
        "\"clearly more severe plateaus with the quadratic cost\"",
        format!("quadratic {:.1}% vs cross-entropy {:.1}%", 100.0 * quad, 100.0 * ce),
        &[&surface.quadratic[..], &surface.cross_entropy[..]].concat().concat(),
        quad > ce,
    ));
    s
}
