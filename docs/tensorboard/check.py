"""Reads gradlab's TensorBoard event files with TensorBoard's own reader and
checks every tag and step: the scalars at every evaluation, and the per-layer
histograms at every probe.

    python check.py RUN_FOLDER TENSORBOARD_FOLDER

RUN_FOLDER is the study's `--out` (its config.json gives the updates and the
evaluation interval); TENSORBOARD_FOLDER its `--tensorboard`, one folder per
training run. Exits non-zero, saying what differs, if anything is missing or extra.
"""

import json
import sys
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

SCALARS = ["error/test", "error/validation", "learning_rate"]
HISTOGRAMS = ["activation", "gradient_pre_activation", "gradient_weight"]


def expected_steps(config):
    scale = config["scale"]
    updates, every = scale["updates"], min(scale["eval_every"], scale["updates"])
    steps = list(range(0, updates + 1, every))
    if steps[-1] != updates:
        steps.append(updates)
    return steps


def check_run(folder, steps, layers):
    problems = []
    runs = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    runs.Reload()
    tags = runs.Tags()
    want_scalars = SCALARS + ["loss/train"]
    want_histograms = [f"layer{l}/{name}" for l in range(1, layers + 1) for name in HISTOGRAMS]
    for tag in want_scalars:
        if tag not in tags["scalars"]:
            problems.append(f"scalar {tag} missing")
            continue
        got = [event.step for event in runs.Scalars(tag)]
        want = steps[1:] if tag == "loss/train" else steps
        if got != want:
            problems.append(f"scalar {tag}: steps {got}, expected {want}")
    for tag in want_histograms:
        if tag not in tags["histograms"]:
            problems.append(f"histogram {tag} missing")
            continue
        events = runs.Histograms(tag)
        got = [event.step for event in events]
        if got != steps:
            problems.append(f"histogram {tag}: steps {got}, expected {steps}")
        for event in events:
            value = event.histogram_value
            if abs(sum(value.bucket) - value.num) > 0.5:
                problems.append(f"histogram {tag} at {event.step}: buckets hold {sum(value.bucket)} of {value.num}")
    extra = set(tags["scalars"]) - set(want_scalars) | set(tags["histograms"]) - set(want_histograms)
    if extra:
        problems.append(f"unexpected tags {sorted(extra)}")
    count = len(tags["scalars"]) + len(tags["histograms"])
    return problems, count


def main():
    run_folder, board = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((run_folder / "config.json").read_text())
    steps = expected_steps(config)
    runs = sorted(p for p in board.iterdir() if p.is_dir())
    if not runs:
        sys.exit(f"{board}: no run folders")
    failed = False
    for run in runs:
        problems, count = check_run(run, steps, layers=5)
        status = "ok" if not problems else "FAILED"
        print(f"{run.name}: {count} tags, steps {steps[0]}..{steps[-1]} ({len(steps)} evaluations): {status}")
        for problem in problems:
            print(f"  {problem}")
        failed |= bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
