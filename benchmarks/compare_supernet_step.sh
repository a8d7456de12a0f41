#!/usr/bin/env bash
# Supernet steps of a space side by side, each in its own process: hwnas's
# weight step (sampled paths), architecture step (`two` mode) and the child
# alone, and the same supernet in PyTorch eager written as the official
# ProxylessNAS code writes it (NCHW) and tuned (channels-last), at the same
# batch and threads. Needs Debian's python3-torch for the eager rows.
#   benchmarks/compare_supernet_step.sh [SPACE] [BATCH] [STEPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
space=${1:-proxyless-fmnist}
batch=${2:-64}
steps=${3:-20}
hwnas=${HWNAS_BUILD_DIR:-$root/build}/bin/hwnas
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$hwnas" space "$space" --json > "$tmp/space.json"
field() { python3 -c "import json,sys;print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
row() {
  printf '%-8s %-6s %-34s %10.1f %10.0f %10.0f %10s\n' "$1" "$2" "$3" "$(field "$4" ms_per_step)" \
    "$(field "$4" images_per_s)" "$(field "$4" peak_rss_mib)" "$5"
}
echo "space $space, batch $batch, $steps timed steps; $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%F)"
printf '%-8s %-6s %-34s %10s %10s %10s %10s\n' threads mode implementation ms/step images/s peak_MiB model_MiB
for t in 1 2; do
  for mode in weight arch child; do
    j=$("$hwnas" bench supernet --space "$space" --mode "$mode" --batch "$batch" --threads "$t" --steps "$steps" --json)
    row "$t" "$mode" "hwnas (channels-last)" "$j" "$(printf '%.0f' "$(field "$j" model_rss_mib)")"
  done
  if $py -c 'import torch' 2>/dev/null; then
    for mode in weight arch; do
      for flag in "" --channels-last; do
        j=$($py "$root/benchmarks/pytorch_supernet_step.py" "$tmp/space.json" --mode "$mode" --batch "$batch" --threads "$t" --steps "$steps" $flag 2>/dev/null)
        name="PyTorch eager, official NCHW"
        [ -n "$flag" ] && name="PyTorch eager, channels-last"
        row "$t" "$mode" "$name" "$j" "-"
      done
    done
  fi
done
