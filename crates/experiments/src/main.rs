//! `experiments`: the paper's studies from the command line. Its subcommands
//! come from the list of studies (`studies::StudyId`), plus `merge` and `bench`.
//!
//! ```text
//! cargo run --release -p experiments -- reproduce            # everything, quick setting
//! cargo run --release -p experiments -- fig6 --full          # one study at the paper's scale
//! cargo run --release -p experiments -- reproduce --full --shard 2/8 --out runs/shard2
//! cargo run --release -p experiments -- merge runs/shard* --out runs/full
//! ```

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Command, FromArgMatches};
use experiments::progress::{LogLines, Monitor, Progress};
use experiments::report::Report;
use experiments::runner::{merge, run, Options};
use experiments::setting::Setting;
use experiments::studies::StudyId;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts heap allocations, so `bench` can report them per training step.
#[global_allocator]
static ALLOCATOR: experiments::bench::CountingAllocator = experiments::bench::CountingAllocator;

/// The options every study takes.
#[derive(Args, Clone)]
struct RunArgs {
    /// A few minutes on two cores: narrower nets, fewer updates (the default).
    #[arg(long, conflicts_with_all = ["full", "tiny", "medium"])]
    quick: bool,
    /// About 3 hours on two cores: width 300, 2.5M updates, learning rate by successive halving.
    #[arg(long, conflicts_with_all = ["full", "tiny"])]
    medium: bool,
    /// The paper's scale: 1000 units, 5M updates, learning rate chosen on validation.
    #[arg(long, conflicts_with = "tiny")]
    full: bool,
    /// Seconds: a smoke test of the pipeline.
    #[arg(long)]
    tiny: bool,
    /// Seed of the data, the initial weights and the shuffling.
    #[arg(long, default_value_t = 2010)]
    seed: u64,
    /// Run folder (default: runs/<study>-<setting>-seed<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Independent jobs (training runs) at once (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Threads per matrix product, used when one job runs at a time.
    #[arg(long, default_value_t = 1)]
    matmul_threads: usize,
    /// Continue an interrupted run in --out, keeping its finished parts.
    #[arg(long)]
    resume: bool,
    /// Run only the i-th of n parts of the job list, e.g. 3/8 (merge the folders afterwards).
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Folder holding MNIST's four IDX files (raw or .gz).
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// Folder holding CIFAR-10's binary batches.
    #[arg(long)]
    cifar: Option<PathBuf>,
    /// Folder holding Fashion-MNIST (default: Debian's dataset-fashion-mnist when installed).
    #[arg(long)]
    fashion_mnist: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
    /// Override the updates per training run (stated in the report).
    #[arg(long)]
    updates: Option<usize>,
    /// Override the hidden width of the trained networks (stated in the report).
    #[arg(long)]
    width: Option<usize>,
    /// Seconds between two checkpoints of a training run (also written at the end and on Ctrl-C).
    #[arg(long, default_value_t = 300.0)]
    checkpoint_every: f64,
    /// Write TensorBoard event files to DIR (a folder per training run: scalars
    /// and, at every probe, per-layer histograms); watch with `tensorboard --logdir DIR`.
    #[arg(long, value_name = "DIR")]
    tensorboard: Option<PathBuf>,
    /// Learning rates to choose among on validation, e.g. 0.001,0.003,0.01 (default: the setting's grid).
    #[arg(long, value_delimiter = ',', value_parser = parse_rate)]
    rates: Option<Vec<f64>>,
    /// Train every network from each of these seeds, e.g. 2010,2011,2012: the first makes the
    /// validation and test sets and searches the learning rate, the others train at the rate it kept.
    #[arg(long, value_delimiter = ',', conflicts_with = "seed")]
    seeds: Option<Vec<u64>>,
    /// Train only these networks, e.g. tanh-d5,tanh-n-d5,softsign-d5 (keys: sigmoid-d5, sigmoid-d4,
    /// tanh-d5, softsign-d5, softsign-n-d5, tanh-n-d5); studies that need another show what is missing.
    #[arg(long, value_delimiter = ',', value_parser = parse_model)]
    models: Option<Vec<experiments::models::ModelId>>,
}

fn parse_model(text: &str) -> Result<experiments::models::ModelId, String> {
    experiments::models::ModelId::from_key(text).ok_or_else(|| {
        format!("{text}: not a network; one of sigmoid-d5, sigmoid-d4, tanh-d5, softsign-d5, softsign-n-d5, tanh-n-d5")
    })
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text.parse().map_err(|e| format!("{text}: {e}"))?;
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(format!("{text}: a learning rate must be a positive number"))
    }
}

