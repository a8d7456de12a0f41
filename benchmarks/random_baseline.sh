#!/usr/bin/env bash
# Random search at the quickstart's bounds and compute, for several seeds:
# each run's picked child retrained as the quickstart retrains its child and
# tested on all 10,000 Fashion-MNIST test images, next to the candidates'
# validation accuracies. Usage: benchmarks/random_baseline.sh OUT [SEEDS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hwnas=${HWNAS:-$root/build/bin/hwnas}
out=${1:?usage: random_baseline.sh OUT [SEEDS...]}
shift
seeds=("${@:-0 1 2}")
cd "$root"
printf 'seed\tgenotype\ttest_top1\tlatency_ms\tparams\tval_best\tval_mean\tval_min\tseconds\n'
for seed in ${seeds[*]}; do
  "$hwnas" search --config configs/random_fmnist.yaml --seed "$seed" --out "$out/seed$seed" --json \
    > "$out/seed$seed.json" 2> "$out/seed$seed.log"
  python3 - "$out/seed$seed.json" "$out/seed$seed/candidates.jsonl" "$seed" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f = [json.loads(l)["fitness"] for l in open(sys.argv[2])]
print("\t".join(map(str, [sys.argv[3], ",".join(map(str, r["genotype"])), round(100 * r["test_accuracy"], 2),
      round(r["costs"]["lat"]["latency_ms"], 3), int(r["params"]), round(100 * max(f), 2),
      round(100 * sum(f) / len(f), 2), round(100 * min(f), 2), round(r["seconds"])])))
PY
done
