#!/usr/bin/env bash
# ThreadSanitizer over the code that shares data between threads: the session, the trainer, the
# editor (and the end-to-end suite) and the server (tests/remote, which run `neural-sandbox serve` as a
# child process: every process writes its reports to a file of its own, TSAN_OPTIONS log_path, counted
# here, since a server's standard error goes to its test's temporary file). Not in the test command: its build and run would take the test
# command past its hour on 2 cores. Run it before resolving any change to train/, ui/ or remote/.
# It fails on any ThreadSanitizer report. Tests that fail for time alone (TSan runs code 5-15x slower,
# and some tests wait for a number of steps or frames within a time) are listed, not counted; the
# convergence tests, minutes long under TSan and single-threaded in what they check, are left out.
# Usage: engine/bench/tsan.sh [ctest -R regex]   (needs Xvfb for the window tests when DISPLAY is unset)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jobs=$(nproc)

cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target nsb_test_train nsb_test_ui nsb_test_e2e nsb_test_remote neural-sandbox
log=$(mktemp)
reports_dir=$(mktemp -d)
trap 'rm -rf "$log" "$reports_dir"' EXIT
start=$(date +%s)
TSAN_OPTIONS="log_path=$reports_dir/tsan ${TSAN_OPTIONS:-}" \
  ctest --preset tsan -j "$jobs" -E '^Convergence\.' ${1:+-R "$1"} >"$log" 2>&1 || true
seconds=$(($(date +%s) - start))
grep -E '^[0-9 /]+Test +#' "$log" | grep -vE ' Passed ' || true
cat "$reports_dir"/tsan.* >>"$log" 2>/dev/null || true
reports=$(grep -c '^WARNING: ThreadSanitizer' "$log" || true)
if [ "$reports" -gt 0 ]; then
  grep -A30 '^WARNING: ThreadSanitizer' "$log" | head -n 200
  echo "tsan: $reports ThreadSanitizer reports (above), $seconds s"
  exit 1
fi
echo "tsan: no ThreadSanitizer report in $(grep -cE '^[0-9 /]+Test +#' "$log") tests, $seconds s"