/// `bench`'s options.
#[derive(Args)]
struct BenchArgs {
    /// W1 (the paper's network, minibatch 10), W2 (minibatch 100), W3 (Nielsen's
    /// network), or a bare product: MM10 ([10, 1000]·[1000, 1000]), MM100.
    workload: String,
    /// Threads per matrix product.
    #[arg(long, default_value_t = 1)]
    matmul_threads: usize,
    /// Seconds of timing (after a warm-up of a tenth of that).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Time the fused step (each layer's SGD update applied during backward, no weight gradient stored).
    #[arg(long)]
    fused: bool,
    /// With MM10/MM100: time matrixmultiply's sgemm itself (one thread), not gradlab's matmul.
    #[arg(long)]
    raw: bool,
}

/// `report`'s options.
#[derive(Args)]
struct ReportArgs {
    /// The run folder, finished or still running.
    dir: PathBuf,
}

/// `merge`'s options.
#[derive(Args)]
struct MergeArgs {
    /// Run folders to combine.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Folder to write the merged run to.
    #[arg(long)]
    out: PathBuf,
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (i, n) = text.split_once('/').ok_or("expected i/n, e.g. 2/8")?;
    let (i, n) =
        (i.parse::<usize>().map_err(|e| e.to_string())?, n.parse::<usize>().map_err(|e| e.to_string())?);
    if i == 0 || i > n {
        return Err(format!("shard {i}/{n}: i must be between 1 and n"));
    }
    Ok((i, n))
}

/// The command line: one subcommand per registered study, then `merge` and `bench`.
fn cli() -> Command {
    let mut cli = Command::new("experiments")
        .about("Reproduce Glorot & Bengio (2010) with gradlab")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true);
    for &id in StudyId::ALL {
        cli = cli.subcommand(RunArgs::augment_args(Command::new(id.command()).about(id.study().about())));
    }
    cli.subcommand(ReportArgs::augment_args(Command::new("report").about(
        "Render the report of a run folder, also while it runs: unfinished training runs show their curves up to their last checkpoint.",
    )))
    .subcommand(MergeArgs::augment_args(
        Command::new("merge").about("Combine run folders (e.g. the shards of a full sweep) and render the report."),
    ))
    .subcommand(BenchArgs::augment_args(Command::new("bench").about(
        "Time training steps of a workload (W1, W2, W3) and print `gradlab/W1 <threads> <median steps/s> min=.. max=.. allocs/step=..`.",
    )))
}

fn options(study: StudyId, args: RunArgs) -> Options {
    let setting = if args.full {
        Setting::Full
    } else if args.medium {
        Setting::Medium
    } else if args.tiny {
        Setting::Tiny
    } else {
        Setting::Quick
    };
    let seed = args.seeds.as_ref().and_then(|s| s.first().copied()).unwrap_or(args.seed);
    let seeds_name = args.seeds.as_ref().map(|s| s.iter().map(u64::to_string).collect::<Vec<_>>().join("_"));
    let out = args.out.unwrap_or_else(|| {
        let seeds_name = seeds_name.unwrap_or_else(|| seed.to_string());
        PathBuf::from(format!("runs/{}-{}-seed{seeds_name}", study.command(), setting.name()))
    });
    Options {
        jobs: args.jobs,
        matmul_threads: args.matmul_threads,
        resume: args.resume,
        shard: args.shard,
        mnist: args.mnist,
        cifar: args.cifar,
        fashion_mnist: args.fashion_mnist,
        quiet: args.quiet,
        updates: args.updates,
        width: args.width,
        checkpoint_seconds: args.checkpoint_every,
        rates: args.rates,
        seeds: args.seeds,
        models: args.models,
        tensorboard: args.tensorboard,
        ..Options::new(setting, seed, out)
    }
}

fn parse<T: FromArgMatches>(matches: &ArgMatches) -> T {
    T::from_arg_matches(matches).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    let (name, sub) = matches.subcommand().expect("a subcommand is required");
    match name {
        "report" => {
            let args: ReportArgs = parse(sub);
            finish(experiments::runner::report_in_progress(&args.dir), &args.dir)
        }
        "merge" => {
            let args: MergeArgs = parse(sub);
            finish(merge(&args.inputs, &args.out), &args.out)
        }
        "bench" => {
            let args: BenchArgs = parse(sub);
            bench(&args)
        }
        command => {
            let study = StudyId::from_command(command).expect("subcommands come from StudyId::ALL");
            let options = options(study, parse(sub));
            let monitor = monitor(options.quiet);
            stop_on_signals();
            finish(run(study, &options, monitor.as_ref()), &options.out)
        }
    }
}

/// Bars on a terminal; on a log file or a batch system's output, a line per
/// job every minute (bars would not draw there); nothing with `--quiet`.
fn monitor(quiet: bool) -> Box<dyn Monitor> {
    if !quiet && !std::io::stderr().is_terminal() {
        Box::new(LogLines::new(std::time::Duration::from_secs(60)))
    } else {
        Box::new(Bars::new(quiet))
    }
}

