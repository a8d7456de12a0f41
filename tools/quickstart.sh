#!/usr/bin/env bash
# README command 1: install, build, then run the quickstart: a ProxylessNAS
# search on a Fashion-MNIST subset with the shipped CPU latency table and a
# latency bound, then the derived child retrained from scratch and tested on
# the full test set. Each run gets its own run directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh"
cd "$root"
hwnas=${HWNAS_BUILD_DIR:-$root/build}/bin/hwnas
out=runs/quickstart-$(date -u +%Y%m%d-%H%M%S)
time "$hwnas" search --config configs/quickstart.yaml --out "$out"
echo
echo "summary: $out/summary.md; export with:"
echo "  $hwnas export --arch $out/best.arch.json --weights $out/best.weights --out $out/model.onnx --dynamic-batch"
