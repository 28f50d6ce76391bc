#!/usr/bin/env bash
# The loss landscape's performance figures (docs/benchmarks.md): `neural-sandbox landscape` on a
# mnist-mlp checkpoint (784-64-64-10, trained 300 steps here) over the first 256 test samples, 33x33 and
# 65x65 on the CPU backend and 33x33 on Vulkan (lavapipe where no GPU is); the median of RUNS runs of
# the JSON's "seconds" (the directions and the grid, not loading), with the load average beside it,
# since the figures move with what else runs on the machine.
# Usage: engine/bench/landscape_bench.sh [path/to/neural-sandbox]   (RUNS=5, VULKAN_RUNS=3)
set -euo pipefail
exe=${1:-build/default/sandbox/neural-sandbox}
runs=${RUNS:-5}
vulkan_runs=${VULKAN_RUNS:-3}
[ -x "$exe" ] || { echo "landscape_bench.sh: $exe is not an executable (build first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

"$exe" train --preset mnist-mlp --backend cpu --max-steps 300 --save "$work/mnist.safetensors" >/dev/null 2>&1 ||
  { echo "landscape_bench.sh: could not train the mnist-mlp checkpoint (is MNIST in the data cache?)" >&2; exit 1; }

measure() {  # backend grid runs target
  local backend=$1 grid=$2 n=$3 target=$4 times=()
  for _ in $(seq "$n"); do
    times+=("$("$exe" landscape --checkpoint "$work/mnist.safetensors" --dataset mnist --grid "$grid" --span 1 \
      --batch 256 --seed 1 --backend "$backend" --json 2>/dev/null | tail -n 1 |
      python3 -c "import json, sys; print(json.load(sys.stdin)['seconds'])")")
  done
  printf 'landscape %sx%s mnist-mlp, 256 samples, %s: median %.3f s of %d (%s; target < %s s), load average %s\n' \
    "$grid" "$grid" "$backend" "$(printf '%s\n' "${times[@]}" | median)" "$n" "$(printf '%.3f ' "${times[@]}")" \
    "$target" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

measure cpu 33 "$runs" 0.5
measure cpu 65 "$runs" 2
measure vulkan 33 "$vulkan_runs" 2
