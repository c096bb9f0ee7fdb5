//! The cs231n weight-initialization demo (docs/criteria.md): unit-Gaussian data through
//! 10 layers of 500 tanh (or ReLU) units without biases, under different weight
//! scales; per-layer mean, std and histogram of the activations. Also the later
//! 6-layer × 4096 variant.

use std::path::Path;

use nn::probe::Histogram;
use nn::{Activation, Init};
use serde::{Deserialize, Serialize};
use tensor::{Tensor, TensorRng};

use super::{figure, histogram_line, list, missing, section as section_of, Context, Study};
use crate::error::Result;
use crate::job::{boxed, AnyJob, Inputs, Job};
use crate::plan::Plan;
use crate::plot::{Chart, Line};
use crate::progress::Progress;
use crate::report::{Check, Section, Table};

/// The demo.
pub struct InitDemo;

impl Study for InitDemo {
    fn command(&self) -> &'static str {
        "init-demo"
    }
    fn about(&self) -> &'static str {
        "The cs231n demo: activation statistics of a deep tanh/ReLU net under 0.01, 1.0, Xavier and He initialization."
    }
    fn title(&self) -> &'static str {
        "cs231n: activation statistics of a deep net under different initializations"
    }
    fn paper_figure(&self) -> &'static str {
        "(cs231n) with small weights the activations collapse to 0 layer by layer, with large weights tanh saturates at ±1, and scaling by fan-in (Xavier, He for ReLU) keeps the spread."
    }
    fn report_title(&self) -> &'static str {
        "The cs231n weight-initialization demo — reproduced with gradlab"
    }
    fn in_reproduction(&self) -> bool {
        false
    }
    fn jobs(&self, _plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        vec![boxed(DemoJob)]
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        let part = ctx.parts.load(&DemoJob);
        vec![part.map_or_else(
            || missing(self, "the demo's forward passes (part init-demo)"),
            |d| section(&d, ctx.dir),
        )]
    }
}

/// The job: every configuration's forward pass (part `init-demo`).
#[derive(Debug, Clone, Copy)]
pub struct DemoJob;

impl Job for DemoJob {
    type Part = InitDemoResult;

    fn key(&self) -> String {
        "init-demo".into()
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<InitDemoResult> {
        progress.message("forward passes of the cs231n demo");
        let demo = run(inputs.seed, inputs.scale.init_demo_wide);
        progress.finish();
        Ok(demo)
    }
}

/// One configuration's per-layer statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoRun {
    /// E.g. "tanh, 0.01·N(0,1)".
    pub name: String,
    /// Mean of the input.
    pub input_mean: f64,
    /// Std of the input.
    pub input_std: f64,
    /// Mean of each layer's activations.
    pub means: Vec<f64>,
    /// Std of each layer's activations.
    pub stds: Vec<f64>,
    /// Fraction of |activation| > 0.9 per layer.
    pub saturated: Vec<f64>,
    /// 30-bin histogram of each layer over (−1, 1) (ReLU: over (0, max)).
    pub histograms: Vec<Histogram>,
}

/// Both demos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitDemoResult {
    /// 10 layers × 500 units, 1000 examples.
    pub classic: Vec<DemoRun>,
    /// 6 layers × 4096 units, 16 examples.
    pub wide: Vec<DemoRun>,
}

/// Forward pass of `x` through `layers` layers of `width` units, no biases.
fn forward(
    name: &str,
    x: &Tensor<f32>,
    layers: usize,
    width: usize,
    activation: Activation,
    init: Init,
    rng: &mut TensorRng,
) -> DemoRun {
    let as_f64 = |t: &Tensor<f32>| t.iter().map(|v| v as f64).collect::<Vec<f64>>();
    let input = as_f64(x);
    let (input_mean, input_std) = mean_std(&input);
    let mut run = DemoRun {
        name: name.into(),
        input_mean,
        input_std,
        means: vec![],
        stds: vec![],
        saturated: vec![],
        histograms: vec![],
    };
    let mut h = x.clone();
    for _ in 0..layers {
        let fan_in = h.shape()[1];
        let w: Tensor<f32> = init.sample(&[fan_in, width], fan_in, width, rng);
        let s = h.matmul(&w);
        h = activation.forward(&s);
        let values = as_f64(&h);
        let (mean, std) = mean_std(&values);
        run.means.push(mean);
        run.stds.push(std);
        run.saturated.push(values.iter().filter(|v| v.abs() > 0.9).count() as f64 / values.len() as f64);
        let (low, high) = if activation == Activation::Relu {
            (0.0, values.iter().cloned().fold(1e-9, f64::max))
        } else {
            (-1.0, 1.0)
        };
        run.histograms.push(Histogram::new(&values, low, high, 30));
    }
    run
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (mean, (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt())
}

/// The configurations of a demo: (name, activation, weight init).
fn configs(wide: bool) -> Vec<(&'static str, Activation, Init)> {
    let mut list = vec![("tanh, 0.01·N(0,1)", Activation::Tanh, Init::Gaussian { std: 0.01 })];
    if wide {
        list.push(("tanh, 0.05·N(0,1)", Activation::Tanh, Init::Gaussian { std: 0.05 }));
    } else {
        list.push(("tanh, 1.0·N(0,1)", Activation::Tanh, Init::Gaussian { std: 1.0 }));
    }
    list.push(("tanh, Xavier N(0,1/fan_in)", Activation::Tanh, Init::LecunNormal));
    list.push(("relu, Xavier N(0,1/fan_in)", Activation::Relu, Init::LecunNormal));
    list.push(("relu, He N(0,2/fan_in)", Activation::Relu, Init::HeNormal));
    list
}

/// Runs both demos (`wide` off skips the 4096-unit variant).
pub fn run(seed: u64, wide: bool) -> InitDemoResult {
    let mut rng = TensorRng::new(seed);
    let x: Tensor<f32> = rng.normal(&[1000, 500], 0.0, 1.0);
    let classic = configs(false)
        .into_iter()
        .map(|(name, f, init)| forward(name, &x, 10, 500, f, init, &mut rng))
        .collect();
    let wide = if wide {
        let x: Tensor<f32> = rng.normal(&[16, 4096], 0.0, 1.0);
        configs(true)
            .into_iter()
            .map(|(name, f, init)| forward(name, &x, 6, 4096, f, init, &mut rng))
            .collect()
    } else {
        vec![]
    };
    InitDemoResult { classic, wide }
}

fn find<'a>(runs: &'a [DemoRun], name: &str) -> Option<&'a DemoRun> {
    runs.iter().find(|r| r.name == name)
}

