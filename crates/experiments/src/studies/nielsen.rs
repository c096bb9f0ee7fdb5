//! Nielsen, *Neural Networks and Deep Learning*, ch. 5 (docs/criteria.md): the
//! vanishing gradient in sigmoid networks, with his `network2` exactly — sigmoid
//! in every layer including the 10 outputs, cross-entropy cost, weights
//! N(0, 1/n_in), biases N(0, 1), L2 with λ = 5 over the training-set size,
//! minibatch 10, η = 0.1.

use std::path::Path;

use autograd::Tape;
use nn::{train_step, Activation, Init, Loss, Mlp, Sgd};
use serde::{Deserialize, Serialize};
use tensor::{sigmoid, Tensor, TensorRng};

use super::{figure, list, section as section_of, Context, Study};
use crate::data::{Batch, BatchSource, Dataset, Minibatches};
use crate::error::{Error, Result};
use crate::job::{boxed, AnyJob, ImageSource, Inputs, Job};
use crate::plan::Plan;
use crate::plot::{Chart, Line};
use crate::progress::Progress;
use crate::report::{Check, Section, Table};
use crate::training::error_rate;

/// The lesson.
pub struct Nielsen;

impl Study for Nielsen {
    fn command(&self) -> &'static str {
        "nielsen"
    }
    fn about(&self) -> &'static str {
        "Nielsen ch. 5: network2's accuracy with 1–4 hidden layers, gradient norms per layer, learning speed, the one-neuron chains."
    }
    fn title(&self) -> &'static str {
        "Nielsen ch. 5: the vanishing gradient in sigmoid networks"
    }
    fn paper_figure(&self) -> &'static str {
        "(Nielsen ch. 5) the gradient norm ‖δˡ‖ is several times smaller in each layer below, so lower layers learn more slowly."
    }
    fn report_title(&self) -> &'static str {
        "Nielsen, Neural Networks and Deep Learning, ch. 5 — reproduced with gradlab"
    }
    fn in_reproduction(&self) -> bool {
        false
    }
    fn jobs(&self, plan: &Plan) -> Vec<Box<dyn AnyJob>> {
        let Some(source) = plan.mnist_format() else { return vec![] };
        let mut jobs: Vec<Box<dyn AnyJob>> =
            (1..=4).map(|hidden| boxed(AccuracyJob { source: source.clone(), hidden })).collect();
        jobs.push(boxed(GradientsJob { source: source.clone() }));
        jobs
    }
    fn sections(&self, ctx: &Context<'_>) -> Vec<Section> {
        let Some(source) = ctx.plan.mnist_format() else {
            let mut s = section_of(self);
            s.text.push("No MNIST-format data was at hand: pass --mnist DIR, or install Debian's dataset-fashion-mnist.".into());
            return vec![s];
        };
        let accuracies: Vec<Accuracy> = (1..=4)
            .filter_map(|hidden| ctx.parts.load(&AccuracyJob { source: source.clone(), hidden }))
            .filter_map(|part| part.accuracy.clone())
            .collect();
        let gradients = ctx.parts.load(&GradientsJob { source: source.clone() });
        let gradients = gradients.as_ref().and_then(|part| part.gradients.as_ref());
        vec![self::section(source.data.name(), &accuracies, gradients, ctx.dir)]
    }
}

/// A Nielsen job's result, with the data set it used (one of the two is set).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NielsenPart {
    /// The data set's name.
    pub data: String,
    /// Set by an accuracy job.
    pub accuracy: Option<Accuracy>,
    /// Set by the gradients job.
    pub gradients: Option<Gradients>,
}

/// The job: train network2 with `hidden` hidden layers (part `nielsen-accuracy-{hidden}`).
#[derive(Debug, Clone)]
pub struct AccuracyJob {
    /// The MNIST-format data.
    pub source: ImageSource,
    /// Hidden layers, 1 to 4.
    pub hidden: usize,
}

impl Job for AccuracyJob {
    type Part = NielsenPart;

