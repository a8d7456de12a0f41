#!/usr/bin/env bash
# README command 1: install, build, then run the quickstart config.
# The supernet strategy is not in this build yet, so this validates the
# config (--dry-run) and shows what would be searched: no result is faked.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh"
cd "$root"
hwnas=${HWNAS_BUILD_DIR:-$root/build}/bin/hwnas
"$hwnas" search --config configs/quickstart.yaml --dry-run
echo
echo "quickstart: the search itself arrives with the supernet strategy; until then"
echo "  this shows the validated config, the space and the cost range of every model."
echo "  Try: $hwnas stats --arch configs/archs/proxylessnas-mobile.arch.json"
