"""Runs gradlab, numpy and PyTorch side by side, interleaved, and prints one table.

Every (round, thread count, workload) visits the frameworks in an order that
rotates from round to round, each measurement in a fresh process with its thread
variables set, so that the machine's drift over the run falls on all of them
alike. The table gives the median over rounds of each framework's median rate,
gradlab / best peer, and the range of that ratio taken round by round. Only
ratios from one run of this script are results: figures from another machine,
or another run, are not comparable.

Usage: python compare.py [--rounds N] [--seconds S] [--threads 1,2] [--workloads W1,W2,...]
(run.sh installs the pinned peers and builds gradlab first).
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GRADLAB = ROOT / "target" / "release" / "experiments"
# The avx2 class's build: matrixmultiply without its AVX-512 kernels (run.sh builds it).
GRADLAB_AVX2_CLASS = ROOT / "target" / "avx2-class" / "release" / "experiments"
THREAD_VARIABLES = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"]
# Set on some machines for old OpenBLAS builds; they slow a current numpy (see README).
OPENBLAS_OVERRIDES = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]

# --isa: the instruction-set class every framework is held to, so a class can
# be compared like with like on a CPU that has more (AVX2 on an AVX-512 CPU).
# In the avx2 class gradlab also runs a build whose matrixmultiply lacks its
# AVX-512 kernels (GRADLAB_AVX2_CLASS), which it would otherwise pick at run time.
ISA_ENVIRONMENTS = {
    "native": {},
    "avx2": {
        "GRADLAB_ISA": "avx2",
        "OPENBLAS_CORETYPE": "Haswell",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "ATEN_CPU_CAPABILITY": "avx2",
    },
    # gradlab's floor: plain matrixmultiply and scalar loops; the peers keep their own kernels.
    "portable": {"GRADLAB_ISA": "portable"},
}
ISA = "native"


def command(framework, workload, threads, seconds):
    if framework == "gradlab":
        return [str(GRADLAB), "bench", workload, "--matmul-threads", str(threads), "--seconds", str(seconds)]
    if framework == "matrixmultiply":
        return [str(GRADLAB), "bench", workload, "--raw", "--seconds", str(seconds)]
    return [sys.executable, str(HERE / "workloads.py"), framework, workload, str(threads), str(seconds)]


def cpus_for(threads, pin):
    """The CPUs a run on `threads` threads is bound to: the last `threads` this
    process may use (on a shared machine the first ones tend to take the
    interrupts), or None to leave the scheduler free."""
    allowed = sorted(os.sched_getaffinity(0))
    return set(allowed[-threads:]) if pin and threads <= len(allowed) else None


def measure(framework, workload, threads, seconds, pin=True):
    cpus = cpus_for(threads, pin)
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    for name in OPENBLAS_OVERRIDES:
        env.pop(name, None)
    env.update(ISA_ENVIRONMENTS[ISA])
    bind = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    out = subprocess.run(
        command(framework, workload, threads, seconds), env=env, capture_output=True, text=True, preexec_fn=bind
    )
    if out.returncode != 0:
        sys.exit(f"{framework} {workload} failed:\n{out.stderr}")
    line = out.stdout.strip().splitlines()[-1]
    print(f"  {line}", flush=True)
    return float(line.split()[2])


def frameworks_for(workload, threads):
    frameworks = ["gradlab", "numpy", "torch"]
    # matrixmultiply (without its threading feature) runs on one thread only.
    if workload.startswith("MM") and threads == 1:
        frameworks.append("matrixmultiply")
    return frameworks


def versions():
    import numpy
    import torch
    from threadpoolctl import threadpool_info

    blas = ", ".join(
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')})"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    )
    return f"numpy {numpy.__version__} [{blas}], torch {torch.__version__} [MKL {torch.backends.mkl.is_available()}]"


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--workloads", default="W1,W2,W3,MM10,MM100")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not bind each run to the last N CPUs (N = its thread count)"
    )
    parser.add_argument(
        "--isa",
        choices=sorted(ISA_ENVIRONMENTS),
        default="native",
        help="hold every framework to an instruction-set class (avx2: gradlab's AVX2 plan, OpenBLAS's Haswell kernel, MKL and ATen at AVX2)",
    )
    args = parser.parse_args()
    global ISA, GRADLAB
    ISA = args.isa
    if ISA == "avx2":
        GRADLAB = GRADLAB_AVX2_CLASS
    threads = [int(t) for t in args.threads.split(",")]
    workloads = args.workloads.split(",")
    if not GRADLAB.exists():
        build = "cargo build --release -p experiments"
        if ISA == "avx2":
            build += " --no-default-features --features cli --target-dir target/avx2-class"
        sys.exit(f"{GRADLAB} is missing: {build}")

    rates = {}
    for round_ in range(args.rounds):
        for t in threads:
            for w in workloads:
                frameworks = frameworks_for(w, t)
                shift = round_ % len(frameworks)
                print(f"round {round_ + 1}/{args.rounds}, {w}, {t} thread(s)", flush=True)
                for f in frameworks[shift:] + frameworks[:shift]:
                    rates.setdefault((w, t, f), []).append(measure(f, w, t, args.seconds, not args.no_pin))

    print()
    print(f"CPU: {cpu_model()}; {os.cpu_count()} logical CPUs; {datetime.date.today()}")
    print(f"peers: {versions()}")
    pinned = {t: cpus_for(t, not args.no_pin) for t in threads}
    print("CPUs: " + "; ".join(f"{t} thread(s) on {sorted(c) if c else 'any'}" for t, c in pinned.items()))
    forced = ", ".join(f"{k}={v}" for k, v in ISA_ENVIRONMENTS[ISA].items()) or "none: each framework's own choice"
    print(f"instruction-set class: {ISA} ({forced})")
    print(f"gradlab and matrixmultiply: {GRADLAB.relative_to(ROOT)}", end="")
    print(" (matrixmultiply without its AVX-512 kernels)" if ISA == "avx2" else "")
    print(f"command: python benches/peers/compare.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"median over {args.rounds} interleaved rounds of each run's median rate (steps/s; products/s for MM);")
    print("per round: the lowest and highest of the rounds' own gradlab ÷ best peer")
    print()
    header = f"| workload ({ISA}) | threads | gradlab | numpy | PyTorch | matrixmultiply | gradlab ÷ best peer | per round |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for w in workloads:
        for t in threads:
            median = {f: statistics.median(rates[(w, t, f)]) for f in frameworks_for(w, t)}
            best_peer = max(median["numpy"], median["torch"])
            raw = f"{median['matrixmultiply']:.1f}" if "matrixmultiply" in median else "—"
            per_round = round_ratios(rates, w, t)
            print(
                f"| {w} | {t} | {median['gradlab']:.1f} | {median['numpy']:.1f} | {median['torch']:.1f} | "
                f"{raw} | {median['gradlab'] / best_peer:.2f}× | {min(per_round):.2f}–{max(per_round):.2f}× |"
            )


def round_ratios(rates, workload, threads):
    """gradlab ÷ best peer within each round: the frameworks of one round ran
    minutes apart at most, so the spread of these says how far one run's
    ratio can be trusted on this machine."""
    gradlab, numpy, torch = (rates[(workload, threads, f)] for f in ("gradlab", "numpy", "torch"))
    return [g / max(n, t) for g, n, t in zip(gradlab, numpy, torch)]


if __name__ == "__main__":
    main()
