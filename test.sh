#!/usr/bin/env bash
# The test command: installs what is missing, checks the C++ files' formatting, builds and runs every
# test twice (Release, then AddressSanitizer + UndefinedBehaviorSanitizer), then runs each loader's
# fuzzer for 10 s (clang).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
jobs=$(nproc)

third_party/install.sh

echo "== format: every C++ file as .clang-format says (clang-format 14)"
if ! git ls-files -z '*.cpp' '*.h' '*.cu' '*.cuh' | xargs -0 clang-format-14 --dry-run --Werror; then
  echo "format: the files above differ from .clang-format; run clang-format-14 -i on them"
  exit 1
fi

echo "== default preset: build and test"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
if [ -f build/default/libnsb_cuda.so ]; then
  echo "== CUDA module: built (build/default/libnsb_cuda.so; its GPU tests skip without an NVIDIA device)"
elif [ -x /usr/local/cuda/bin/nvcc ]; then
  echo "== CUDA module: NOT built although nvcc is at /usr/local/cuda (see the NSB_CUDA lines of the configure)"
  exit 1
else
  echo "== CUDA module: skipped (no nvcc at /usr/local/cuda)"
fi
ctest --preset default -j "$jobs"

echo "== asan preset: build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

echo "== fuzzers: 10 s each"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target nsb_fuzzers
for fuzzer in build/fuzz/fuzz/*Fuzzer; do
  name=$(basename "$fuzzer" Fuzzer | tr '[:upper:]' '[:lower:]')
  corpus=$(mktemp -d)
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$corpus/"
  log=$(mktemp)
  if ! "$fuzzer" -max_total_time=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzzer $name found a problem"
    exit 1
  fi
  echo "-- $name: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') inputs in 10 s, no failure"
  rm -rf "$corpus" "$log"
done
echo "all tests passed"