    fn key(&self) -> String {
        format!("nielsen-accuracy-{}", self.hidden)
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<NielsenPart> {
        let sets = inputs.images(&self.source)?;
        let epochs = inputs.scale.nielsen_epochs;
        let result = accuracy(self.hidden, &sets.train, &sets.validation, epochs, inputs.seed, progress)?;
        Ok(NielsenPart { data: self.source.data.name().into(), accuracy: Some(result), gradients: None })
    }
}

/// The job: gradient norms, learning speed and chains (part `nielsen-gradients`).
#[derive(Debug, Clone)]
pub struct GradientsJob {
    /// The MNIST-format data.
    pub source: ImageSource,
}

impl Job for GradientsJob {
    type Part = NielsenPart;

    fn key(&self) -> String {
        "nielsen-gradients".into()
    }

    fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<NielsenPart> {
        let sets = inputs.images(&self.source)?;
        let result = gradients(&sets.train, inputs.scale.nielsen_speed_epochs, inputs.seed, progress)?;
        Ok(NielsenPart { data: self.source.data.name().into(), accuracy: None, gradients: Some(result) })
    }
}

/// Nielsen's validation accuracies (%) for 1 to 4 hidden layers of 30.
pub const NIELSEN_ACCURACY: [f64; 4] = [96.48, 96.90, 96.57, 96.53];
/// Nielsen's ‖δˡ‖ at initialization for 2, 3 and 4 hidden layers (from his JSON files).
pub const NIELSEN_INIT_NORMS: [&[f64]; 3] =
    [&[0.06574, 0.3092], &[0.01184, 0.05997, 0.2831], &[0.002975, 0.01708, 0.06954, 0.2851]];

/// The smallest and largest ratio ‖δˡ⁺¹‖/‖δˡ‖ between adjacent layers in Nielsen's numbers.
pub fn nielsen_ratio_range() -> (f64, f64) {
    let ratios = NIELSEN_INIT_NORMS.iter().flat_map(|n| n.windows(2).map(|w| w[1] / w[0]));
    ratios.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r), hi.max(r)))
}

/// network2 with `hidden` hidden layers of 30.
pub fn network2(hidden: usize, seed: u64) -> Mlp<f32> {
    let widths = [vec![784], vec![30; hidden], vec![10]].concat();
    Mlp::builder(&widths)
        .hidden(Activation::Sigmoid)
        .output(Activation::Sigmoid)
        .init(Init::LecunNormal)
        .bias_init(Init::Gaussian { std: 1.0 })
        .seed(seed)
        .build()
}

/// ‖∂C/∂bˡ‖ for each hidden layer, the gradient averaged over the batch (no L2 term).
pub fn bias_gradient_norms(mlp: &Mlp<f32>, batch: &Batch<f32>) -> Vec<f64> {
    let tape = Tape::new();
    let net = mlp.on(&tape);
    let (logits, outputs) = net.forward_to_logits(&tape.constant(batch.x.clone()));
    let cost = Loss::SigmoidCrossEntropy.cost(&logits, &outputs, &batch.labels);
    let grads = tape.backward(&cost).expect("the cost is a scalar");
    net.layers[..mlp.depth()]
        .iter()
        .map(|l| grads.wrt(&l.bias).cast::<f64>().square().sum_all().sqrt())
        .collect()
}

/// One architecture trained as Nielsen's `net.SGD(training_data, 30, 10, 0.1, lmbda=5.0)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Hidden layers.
    pub hidden: usize,
    /// Validation accuracy (%) after each epoch.
    pub per_epoch: Vec<f64>,
}

/// An error unless `data` holds examples.
fn non_empty(data: &Dataset) -> Result<()> {
    if data.is_empty() {
        return Err(Error::EmptyTrainingSet { data: data.name.clone() });
    }
    Ok(())
}

