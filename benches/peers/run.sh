#!/usr/bin/env bash
# Installs the pinned peers (numpy, PyTorch) into benches/peers/.venv, builds
# gradlab's bench binary, and runs every workload side by side:
#   bash benches/peers/run.sh [compare.py options, e.g. --rounds 3 --seconds 5 --isa avx2]
# A benchmark people run by hand; not part of cargo test or CI. The Linux torch
# wheel from PyPI brings its CUDA libraries (about 5 GB installed); they are not used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --requirement "$here/requirements.txt"

(cd "$root" && cargo build --release -p experiments)
# The avx2 class also holds matrixmultiply (gradlab's fallback, and the raw
# GEMM in the table) to its AVX2 kernels: a build without its AVX-512 ones.
if [[ " $* " == *" --isa avx2 "* || " $* " == *" --isa=avx2 "* ]]; then
  (cd "$root" && cargo build --release -p experiments --no-default-features --features cli \
    --target-dir target/avx2-class)
fi
"$venv/bin/python" "$here/compare.py" "$@"
