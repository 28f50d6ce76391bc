#!/usr/bin/env bash
# The run command: installs what is missing, builds the default preset and opens the sandbox on its
# default preset (extra arguments go to neural-sandbox).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
third_party/install.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target neural-sandbox
exec build/default/sandbox/neural-sandbox "$@"