/// Progress bars on standard error, one per job.
struct Bars {
    multi: MultiProgress,
    style: ProgressStyle,
}

impl Bars {
    fn new(quiet: bool) -> Self {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let style =
            ProgressStyle::with_template("{prefix:>34} [{bar:28}] {pos:>8}/{len:8} eta {eta:>4} {msg}")
                .expect("valid template")
                .progress_chars("=> ");
        Bars { multi: MultiProgress::with_draw_target(target), style }
    }
}

/// One job's bar.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn set_position(&self, done: u64) {
        self.0.set_position(done);
    }
    fn message(&self, text: &str) {
        self.0.set_message(text.to_string());
    }
    fn finish(&self) {
        self.0.finish();
    }
}

impl Monitor for Bars {
    fn job(&self, key: &str) -> Box<dyn Progress + '_> {
        let bar =
            self.multi.add(ProgressBar::new(1).with_style(self.style.clone()).with_prefix(key.to_string()));
        bar.set_message("waiting");
        Box::new(Bar(bar))
    }

    fn warn(&self, text: &str) {
        let _ = self.multi.println(format!("warning: {text}"));
        if self.multi.is_hidden() {
            eprintln!("warning: {text}");
        }
    }
}

/// Ctrl-C and SIGTERM ask the training runs to checkpoint and stop; a second
/// Ctrl-C ends the program at once.
fn stop_on_signals() {
    let result = ctrlc::set_handler(|| {
        if experiments::interrupt::stop_requested() {
            std::process::exit(130);
        }
        eprintln!(
            "\nstopping: the runs in progress are saving their checkpoints (Ctrl-C again to quit at once)"
        );
        experiments::interrupt::request_stop();
    });
    if let Err(e) = result {
        eprintln!("warning: Ctrl-C will not checkpoint: {e}");
    }
}

/// The command line that continues this run: the same arguments with `--resume`.
fn resume_command() -> String {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".into());
    }
    format!("cargo run --release -p experiments -- {}", args.join(" "))
}

fn bench(args: &BenchArgs) -> ExitCode {
    if let Some(product) =
        experiments::bench::products().into_iter().find(|p| p.name.eq_ignore_ascii_case(&args.workload))
    {
        let threads = if args.raw { 1 } else { args.matmul_threads };
        let t = experiments::bench::time_product(&product, threads, args.seconds, 10, args.raw);
        let variant = if args.raw { " (matrixmultiply sgemm)" } else { "" };
        println!(
            "gradlab/{} {threads} {:.1} min={:.1} max={:.1}{variant}",
            product.name, t.median, t.min, t.max
        );
        return ExitCode::SUCCESS;
    }
    let Some(workload) =
        experiments::bench::workloads().into_iter().find(|w| w.name.eq_ignore_ascii_case(&args.workload))
    else {
        eprintln!("error: unknown workload {}; choose W1, W2, W3, MM10 or MM100", args.workload);
        return ExitCode::FAILURE;
    };
    let t = experiments::bench::time(&workload, args.matmul_threads, args.seconds, 10, args.fused);
    let variant = if args.fused { " (fused)" } else { "" };
    let allocations = t.allocations_per_step.map(|a| format!(" allocs/step={a:.0}")).unwrap_or_default();
    println!(
        "gradlab/{} {} {:.1} min={:.1} max={:.1}{allocations}{variant} isa={} matrixmultiply={}",
        workload.name,
        args.matmul_threads,
        t.median,
        t.min,
        t.max,
        tensor::kernels::plan::isa(),
        tensor::kernels::plan::matrixmultiply_isa()
    );
    ExitCode::SUCCESS
}

fn finish(result: experiments::Result<Report>, out: &std::path::Path) -> ExitCode {
    match result {
        Ok(report) => {
            let (passed, failed, na) = report.tally();
            println!("report: {}", out.join("report.md").display());
            println!("        {}", out.join("report.html").display());
            for section in &report.sections {
                for check in &section.checks {
                    let verdict = match check.passed {
                        Some(true) => "PASS",
                        Some(false) => "FAIL",
                        None => "n/a ",
                    };
                    println!(
                        "  {verdict} {:<9} {} — measured {}",
                        section.id, check.criterion, check.measured
                    );
                }
            }
            println!("criteria: {passed} passed, {failed} failed, {na} not checkable at this scale");
            ExitCode::SUCCESS
        }
        Err(experiments::Error::Interrupted) => {
            eprintln!(
                "interrupted: {} holds the finished parts and a checkpoint of every run in progress.",
                out.display()
            );
            eprintln!("continue with:\n  {}", resume_command());
            eprintln!(
                "look at it meanwhile with:\n  cargo run --release -p experiments -- report {}",
                out.display()
            );
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