/// Trains network2 with `hidden` hidden layers for `epochs` epochs. Empty
/// training or validation sets are errors.
pub fn accuracy(
    hidden: usize,
    train: &Dataset,
    validation: &Dataset,
    epochs: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Accuracy> {
    non_empty(train)?;
    if validation.is_empty() {
        return Err(Error::TooSmall {
            data: validation.name.clone(),
            examples: 0,
            needed: "the accuracy is measured on it".into(),
        });
    }
    let mut mlp = network2(hidden, seed);
    let mut sgd = Sgd::new(0.1).l2(5.0, train.len());
    let mut batches = Minibatches::endless(train, seed);
    let per_epoch_updates = train.len().div_ceil(10);
    progress.start((epochs * per_epoch_updates) as u64);
    let mut per_epoch = vec![];
    for epoch in 0..epochs {
        for _ in 0..per_epoch_updates {
            let batch =
                batches.next_batch(10).ok_or_else(|| Error::EmptyTrainingSet { data: train.name.clone() })?;
            train_step(&mut mlp, &mut sgd, &batch.x, &batch.labels, Loss::SigmoidCrossEntropy);
        }
        progress.set_position(((epoch + 1) * per_epoch_updates) as u64);
        per_epoch.push(100.0 * (1.0 - error_rate(&mlp, validation)));
        progress.message(&format!(
            "{hidden} hidden: epoch {} validation {:.2}%",
            epoch + 1,
            per_epoch[epoch]
        ));
    }
    progress.finish();
    Ok(Accuracy { hidden, per_epoch })
}

/// The learning-speed run: full-batch descent on the first 1,000 training images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// Hidden layers.
    pub hidden: usize,
    /// ‖δˡ‖ per hidden layer, before each epoch's step.
    pub norms: Vec<Vec<f64>>,
}

/// Gradient norms, the one-neuron chains and eq. 123.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gradients {
    /// ‖δˡ‖ at initialization, bias gradient averaged over the first 1,000 images, for 2, 3, 4 hidden layers.
    pub init_norms: Vec<Vec<f64>>,
    /// Learning-speed runs for 2, 3, 4 hidden layers.
    pub speed: Vec<Speed>,
    /// The chains of one sigmoid neuron per layer.
    pub chains: Vec<Chain>,
    /// Eq. 123: (|w|, width of the input range where |w σ'(wa + b)| ≥ 1), maximised over |w|.
    pub widest_range: (f64, f64),
}

/// Runs the gradient studies on the first 1,000 images of `train` (an empty
/// training set is an error).
pub fn gradients(
    train: &Dataset,
    speed_epochs: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Gradients> {
    non_empty(train)?;
    let first = train.head::<f32>(1000);
    let init_norms = (2..=4).map(|h| bias_gradient_norms(&network2(h, seed), &first)).collect();
    progress.start((3 * speed_epochs) as u64);
    let speed = (2..=4)
        .map(|hidden| {
            let mut mlp = network2(hidden, seed);
            let mut sgd = Sgd::new(0.1).l2(5.0, first.labels.len());
            let mut norms = vec![];
            for _ in 0..speed_epochs {
                norms.push(bias_gradient_norms(&mlp, &first));
                train_step(&mut mlp, &mut sgd, &first.x, &first.labels, Loss::SigmoidCrossEntropy);
            }
            progress.set_position(((hidden - 1) * speed_epochs) as u64);
            Speed { hidden, norms }
        })
        .collect();
    progress.finish();
    Ok(Gradients {
        init_norms,
        speed,
        chains: vec![exploding_chain(), gaussian_chain(seed)],
        widest_range: widest_range(),
    })
}

/// ∂C/∂b₁ of a chain of four sigmoid neurons, factor by factor and by the tape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// What the chain is.
    pub name: String,
    /// σ'(z₁), w₂σ'(z₂), w₃σ'(z₃), w₄σ'(z₄), ∂C/∂a₄.
    pub factors: Vec<f64>,
    /// Their product (eq. 122).
    pub product: f64,
    /// ∂C/∂b₁ from backward on the tape.
    pub tape: f64,
}

/// C = ½(a₄ − y)² for one sigmoid neuron per layer (input, weights w₁…w₄,
/// biases b₁…b₄, target y); returns the factors of eq. 122 and the tape's ∂C/∂b₁.
pub fn chain(name: &str, input: f64, w: [f64; 4], b: [f64; 4], target: f64) -> Chain {
    let tape = Tape::<f64>::new();
    let mut a = tape.constant(Tensor::scalar(input));
    let mut zs = vec![];
    let mut biases = vec![];
    for layer in 0..4 {
        let bias = tape.param(Tensor::scalar(b[layer]));
        let z = &(&a * w[layer]) + &bias;
        zs.push(z.value().item());
        a = z.sigmoid();
        biases.push(bias);
    }
    let a4 = a.value().item();
    let cost = (&a - target).square() * 0.5;
    let grad = tape.backward(&cost).expect("scalar cost").wrt(&biases[0]).item();
    let slope = |z: f64| sigmoid(z) * (1.0 - sigmoid(z));
    let factors =
        vec![slope(zs[0]), w[1] * slope(zs[1]), w[2] * slope(zs[2]), w[3] * slope(zs[3]), a4 - target];
    Chain { name: name.into(), product: factors.iter().product(), factors, tape: grad }
}

