#!/usr/bin/env bash
# Checks gradlab's TensorBoard event files against TensorBoard itself, by hand
# (not part of `cargo test`): installs TensorBoard into docs/tensorboard/.venv,
# trains the Fig. 3 study with --tensorboard, reads every event back with
# TensorBoard's own reader (check.py), then serves the runs and, if Chromium
# is installed, screenshots the histogram dashboard of their activations.
#
#   bash docs/tensorboard/run.sh [OUT_FOLDER] [tiny|quick]
#
# tiny (the default): Tanh and Softsign, 600 updates, seconds after the build
# and the first installation (about a minute, 300 MB). quick: Tanh alone,
# 100,000 updates at width 200, about four minutes; its screenshot is
# docs/tensorboard/tanh-histograms.png.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
out="${1:-runs/tensorboard-check}"
setting="${2:-tiny}"
board="$out/tensorboard"
case "$setting" in
  tiny) study=(fig3 --tiny) ;;
  quick) study=(fig3 --quick --models tanh-d5 --jobs 1) ;;
  *) echo "setting: tiny or quick, not $setting" >&2; exit 2 ;;
esac

if [ ! -x "$here/.venv/bin/tensorboard" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
fi

cargo build --release -q -p experiments
rm -rf "$out"
./target/release/experiments "${study[@]}" --quiet --out "$out" --tensorboard "$board"
"$here/.venv/bin/python" "$here/check.py" "$out" "$board"

port=6006
"$here/.venv/bin/tensorboard" --logdir "$board" --port "$port" --bind_all >"$out/tensorboard.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 60); do
  curl -fs "http://localhost:$port/data/runs" >/dev/null 2>&1 && break
  sleep 1
done
echo "TensorBoard serves $board at http://localhost:$port"

if command -v chromium >/dev/null; then
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --window-size=1400,1000 --virtual-time-budget=20000 \
    --screenshot="$out/histograms.png" \
    "http://localhost:$port/?darkMode=false#histograms&tagFilter=%2Factivation%24" \
    2>/dev/null
  echo "screenshot: $out/histograms.png"
fi
