#!/usr/bin/env bash
# The CUDA backend's check on an NVIDIA GPU, in two halves (docs/benchmarks.md, "The CUDA check"):
#
#   engine/bench/cuda_check.sh pack [BUILD]   here, after a build of the default preset (BUILD, default
#       build/default): packs into .gpu/ (ignored by git) what the bare GPU machine lacks: the executable,
#       the compute tests and the CUDA module, stripped, the shared libraries they load that are not part
#       of every Linux (OpenBLAS, spdlog, fmt, GLFW, the Vulkan loader, ...), and Fashion-MNIST.
#   engine/bench/cuda_check.sh run            there, as root, with .gpu carried: rebuilds the CUDA module
#       with that machine's nvcc for its GPU (the carried one is the fallback), then runs the CUDA op suite,
#       gradient checks, CPU parity, graph replay and device-error tests, bench on mnist-mlp at batch 256
#       and 4096 (cpu, cuda, vulkan), then the Vulkan op suite on the NVIDIA driver where one is found (the
#       GL dispatch and Vulkan loader packages carried in .gpu/debs are unpacked where the machine lacks
#       them). Each result goes to $OUT as it comes (summary.txt, the logs, bench.json); about 3 minutes.
#
# The device tool's call: carry [".gpu"], command "engine/bench/cuda_check.sh run", timeout_s 420.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mode=${1:-}