/// The report section.
pub fn section(demo: &InitDemoResult, dir: &Path) -> Section {
    let mut s = section_of(&InitDemo);
    s.text.push("1000 unit-Gaussian examples of 500 values through 10 layers of 500 units, no biases (the 2016 lecture); below, 16 examples through 6 layers of 4096 (the 2019 version).".into());
    for (title, runs, stem) in
        [("10 × 500", &demo.classic, "init_demo"), ("6 × 4096", &demo.wide, "init_demo_wide")]
    {
        if runs.is_empty() {
            continue;
        }
        let mut table = Table::new(&["configuration", "input mean / std", "layer means", "layer stds"]);
        let mut chart = Chart::new(format!("cs231n demo {title}: activation std per layer"), "layer", "std");
        chart.log_y = true;
        for r in runs.iter() {
            table.row(vec![
                r.name.clone(),
                format!("{:.3} / {:.3}", r.input_mean, r.input_std),
                list(&r.means, 4),
                list(&r.stds, 4),
            ]);
            chart.lines.push(Line::new(
                r.name.clone(),
                r.stds.iter().enumerate().map(|(l, &v)| ((l + 1) as f64, v)).collect(),
            ));
        }
        s.tables.push(table);
        figure(&mut s, dir, stem, &chart);
        for r in runs.iter() {
            let mut hist = Chart::new(format!("{title}: {}", r.name), "activation", "fraction");
            hist.lines = r
                .histograms
                .iter()
                .enumerate()
                .map(|(l, h)| histogram_line(format!("layer {}", l + 1), h))
                .collect();
            let key: String =
                r.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
            figure(&mut s, dir, &format!("{stem}_hist_{key}"), &hist);
        }
    }
    let classic = &demo.classic;
    if let Some(r) = find(classic, "tanh, 0.01·N(0,1)") {
        let ratios: Vec<f64> = r.stds.windows(2).map(|w| w[1] / w[0]).collect();
        s.checks.push(Check::new(
            "0.01·N(0,1): std(l+1)/std(l) in [0.2, 0.25] for every layer",
            "\"all activations become zero\"; factor ≈ 0.01·√500 = 0.224",
            list(&ratios, 3),
            &ratios,
            !ratios.is_empty() && ratios.iter().all(|q| (0.2..=0.25).contains(q)),
        ));
    }
    if let Some(r) = find(classic, "tanh, 1.0·N(0,1)") {
        s.checks.push(Check::new(
            "1.0·N(0,1): std > 0.97 in every layer and > 90% of |a| > 0.9",
            "\"almost all neurons completely saturated, either −1 or 1\"",
            format!("stds {}; saturated {}", list(&r.stds, 3), list(&r.saturated, 3)),
            &[r.stds.as_slice(), &r.saturated].concat(),
            r.stds.iter().all(|&v| v > 0.97) && r.saturated.iter().all(|&f| f > 0.9),
        ));
    }
    let last = |name: &str| find(classic, name).and_then(|r| r.stds.last().copied());
    let cases = [
        (
            "tanh, Xavier N(0,1/fan_in)",
            "Xavier-tanh: std decreasing, layer-10 std in [0.18, 0.28]",
            "reasonable; re-run 0.628 … 0.226",
            0.18,
            0.28,
        ),
        (
            "relu, Xavier N(0,1/fan_in)",
            "Xavier-ReLU: layer-10 std < 0.05",
            "\"when using the ReLU nonlinearity it breaks\"",
            0.0,
            0.05,
        ),
        (
            "relu, He N(0,2/fan_in)",
            "He-ReLU: layer-10 std in [0.6, 1.0]",
            "He et al. 2015 fixes ReLU",
            0.6,
            1.0,
        ),
    ];
    for (name, criterion, paper, low, high) in cases {
        if let (Some(v), Some(r)) = (last(name), find(classic, name)) {
            let decreasing = !name.starts_with("tanh") || r.stds.windows(2).all(|w| w[1] < w[0]);
            s.checks.push(Check::new(
                criterion,
                paper,
                format!("layer stds {}", list(&r.stds, 3)),
                &r.stds,
                decreasing && (low..=high).contains(&v),
            ));
        }
    }
    s
}
