#!/usr/bin/env bash
# The editor's performance figures (docs/benchmarks.md): training speed with the editor open in a
# real window against headless training, the frame rate and frame time, and the start-up time from
# exec to the first frame (median of 5), with Mesa's shader cache and without it, and the
# edit-to-screen latency (p50/p95 over 50 edits of each kind, CPU and Vulkan backends, plain and beside
# two busy threads, training at max speed and at the 30 steps/s a window starts at; the end-to-end
# suite's DISABLED_ measurement, LATENCY=0 skips it), and the Surface view's frame time with 8
# optimizers at 1,000 steps/s each (issue 16: median <= 34 ms), and the image Viewport's (mnist-mlp,
# the CPU backend training at max speed; issue 14: median <= 34 ms).
# Usage: engine/bench/editor_bench.sh [path/to/neural-sandbox]   (needs Xvfb when DISPLAY is unset)
#        MODE=surface engine/bench/editor_bench.sh ...            (the Surface view's case alone)
set -euo pipefail
exe=${1:-build/default/sandbox/neural-sandbox}
frames=${FRAMES:-600}
[ -x "$exe" ] || { echo "editor_bench.sh: $exe is not an executable (build first)" >&2; exit 2; }

if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null || { echo "editor_bench.sh: no DISPLAY and no Xvfb" >&2; exit 2; }
  display=:97
  Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  export DISPLAY=$display
  sleep 1
fi

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

surface_case() {
  echo "== Surface view, 1280x720, 8 optimizers at 1000 steps/s each, --max-fps 0, $frames frames"
  race=$(mktemp --suffix=.json)
  cat >"$race" <<'JSON'
{"name": "surface-race8", "kind": "surface",
 "surface": {"name": "bowl", "condition": 10, "speed": 1000, "optimizers": [
   {"optimizer": "gd", "lr": 0.05}, {"optimizer": "sgd", "lr": 0.05}, {"optimizer": "momentum", "lr": 0.02},
   {"optimizer": "nesterov", "lr": 0.02}, {"optimizer": "adagrad", "lr": 0.1}, {"optimizer": "rmsprop", "lr": 0.01},
   {"optimizer": "adam", "lr": 0.01}, {"optimizer": "adamw", "lr": 0.01}]},
 "dataset": {"name": "gauss", "points": 200, "noise": 0.0, "train_ratio": 0.5, "features": "x1,x2"},
 "model": {"hidden": []}, "training": {"optimizer": "gd", "lr": 0.1, "batch": 0, "seed": 1}}
JSON
  "$exe" gui --preset "$race" --max-fps 0 --width 1280 --height 720 --frames "$frames" | grep '^gui:'
  rm -f "$race"
}

# MODE=surface: only the Surface view's frame time (the quick check of issue 16's target).
if [ "${MODE:-all}" = surface ]; then
  surface_case
  exit 0
fi

echo "== headless training (train, spiral on Vulkan, the same Session code without the editor)"
"$exe" train --preset spiral --backend vulkan --epochs 400 --json 2>/dev/null | tail -n 1 |
  python3 -c "import json, sys; r = json.load(sys.stdin); print('headless: %.0f steps/s (%d steps in %.1f s)' % (r['steps'] / r['seconds'], r['steps'], r['seconds']))"

echo "== editor in a window, 1280x720, training at max speed while it renders $frames frames"
"$exe" gui --backend vulkan --speed max --width 1280 --height 720 --frames "$frames" | grep '^gui:'

surface_case

echo "== image Viewport, 1280x720, mnist-mlp on the CPU backend at max speed, --max-fps 0, $frames frames"
"$exe" gui --preset mnist-mlp --backend cpu --speed max --max-fps 0 --width 1280 --height 720 --frames "$frames" |
  grep '^gui:'

for cache in on off; do
  echo "== start-up, exec to the first frame, 5 runs, Mesa shader cache $cache"
  env=()
  [ "$cache" = off ] && env=(MESA_SHADER_CACHE_DISABLE=true)
  "$exe" gui --backend vulkan --frames 2 >/dev/null  # warms the caches (the pipeline cache, Mesa's disk cache)
  for _ in 1 2 3 4 5; do
    env "${env[@]}" "$exe" gui --backend vulkan --frames 2 | sed -n 's/.*first frame \([0-9.]*\) s after start/\1/p'
  done | tee /dev/stderr | median | sed 's/^/median: /; s/$/ s/'
done

if [ "${LATENCY:-1}" != 0 ]; then
  e2e=$(dirname "$exe")/../tests/nsb_test_e2e
  [ -x "$e2e" ] || { echo "editor_bench.sh: $e2e is not built" >&2; exit 2; }
  for backend in cpu vulkan; do
    for speed in 0 30; do
      for busy in 0 2; do
        echo "== edit-to-screen latency, $backend backend, training at ${speed/#0/max} steps/s, $busy busy threads, 30 frames/s"
        NSB_LATENCY_BACKEND=$backend NSB_LATENCY_SPEED=$speed NSB_E2E_BUSY=$busy "$e2e" \
          --gtest_also_run_disabled_tests --gtest_filter='EditLatency.*' | grep -E '^latency|Failure' || true
      done
    done
  done
fi