pack() {
  local build=${1:-build/default}
  local out=.gpu
  for f in sandbox/neural-sandbox tests/nsb_test_compute libnsb_cuda.so; do
    [ -f "$build/$f" ] || { echo "cuda_check pack: $build/$f is missing (build the default preset first)"; exit 2; }
  done
  exclude=$(git rev-parse --git-path info/exclude)
  grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >>"$exclude"
  rm -rf "$out" && mkdir -p "$out/stage/bin" "$out/stage/lib" "$out/stage/data"
  cp "$build/sandbox/neural-sandbox" "$build/tests/nsb_test_compute" "$out/stage/bin/"
  cp "$build/libnsb_cuda.so" "$out/stage/lib/"
  strip --strip-unneeded "$out"/stage/bin/* "$out/stage/lib/libnsb_cuda.so"
  # Every library the loader resolves for them, but glibc's own and the GPU driver's and CUDA's (those
  # come from the GPU machine).
  ldd "$build/sandbox/neural-sandbox" "$build/tests/nsb_test_compute" | awk '/=> \//{print $3}' | sort -u |
    grep -Ev '/(libc|libm|libdl|librt|libpthread|ld-linux-x86-64|libcuda|libcudart|libcublas|libcublasLt|libcufft)\.so' |
    while read -r lib; do cp -L "$lib" "$out/stage/lib/"; done
  # GCC 12's C++ runtime, used there only where the system's is older (a newer one serves our binaries).
  mkdir -p "$out/stage/lib/compat" && mv "$out"/stage/lib/libstdc++.so.6 "$out"/stage/lib/libgcc_s.so.1 "$out/stage/lib/compat/"
  cp /usr/share/datasets/fashion-mnist/*.gz "$out/stage/data/"
  # The Vulkan loader and GL dispatch libraries the NVIDIA Vulkan driver needs (the device tool's README):
  # unpacked there only where the machine has no Vulkan loader of its own.
  mkdir -p "$out/debs" /tmp/nsb-apt-amd64/partial
  local apt='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/nsb-apt-amd64'
  # shellcheck disable=SC2086
  { apt-get $apt update -q && (cd "$out/debs" && apt-get $apt download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2); } >/dev/null 2>&1 ||
    echo "cuda_check pack: could not download the Vulkan loader packages; the Vulkan tests may skip there"
  tar -C "$out/stage" -cf - . | xz -T2 -6 >"$out/bundle.tar.xz"
  rm -rf "$out/stage"
  du -h "$out/bundle.tar.xz"
  echo "cuda_check pack: carry .gpu (its size above, and the working tree, must stay under 64 MiB)"
}

run_check() {
  local out=${OUT:-/tmp/cuda_check_out}
  local work=/tmp/nsb-cuda
  mkdir -p "$out" "$work"
  local summary="$out/summary.txt"
  : >"$summary"
  say() { echo "$*" | tee -a "$summary"; }
  # step NAME SECONDS COMMAND...: runs it with a limit, its output to $out/NAME.log, its result to summary.
  step() {
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    timeout "$limit" "$@" >"$out/$name.log" 2>&1
    local code=$?
    say "$name: exit $code in $((SECONDS - start)) s"
    return $code
  }
  say "== cuda_check $(date -u +%FT%TZ) on $(hostname)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$summary"
  nvcc --version 2>&1 | tail -1 | tee -a "$summary"
  [ -f .gpu/bundle.tar.xz ] || { say "no .gpu/bundle.tar.xz: run 'engine/bench/cuda_check.sh pack' here and carry .gpu"; exit 2; }
  if command -v xz >/dev/null; then
    xz -dc .gpu/bundle.tar.xz | tar -C "$work" -xf -
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' .gpu/bundle.tar.xz "$work"
  fi
  # The module, built here for this GPU with this toolkit (the carried one if that fails).
  local arch
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '.')
  export NSB_CUDA_MODULE="$work/lib/libnsb_cuda.so"
  if step module-build 180 nvcc -O3 -std=c++20 -shared -Xcompiler -fPIC,-fvisibility=hidden -cudart static \
    -gencode "arch=compute_${arch:-90},code=sm_${arch:-90}" -Iengine engine/compute/cuda/*.cu engine/compute/Op.cpp \
    engine/compute/Tensor.cpp engine/compute/Graph.cpp engine/compute/MemoryBudget.cpp engine/compute/cuda/CudaPlan.cpp \
    engine/core/Check.cpp -lcublas -lcufft -o "$work/libnsb_cuda_here.so"; then
    export NSB_CUDA_MODULE="$work/libnsb_cuda_here.so"
  fi
  local system
  system=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  if [ -z "$system" ] || ! grep -aq GLIBCXX_3.4.30 "$system"; then
    LD_LIBRARY_PATH="$work/lib/compat${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # CUDA's libraries: the toolkit's, else PyTorch's wheels.
  for dir in /usr/local/cuda/lib64 $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, d, "lib") for p in nvidia.__path__ for d in os.listdir(p)))' 2>/dev/null); do
    [ -d "$dir" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$dir"
  done
  mkdir -p /usr/share/datasets/fashion-mnist && cp "$work"/data/*.gz /usr/share/datasets/fashion-mnist/
  if ! ldconfig -p | grep -q libGLdispatch && compgen -G '.gpu/debs/*.deb' >/dev/null; then
    for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done
    ldconfig
    say "unpacked the carried GL dispatch and Vulkan loader packages"
  fi
  if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi

  say "module: $NSB_CUDA_MODULE"
  local cli="$work/bin/neural-sandbox" tests="$work/bin/nsb_test_compute"
  step devices 60 "$cli" devices
  cat "$out/devices.log" >>"$summary"
  if grep -q '^cuda: none' "$out/devices.log"; then
    say "no CUDA device: $(grep '^cuda: none' "$out/devices.log" | sed 's/^cuda: none (\(.*\))$/\1/')"
    exit 3
  fi
  # The CLI tests name the build tree's executable, absent here.
  step cuda-tests 120 "$tests" --gtest_filter='*cuda*:*Cuda*:-CudaCli.*' --gtest_brief=1
  grep -E '^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]' "$out/cuda-tests.log" | head -40 >>"$summary"
  local backends=cpu,cuda
  grep -Eq '^vulkan [0-9]+: .*NVIDIA' "$out/devices.log" && backends=cpu,cuda,vulkan
  step bench 200 "$cli" bench --preset mnist-mlp --backends "$backends" --batches 256,4096 --steps 100 --repeats 3 \
    --python "$(command -v python3)" \
    --json --out "$out/bench.json"
  grep -vE '^\{' "$out/bench.log" | tail -60 >>"$summary"
  if [ "$backends" = cpu,cuda,vulkan ]; then
    step vulkan-tests 120 "$tests" --gtest_filter='*vulkan*:*Vulkan*' --gtest_brief=1
    grep -E '^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]' "$out/vulkan-tests.log" | head -40 >>"$summary"
  else
    say "vulkan-tests: skipped (no NVIDIA Vulkan device in 'devices')"
  fi
  say "== done $(date -u +%FT%TZ)"
}

case "$mode" in
  pack) pack "${2:-}" ;;
  run) run_check ;;
  *)
    echo "usage: engine/bench/cuda_check.sh pack [BUILD] | run"
    exit 2
    ;;
esac
