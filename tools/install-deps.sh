#!/usr/bin/env bash
# Installs the Debian packages hwnas needs to build, test and run.
# Idempotent: installs only what is missing; needs root only then.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build ccache git pkg-config clang-format
  libtorch-dev libgloo-dev libeigen3-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev libcli11-dev catch2 libonnx-dev libprotobuf-dev protobuf-compiler
  libbenchmark-dev zlib1g-dev libstb-dev gnuplot-nox
  dataset-fashion-mnist
  # Tests only: torchrun, the independent launcher of the multi-process
  # tests (never a runtime dependency of hwnas).
  python3-torch
  # Tests only: headless Chromium opens `hwnas report --html` pages.
  chromium
)

# The ONNX-runtime tests run onnxruntime-node (from the npm registry) in node;
# any node >= 16 with npm serves, so Debian's is installed only when none is.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: installing packages needs root; run as root, or:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
