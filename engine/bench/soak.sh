#!/usr/bin/env bash
# The editor's soak as a benchmark (issue 15, docs/benchmarks.md): RUNS runs of SECONDS each (default 5 of
# 60 s, what `ctest -L soak` runs once) and one long run of LONG seconds (default 600), each a fresh process
# of tests/ui/EditorSoakTest.cpp: random live edits while the spiral trains on Vulkan and the editor draws,
# the resident-memory floor of the last quarter within 64 MiB of the second's. Prints each run's line and
# its frames, edits and resident floor per quarter, then how many runs passed. LONG=0 skips the long run.
# Usage: engine/bench/soak.sh [build/default]   (needs Xvfb when DISPLAY is unset)
set -euo pipefail
build=${1:-build/default}
runs=${RUNS:-5}
seconds=${SECONDS_PER_RUN:-60}
long=${LONG:-600}
test=$build/tests/nsb_test_ui
[ -x "$test" ] || { echo "soak.sh: $test is not built" >&2; exit 2; }

if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null || { echo "soak.sh: no DISPLAY and no Xvfb" >&2; exit 2; }
  display=:96
  Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  export DISPLAY=$display
  sleep 1
fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
soak() {  # seconds label -> 0 when the run passed
  local out
  out=$(NSB_SOAK=$1 "$test" --gtest_filter='EditorSoak.*' 2>&1) && status=0 || status=$?
  echo "$out" | grep -E '^soak|Failure|Expected|growth' | sed "s/^/$2: /"
  return $status
}
passed=0
for run in $(seq 1 "$runs"); do
  if soak "$seconds" "run $run of $runs (${seconds} s)"; then passed=$((passed + 1)); fi
done
echo "soak: $passed of $runs runs of $seconds s passed"
if [ "$long" != 0 ]; then
  if soak "$long" "long run (${long} s)"; then echo "soak: the $long s run passed"; else echo "soak: the $long s run FAILED"; fi
fi
[ "$passed" = "$runs" ]
