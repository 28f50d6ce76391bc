#!/usr/bin/env bash
# The race's performance figures (docs/benchmarks.md): samples/s of `train --race` with 4 replicas
# (samples counted over all replicas) against one solo run of the same preset, the median of RUNS runs
# of the JSON's samples_per_sec, for spiral on the CPU backend and on Vulkan (lavapipe where no GPU
# is; target: race >= 2.5x solo) and for mnist-mlp (target: race >= 1x solo, i.e. never slower than
# four runs one after another). The load average is printed beside each figure, since they move with
# what else runs on the machine.
# Usage: engine/bench/race_bench.sh [path/to/neural-sandbox]   (RUNS=5, MNIST_STEPS: see below)
set -euo pipefail
exe=${1:-build/default/sandbox/neural-sandbox}
runs=${RUNS:-5}
[ -x "$exe" ] || { echo "race_bench.sh: $exe is not an executable (build first)" >&2; exit 2; }

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
rate() { "$exe" train "$@" --json 2>/dev/null | tail -n 1 | python3 -c "import json, sys; print(json.load(sys.stdin)['samples_per_sec'])"; }

compare() {  # preset backend target args...
  local preset=$1 backend=$2 target=$3 solo=() race=()
  shift 3
  for _ in $(seq "$runs"); do
    solo+=("$(rate --preset "$preset" --backend "$backend" "$@")")
    race+=("$(rate --preset "$preset" --backend "$backend" "$@" --race "sgd:0.1,momentum:0.1,adam:0.01,adamw:0.01")")
  done
  local s r
  s=$(printf '%s\n' "${solo[@]}" | median)
  r=$(printf '%s\n' "${race[@]}" | median)
  printf '%s on %s: solo %.0f samples/s, 4-replica race %.0f samples/s: %.2fx (target >= %s), medians of %d, load average %s\n' \
    "$preset" "$backend" "$s" "$r" "$(python3 -c "print($r / $s)")" "$target" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

compare spiral cpu 2.5 --epochs 100
compare spiral vulkan 2.5 --epochs 20
# mnist-mlp: one epoch (1875 steps of 32).
compare mnist-mlp cpu 1.0 --epochs 1
compare mnist-mlp vulkan 1.0 --epochs 1