/// Nielsen's exploding construction: every w = 100, biases making every z = 0.
fn exploding_chain() -> Chain {
    let input = 0.7;
    // z₁ = 100·a₀ + b₁ = 0, and a = σ(0) = ½ after that, so b = −50.
    chain(
        "w = 100, biases so that every z = 0 (exploding)",
        input,
        [100.0; 4],
        [-100.0 * input, -50.0, -50.0, -50.0],
        0.0,
    )
}

/// Weights and biases from N(0, 1), the setting of Nielsen's "why".
fn gaussian_chain(seed: u64) -> Chain {
    let mut rng = TensorRng::new(seed);
    let draw = |rng: &mut TensorRng| -> [f64; 4] {
        rng.normal::<f64>(&[4], 0.0, 1.0).to_vec().try_into().expect("4 values")
    };
    let (w, b) = (draw(&mut rng), draw(&mut rng));
    chain("w, b ~ N(0, 1) (vanishing)", 0.7, w, b, 0.0)
}

/// Eq. 123: the width (2/|w|)·ln(|w|(1 + √(1 − 4/|w|))/2 − 1) of the inputs for which
/// |w σ'(wa + b)| ≥ 1, maximised over |w| ≥ 4 on a fine grid.
fn widest_range() -> (f64, f64) {
    (0..=16_000)
        .map(|i| 4.0 + i as f64 * 0.001)
        .map(|w| (w, (2.0 / w) * (w * (1.0 + (1.0 - 4.0 / w).sqrt()) / 2.0 - 1.0).ln()))
        .filter(|(_, width)| width.is_finite())
        .fold((0.0, f64::NEG_INFINITY), |best, x| if x.1 > best.1 { x } else { best })
}

