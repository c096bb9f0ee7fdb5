//! The CLI end to end on tiny settings: the report has every section; resume,
//! shards and merge work; `--full` runs on a tiny override.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECTIONS: [&str; 13] = [
    "fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "fig10", "fig11", "fig12", "table1",
    "jacobian",
];

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-cli-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn experiments(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_experiments")).args(args).output().expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = experiments(args);
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_full_report(dir: &Path) {
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    for id in SECTIONS {
        assert!(md.contains(&format!("## {id} — ")), "report lacks section {id}");
    }
    assert!(md.contains("Criteria: "));
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("PASS"), "the HTML inlines its figures and verdicts");
    for file in [
        "config.json",
        "curves.csv",
        "probes.csv",
        "init_stats.csv",
        "fig11.svg",
        "fig11.png",
        "fig6_standard.png",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
}

#[test]
fn reproduce_writes_a_complete_report_and_resumes() {
    let dir = scratch("reproduce");
    let d = dir.to_str().unwrap();
    let stdout = ok(&["reproduce", "--tiny", "--out", d, "--quiet", "--jobs", "2"]);
    assert!(stdout.contains("criteria:"), "{stdout}");
    assert_full_report(&dir);
    let config = fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(
        config.contains("\"seed\":2010") && config.contains("git_revision") && config.contains("\"jobs\":2")
    );

    // Rerunning into the same folder refuses; --resume keeps the finished parts.
    assert!(!experiments(&["reproduce", "--tiny", "--out", d, "--quiet"]).status.success());
    let part = dir.join("parts/init.json");
    let before = fs::metadata(&part).unwrap().modified().unwrap();
    fs::remove_file(dir.join("parts/surface.json")).unwrap(); // as if interrupted before it finished
    ok(&["reproduce", "--tiny", "--out", d, "--quiet", "--resume"]);
    assert_eq!(fs::metadata(&part).unwrap().modified().unwrap(), before, "finished parts are kept");
    assert!(dir.join("parts/surface.json").exists(), "the missing part is computed");
}

#[test]
fn shards_merge_into_the_same_report() {
    let (a, b, merged) = (scratch("shard1"), scratch("shard2"), scratch("merged"));
    for (dir, shard) in [(&a, "1/2"), (&b, "2/2")] {
        ok(&["fig11", "--tiny", "--out", dir.to_str().unwrap(), "--quiet", "--shard", shard]);
    }
    let parts = |dir: &Path| fs::read_dir(dir.join("parts")).unwrap().count();
    assert_eq!(parts(&a) + parts(&b), 6, "six Shapeset models split between two shards");
    ok(&["merge", a.to_str().unwrap(), b.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    let md = fs::read_to_string(merged.join("report.md")).unwrap();
    for model in ["Sigmoid depth 5", "Sigmoid depth 4", "Tanh N", "Softsign N"] {
        assert!(md.contains(model), "merged report lacks {model}");
    }
    assert!(!experiments(&["fig11", "--tiny", "--shard", "3/2", "--out", scratch("bad").to_str().unwrap()])
        .status
        .success());
}

#[test]
fn full_setting_runs_on_a_tiny_override() {
    let dir = scratch("full");
    ok(&["fig11", "--full", "--updates", "20", "--width", "8", "--out", dir.to_str().unwrap(), "--quiet"]);
    let config = fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(config.contains("\"setting\":\"Full\""));
    // The full setting searches its five learning rates for each of the six
    // models by successive halving: one part per model, every rate in its table.
    let parts: Vec<String> = fs::read_dir(dir.join("parts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(parts.len(), 6, "{parts:?}");
    assert!(parts.iter().all(|p| p.ends_with("-search.json")), "{parts:?}");
    assert!(
        !dir.join("checkpoints/shapeset-tanh-d5-lr0.1").exists(),
        "checkpoints go once the part is saved"
    );
    ok(&[
        "table1",
        "--full",
        "--updates",
        "20",
        "--width",
        "8",
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
        "--resume",
    ]);
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("successive halving") && md.contains("0.001: ") && md.contains("0.1: "), "{md}");
    let curves = fs::read_to_string(dir.join("curves.csv")).unwrap();
    assert!(
        curves.lines().filter(|l| l.starts_with("shapeset")).count() >= 6 * 5,
        "every rate's curve: {curves}"
    );
    assert!(fs::read_to_string(dir.join("probes.csv")).unwrap().lines().count() > 1, "the kept runs' probes");
    assert!(md.contains("with overrides"), "the report says the scale was overridden");
}

#[test]
fn folders_written_before_the_registry_still_merge() {
    // config.json as the earlier versions wrote it: worker count as "threads",
    // no matmul thread count, no recorded image sources.
    let (old, merged) = (scratch("old-format"), scratch("old-merged"));
    ok(&["fig5", "--tiny", "--out", old.to_str().unwrap(), "--quiet", "--jobs", "1"]);
    let config = fs::read_to_string(old.join("config.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&config).unwrap();
    let object = value.as_object_mut().unwrap();
    object.remove("images");
    object.remove("matmul_threads");
    let jobs = object.remove("jobs").unwrap();
    object.insert("threads".into(), jobs);
    let options = object["options"].as_object_mut().unwrap();
    options.remove("jobs");
    options.remove("matmul_threads");
    options.insert("threads".into(), serde_json::Value::Null);
    fs::write(old.join("config.json"), serde_json::to_string(&value).unwrap()).unwrap();
    let stdout = ok(&["merge", old.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert!(stdout.contains("PASS fig5"), "{stdout}");
}

/// Runs `args`, interrupting it with SIGINT once a training run has written a
/// checkpoint, then resumes it; returns whether the kill landed before the end.
fn killed_once_and_resumed(args: &[&str], dir: &Path) -> bool {
    let child = Command::new(env!("CARGO_BIN_EXE_experiments"))
        .args(args)
        .args(["--out", dir.to_str().unwrap(), "--quiet", "--jobs", "1", "--checkpoint-every", "0.05"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let checkpointed = || {
        fs::read_dir(dir.join("checkpoints"))
            .is_ok_and(|d| d.flatten().any(|e| e.path().join("state.json").exists()))
    };
    while !checkpointed() && started.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let interrupted = !out.status.success();
    if interrupted {
        assert!(
            stderr.contains("--resume") && stderr.contains("interrupted"),
            "says how to resume: {stderr}"
        );
        ok(&["report", dir.to_str().unwrap()]);
        assert!(title(dir).ends_with("(partial)"), "a run in progress renders as partial: {}", title(dir));
    }
    let mut resume: Vec<&str> = args.to_vec();
    resume.extend(["--out", dir.to_str().unwrap(), "--quiet", "--jobs", "1", "--resume"]);
    ok(&resume);
    ok(&["report", dir.to_str().unwrap()]);
    assert!(!title(dir).contains("(partial)"), "a finished run is not partial: {}", title(dir));
    interrupted
}

/// The first line of the folder's report.md.
fn title(dir: &Path) -> String {
    fs::read_to_string(dir.join("report.md")).unwrap().lines().next().unwrap_or("").to_string()
}

#[test]
fn shards_killed_once_and_resumed_merge_into_the_unsharded_report() {
    let args = ["fig11", "--tiny", "--updates", "3000"];
    let whole = scratch("unsharded");
    let mut plain: Vec<&str> = args.to_vec();
    plain.extend(["--out", whole.to_str().unwrap(), "--quiet", "--jobs", "1"]);
    ok(&plain);
    let (a, b, merged) = (scratch("killed1"), scratch("killed2"), scratch("killed-merged"));
    let first = killed_once_and_resumed(&[&args[..], &["--shard", "1/2"]].concat(), &a);
    let second = killed_once_and_resumed(&[&args[..], &["--shard", "2/2"]].concat(), &b);
    assert!(first || second, "at least one shard was stopped mid-run (each has 3 runs of 3000 updates)");
    ok(&["merge", a.to_str().unwrap(), b.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    let report = |dir: &Path| {
        let md = fs::read_to_string(dir.join("report.md")).unwrap();
        md.lines().filter(|l| !l.starts_with("Setting `")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(report(&merged), report(&whole), "same report, bit for bit, after kills and a merge");
}

#[test]
fn a_resume_that_finds_other_image_data_is_refused() {
    let dir = scratch("other-data");
    let mnist = scratch("other-data-mnist");
    fs::create_dir_all(&mnist).unwrap();
    let d = dir.to_str().unwrap();
    ok(&["fig5", "--tiny", "--out", d, "--quiet", "--mnist", mnist.to_str().unwrap()]);
    let out = experiments(&["fig5", "--tiny", "--out", d, "--quiet", "--resume"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "without --mnist the resumed run would leave MNIST out: {stderr}");
    assert!(stderr.contains("image data") && stderr.contains(mnist.to_str().unwrap()), "{stderr}");
}

#[test]
fn a_resume_on_another_kernel_plan_warns_and_the_report_says_so() {
    let dir = scratch("other-kernels");
    let d = dir.to_str().unwrap();
    ok(&["fig10", "--tiny", "--out", d, "--quiet"]);
    let config = fs::read_to_string(dir.join("config.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert!(value["kernels"]["isa"].is_string() && value["kernels"]["cpu"].is_string(), "{config}");
    value["kernels"] = serde_json::json!({"isa": "portable", "cpu": "Another CPU"});
    fs::write(dir.join("config.json"), value.to_string()).unwrap();
    for part in fs::read_dir(dir.join("parts")).unwrap() {
        fs::remove_file(part.unwrap().path()).unwrap(); // as if the run stopped before its parts
    }
    let out = experiments(&["fig10", "--tiny", "--out", d, "--quiet", "--resume"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("portable kernels on \"Another CPU\"") && stderr.contains("bit for bit"),
        "the resume names the other plan and what it means: {stderr}"
    );
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("computed with other kernel plans too (portable kernels on \"Another CPU\")"),
        "{md}"
    );
}

#[test]
fn the_headline_study_reports_the_gap_by_width_and_seed() {
    let dir = scratch("headline");
    let d = dir.to_str().unwrap();
    ok(&["headline", "--tiny", "--seeds", "2010,2011", "--rates", "0.03,0.1", "--out", d, "--quiet"]);
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    // Width 32 from both seeds, the paper's width stood in for by 64 from the first.
    for expected in [
        "| 32 | Tanh |",
        "| 32 | Tanh N |",
        "| 64 | Tanh |",
        "2010: ",
        "2011: ",
        "width 32: err(Tanh N) < err(Tanh), over seeds",
        "width 64: err(Tanh N) < err(Tanh)",
        "gap Tanh − Tanh N (points)",
    ] {
        assert!(md.contains(expected), "the report lacks {expected:?}:\n{md}");
    }
    assert!(dir.join("headline_gap.svg").exists() && dir.join("headline_errors.png").exists());
    let parts: Vec<String> = fs::read_dir(dir.join("parts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(parts.contains(&"shapeset-tanh-n-d5-w32-seeds2010_2011.json".to_string()), "{parts:?}");
    assert!(parts.contains(&"shapeset-tanh-d5-w64-seeds2010.json".to_string()), "{parts:?}");
}

#[test]
fn tensorboard_writes_a_folder_of_events_per_training_run() {
    let dir = scratch("tensorboard");
    let board = dir.join("tb");
    let (d, b) = (dir.to_str().unwrap(), board.to_str().unwrap());
    ok(&["fig3", "--tiny", "--out", d, "--quiet", "--tensorboard", b]);
    let mut runs: Vec<String> = fs::read_dir(&board)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    runs.sort();
    assert_eq!(runs, ["shapeset-softsign-d5-lr0.05", "shapeset-tanh-d5-lr0.05"]);
    for run in runs {
        let files = nn::tensorboard::event_files(&board.join(&run)).unwrap();
        assert_eq!(files.len(), 1, "{run}");
        // The version event, then per evaluation (0, 200, 400, 600): the two
        // errors, the rate, the loss (not at 0), and 15 histograms.
        assert_eq!(nn::tensorboard::read_events(&files[0]).unwrap().len(), 1 + 4 * 18 + 3, "{run}");
    }
    // The configuration records where the events went, for a resume.
    let config = fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(config.contains(&format!("\"tensorboard\":\"{b}\"")), "{config}");
}

#[test]
fn progress_goes_to_a_log_as_lines() {
    // Standard error is a pipe here, as in a log file or a batch job's output:
    // bars would not draw, so each job writes lines, the last at 100 %.
    let dir = scratch("log-lines");
    let out = experiments(&["fig3", "--tiny", "--out", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let done = stderr.lines().filter(|l| l.contains("(100.0%)")).count();
    assert!(done >= 1, "each job ends with a line at 100 %: {stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("shapeset-") && l.contains("/600 ")), "{stderr}");
    let quiet = experiments(&["fig3", "--tiny", "--quiet", "--out", dir.join("q").to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("(100.0%)"), "--quiet prints no progress");
    let _ = fs::remove_dir_all(&dir);
}
