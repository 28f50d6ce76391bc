#!/usr/bin/env bash
# Runs each loader's fuzzer (fuzz/*Fuzzer.cpp, built with the `fuzz` preset) for N minutes (default 10),
# one after another, each on its corpus in fuzz/corpus/<name>. The inputs a run finds go to a scratch
# folder first; a merge (-merge=1 -use_counters=0) then adds to fuzz/corpus/<name> only those that reach
# code the corpus did not (new edges, not new hit counts), so the committed corpus stays small and the
# next run starts deeper. A crash, leak or timeout stops that fuzzer; its input is kept in
# build/fuzz/findings/<name>/ and the script exits 1 after the others have run. CI runs each fuzzer for
# 10 s (test.sh); this is the long run.
#   engine/bench/fuzz_long.sh [MINUTES] [FUZZER...]     e.g. engine/bench/fuzz_long.sh 1 Csv Idx
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

minutes=${1:-10}
shift || true
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || [ "$minutes" -eq 0 ]; then
  echo "fuzz_long.sh: MINUTES must be a whole number above 0 (got '$minutes')" >&2
  exit 2
fi
jobs=$(nproc)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target nsb_fuzzers

if [ $# -gt 0 ]; then
  fuzzers=()
  for name in "$@"; do fuzzers+=("build/fuzz/fuzz/${name%Fuzzer}Fuzzer"); done
else
  fuzzers=(build/fuzz/fuzz/*Fuzzer)
fi

failed=0
for fuzzer in "${fuzzers[@]}"; do
  if [ ! -x "$fuzzer" ]; then
    echo "fuzz_long.sh: no fuzzer $fuzzer" >&2
    exit 2
  fi
  name=$(basename "$fuzzer" Fuzzer | tr '[:upper:]' '[:lower:]')
  corpus="fuzz/corpus/$name"
  findings="build/fuzz/findings/$name"
  mkdir -p "$corpus" "$findings"
  before=$(find "$corpus" -type f | wc -l)
  log="build/fuzz/findings/$name.log"
  echo "== $name: $minutes min on $corpus ($before inputs)"
  # -rss_limit_mb as in CI: a loader that asks for more than 2 GiB on a small input is a finding.
  work=$(mktemp -d)
  if "$fuzzer" -max_total_time=$((minutes * 60)) -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "$corpus" >"$log" 2>&1; then
    status="no failure"
  else
    status="FAILED (input and log in $findings/)"
    failed=1
    tail -n 30 "$log"
  fi
  "$fuzzer" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$findings/" "$corpus" "$work" \
    >>"$log" 2>&1 || true
  rm -rf "$work"
  after=$(find "$corpus" -type f | wc -l)
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 || true)
  echo "-- $name: ${runs:-?} inputs in $minutes min, ${coverage:-cov: ?}, corpus $before -> $after files, $status"
done
exit $failed
