#!/usr/bin/env bash
# ThreadSanitizer over the code that shares data between threads: the session, the trainer and the
# editor (CPU backend, and the end-to-end suite). Not in the test command: its build and run would take
# the test command past its hour on 2 cores. Run it before resolving any change to train/, ui/ or remote/.
# Usage: engine/bench/tsan.sh [ctest -R regex]   (needs Xvfb for the editor tests when DISPLAY is unset)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jobs=$(nproc)

cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target nsb_test_train nsb_test_ui nsb_test_e2e
# Newer kernels randomise mmap over more bits than GCC 12's TSan can map ("unexpected memory mapping"):
# run without address-space randomisation where setarch can turn it off.
run=()
setarch "$(uname -m)" -R true 2>/dev/null && run=(setarch "$(uname -m)" -R)
start=$(date +%s)
"${run[@]}" ctest --preset tsan -j "$jobs" ${1:+-R "$1"}
echo "tsan: train, ui and e2e clean in $(( $(date +%s) - start )) s"
