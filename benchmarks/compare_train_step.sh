#!/usr/bin/env bash
# Training-step throughput of one arch, side by side in one run: hwnas
# (its default --channels-last auto, then forced on and off) and PyTorch eager written as the official
# ProxylessNAS/FBNet code writes it (NCHW) and tuned (channels-last), at the
# same batch and threads. Needs Debian's python3-torch for the eager rows.
#   benchmarks/compare_train_step.sh [ARCH] [BATCH] [STEPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-$root/tests/data/archs/proxyless-fmnist-0000.arch.json}
batch=${2:-64}
steps=${3:-20}
hwnas=${HWNAS_BUILD_DIR:-$root/build}/bin/hwnas
py=/usr/bin/python3
echo "arch $(basename "$arch"), batch $batch, $steps timed steps; $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%F)"
printf '%-8s %-28s %12s %10s %14s\n' threads implementation ms/step images/s peak_rss_MiB
for t in 1 2; do
  for cl in auto on off; do
    j=$("$hwnas" bench train --arch "$arch" --batch "$batch" --threads "$t" --steps "$steps" --channels-last "$cl" --json)
    name="hwnas (channels-last $cl)"
    [ "$cl" = auto ] && name="hwnas default (auto -> $(python3 -c "import json,sys;print('on' if json.loads(sys.argv[1])['channels_last'] else 'off')" "$j"))"
    printf '%-8s %-28s %12.1f %10.0f %14.0f\n' "$t" "$name" \
      "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['ms_per_step'])" "$j")" \
      "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['images_per_s'])" "$j")" \
      "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['peak_rss_mib'])" "$j")"
  done
  if $py -c 'import torch' 2>/dev/null; then
    for flag in "" --channels-last; do
      j=$($py "$root/benchmarks/pytorch_train_step.py" "$arch" --batch "$batch" --threads "$t" --steps "$steps" $flag 2>/dev/null)
      name="PyTorch eager, official NCHW"
      [ -n "$flag" ] && name="PyTorch eager, channels-last"
      printf '%-8s %-28s %12.1f %10.0f %14.0f\n' "$t" "$name" \
        "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['ms_per_step'])" "$j")" \
        "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['images_per_s'])" "$j")" \
        "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['peak_rss_mib'])" "$j")"
    done
  fi
done
