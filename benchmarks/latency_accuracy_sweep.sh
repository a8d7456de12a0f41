#!/usr/bin/env bash
# Latency vs accuracy of searched children on Fashion-MNIST: the quickstart
# search under several latency bounds, each child retrained (10,000 images,
# 4 epochs: shorter than the quickstart's retrain) and tested on the full
# test set. Writes OUT/sweep.tsv and OUT/latency_accuracy.png (gnuplot).
# PENALTY and LAMBDA override the quickstart's constraint penalty and loss
# lambda (PENALTY=0 LAMBDA=0: the bound acts at derivation only).
#   [PENALTY=p] [LAMBDA=l] benchmarks/latency_accuracy_sweep.sh OUT [BOUND_MS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: latency_accuracy_sweep.sh OUT [BOUND_MS...]}
shift
bounds=("$@")
[ ${#bounds[@]} -gt 0 ] || bounds=(3.5 4.5 6 9)
hwnas=${HWNAS_BUILD_DIR:-$root/build}/bin/hwnas
mkdir -p "$out"
printf 'bound_ms\tlatency_ms\ttest_accuracy\tmacs\tparams\tgenotype\n' > "$out/sweep.tsv"
for b in "${bounds[@]}"; do
  cfg="$out/bound-$b.yaml"
  sed -e "s/metric: latency_ms, max: 6.0/metric: latency_ms, max: $b/" \
      -e "s/retrain_limit: 30000/retrain_limit: 10000/" \
      -e "/^retrain:/,/^  epochs:/s/^  epochs: .*/  epochs: 4/" \
      -e "s/^  penalty: .*/  penalty: ${PENALTY:-0.3}/" \
      -e "s/lambda: [0-9.]*}/lambda: ${LAMBDA:-0.01}}/" \
      -e "s/^name: quickstart/name: bound-$b/" "$root/configs/quickstart.yaml" > "$cfg"
  (cd "$root" && "$hwnas" search --config "$cfg" --out "$out/run-$b" --json > "$out/run-$b.json" 2> "$out/run-$b.log")
  python3 - "$b" "$out/run-$b.json" >> "$out/sweep.tsv" <<'PY'
import json, sys
j = json.load(open(sys.argv[2]))
print("\t".join(str(v) for v in [sys.argv[1], j["costs"]["lat"]["latency_ms"], j["test_accuracy"],
                                 int(j["macs"]), int(j["params"]), ",".join(map(str, j["genotype"]))]))
PY
done
gnuplot <<GP
set terminal pngcairo size 800,520
set output "$out/latency_accuracy.png"
set title "proxyless-fmnist: searched children under latency bounds (lut-calibrated CPU table)"
set xlabel "predicted latency (ms, batch 1, 1 thread)"
set ylabel "test top-1 (%), full Fashion-MNIST test set"
set key off
set grid
plot "$out/sweep.tsv" using 2:(100*\$3) skip 1 with points pt 7 ps 1.5, \
     "" using 2:(100*\$3):(sprintf("<= %s ms", stringcolumn(1))) skip 1 with labels offset 0,1
GP
cat "$out/sweep.tsv"