/// The report section for the Nielsen lesson.
pub fn section(data: &str, accuracies: &[Accuracy], gradients: Option<&Gradients>, dir: &Path) -> Section {
    let mut s = section_of(&Nielsen);
    let mnist = data == "mnist";
    if !mnist {
        s.text.push(format!(
            "Data: {data}, not MNIST — same format and sizes (50,000/10,000/10,000), a harder task with other input statistics, so accuracies and gradient norms are not Nielsen's; the orderings are what is compared."
        ));
    }
    if !accuracies.is_empty() {
        let mut table = Table::new(&["network", "epochs", "validation accuracy (here)", "Nielsen (MNIST)"]);
        let mut chart = Chart::new(format!("Validation accuracy on {data}"), "epoch", "accuracy (%)");
        for a in accuracies {
            let widths = [vec!["784".to_string()], vec!["30".to_string(); a.hidden], vec!["10".to_string()]]
                .concat()
                .join(", ");
            let last = *a.per_epoch.last().unwrap_or(&f64::NAN);
            table.row(vec![
                format!("[{widths}]"),
                a.per_epoch.len().to_string(),
                format!("{last:.2}%"),
                format!("{:.2}%", NIELSEN_ACCURACY[a.hidden - 1]),
            ]);
            chart.lines.push(Line::new(
                format!("{} hidden", a.hidden),
                a.per_epoch.iter().enumerate().map(|(e, &v)| ((e + 1) as f64, v)).collect(),
            ));
            let criterion = format!("{} hidden: validation accuracy within 1 point of Nielsen's", a.hidden);
            let paper =
                format!("{:.2}% (\"it'll vary a bit from run to run\")", NIELSEN_ACCURACY[a.hidden - 1]);
            s.checks.push(if mnist {
                Check::new(
                    &criterion,
                    &paper,
                    format!("{last:.2}%"),
                    &[last],
                    (last - NIELSEN_ACCURACY[a.hidden - 1]).abs() <= 1.0,
                )
            } else {
                Check::not_checkable(
                    &criterion,
                    &paper,
                    format!("{last:.2}%"),
                    &format!("comparable only on MNIST; this run used {data}"),
                )
            });
        }
        s.tables.push(table);
        figure(&mut s, dir, "nielsen_accuracy", &chart);
    }
    let Some(g) = gradients else { return s };
    let mut table =
        Table::new(&["hidden layers", "‖δˡ‖ at init (here)", "Nielsen (MNIST)", "adjacent ratios (here)"]);
    let (low, high) = nielsen_ratio_range();
    for (norms, nielsen) in g.init_norms.iter().zip(NIELSEN_INIT_NORMS) {
        let ratios: Vec<f64> = norms.windows(2).map(|w| w[1] / w[0]).collect();
        table.row(vec![norms.len().to_string(), list(norms, 4), list(nielsen, 4), list(&ratios, 2)]);
        s.checks.push(Check::new(
            &format!("{} hidden: ‖δ¹‖ < ‖δ²‖ < … at initialization, adjacent ratios within Nielsen's [{low:.2}, {high:.2}]", norms.len()),
            &format!("{} (ratios {})", list(nielsen, 3), list(&nielsen.windows(2).map(|w| w[1] / w[0]).collect::<Vec<_>>(), 2)),
            format!("{} (ratios {})", list(norms, 4), list(&ratios, 2)),
            &[norms.as_slice(), &ratios].concat(),
            !ratios.is_empty() && ratios.iter().all(|r| (low..=high).contains(r)),
        ));
    }
    s.tables.push(table);
    for speed in &g.speed {
        let mut chart = Chart::new(
            format!("Speed of learning: {} hidden layers", speed.hidden),
            "epoch",
            "‖δˡ‖ (log scale)",
        );
        chart.log_y = true;
        for l in 0..speed.hidden {
            chart.lines.push(Line::new(
                format!("hidden layer {}", l + 1),
                speed.norms.iter().enumerate().map(|(e, n)| (e as f64, n[l])).collect(),
            ));
        }
        figure(&mut s, dir, &format!("nielsen_speed_{}", speed.hidden), &chart);
        let slower = speed.norms.iter().all(|n| n[0] < n[speed.hidden - 1]);
        s.checks.push(Check::new(
            &format!(
                "{} hidden: at every epoch the first hidden layer learns slower than the last (‖δ¹‖ < ‖δᴸ‖)",
                speed.hidden
            ),
            "\"the first hidden layer is learning … slower\"",
            format!("{} epochs recorded", speed.norms.len()),
            &speed.norms.concat(),
            !speed.norms.is_empty() && slower,
        ));
        if speed.hidden == 4 && speed.norms.len() > 100 {
            let ratios: Vec<f64> = speed.norms[100..].iter().map(|n| n[3] / n[0]).collect();
            let least = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
            s.checks.push(Check::new(
                "4 hidden: ‖δ⁴‖/‖δ¹‖ > 30 at every epoch after 100",
                "\"roughly 100 times slower\" (49–138 in his run)",
                format!("smallest ratio {least:.1}, final {:.1}", ratios[ratios.len() - 1]),
                &ratios,
                least > 30.0,
            ));
        }
    }
    let mut table = Table::new(&[
        "chain",
        "σ'(z₁), w₂σ'(z₂), w₃σ'(z₃), w₄σ'(z₄), ∂C/∂a₄",
        "product (eq. 122)",
        "∂C/∂b₁ on the tape",
    ]);
    for c in &g.chains {
        table.row(vec![
            c.name.clone(),
            list(&c.factors, 4),
            format!("{:.6e}", c.product),
            format!("{:.6e}", c.tape),
        ]);
        s.checks.push(Check::new(
            &format!("{}: the tape's ∂C/∂b₁ equals the product of the factors", c.name),
            "eq. 122",
            format!("{:.6e} vs {:.6e}", c.tape, c.product),
            &[c.factors.as_slice(), &[c.tape, c.product]].concat(),
            (c.tape - c.product).abs() <= 1e-12 * c.product.abs().max(1e-300),
        ));
    }
    s.tables.push(table);
    let (w, width) = g.widest_range;
    s.checks.push(Check::new(
        "eq. 123: the input range where |w σ'(wa + b)| ≥ 1 is at most ≈ 0.45 wide, at |w| ≈ 6.9",
        "maximal ~0.45 at |w| ~ 6.9",
        format!("{width:.3} at |w| = {w:.2}"),
        &[w, width],
        (0.44..=0.46).contains(&width) && (6.5..=7.3).contains(&w),
    ));
    s
}
