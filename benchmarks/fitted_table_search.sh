#!/usr/bin/env bash
# A search bounded by a latency table fitted from a few measured networks of
# a device hwnas does not run on. NAS-Bench-201 on one of HELP's device
# columns (default help_titan_rtx_1: a Titan RTX at batch 1): every EVERY-th
# network of the file is "measured" and fits the table (hwnas latency fit);
# aging evolution and random search, CIFAR-10 test accuracy as fitness (a
# table lookup), search under BOUND ms on the fitted table (default: the
# column's 25th percentile). Then the picked arch's measured latency is read
# from the file, beside the best arch whose measured latency meets the bound.
#   benchmarks/fitted_table_search.sh NB201_DIR OUT [COLUMN] [EVERY] [EVALUATIONS] [SEEDS...]
# NB201_DIR holds nb201_latency_help.csv and nb201_accuracy.csv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hwnas=${HWNAS:-$root/build/bin/hwnas}
data=$(cd "${1:?usage: fitted_table_search.sh NB201_DIR OUT [COLUMN] [EVERY] [EVALUATIONS] [SEEDS...]}" && pwd)
mkdir -p "${2:?}"
out=$(cd "$2" && pwd)
column=${3:-help_titan_rtx_1}
every=${4:-30}
evaluations=${5:-100}
shift $(( $# < 5 ? $# : 5 ))
seeds=("${@:-0 1 2 3 4 5 6 7 8 9}")
seeds=(${seeds[*]})

awk -F, -v e="$every" 'NR == 1 || (NR - 2) % e == 0' "$data/nb201_latency_help.csv" > "$out/measured.csv"
"$hwnas" latency fit --space nb201 --measurements "$out/measured.csv" --genotype-column ops \
  --column "$column" --out "$out/fitted.json" --force --json > "$out/fit.json"
bound=${BOUND:-$(python3 - "$data/nb201_latency_help.csv" "$column" <<'PY'
import csv, sys
v = sorted(float(r[sys.argv[2]]) for r in csv.DictReader(open(sys.argv[1])) if r[sys.argv[2]])
print(round(v[len(v) // 4], 4))
PY
)}

printf 'strategy\tseed\tops\ttest_acc\tpredicted_ms\tmeasured_ms\tmeets_bound\n' > "$out/results.tsv"
for strategy in evolution random; do
  for seed in "${seeds[@]}"; do
    run=$out/$strategy-$seed
    if [ "$strategy" = evolution ]; then
      s="{type: evolution, selection: aging, population: 20, tournament_size: 5, evaluations: $evaluations}"
    else
      s="{type: random, samples: $evaluations}"
    fi
    cat > "$run.yaml" <<YAML
name: fitted-$strategy
seed: $seed
threads: 1
space: nb201
data: {dataset: synthetic, train_limit: 256, test_limit: 64}
train: {batch: 32}
cost_models: {dev: {type: lut-calibrated, table: $out/fitted.json}}
constraints: [{model: dev, metric: latency_ms, max: $bound}]
strategy: $s
fitness: {type: table, file: $data/nb201_accuracy.csv, column: c10_test_acc, genotype_column: ops}
retrain: {epochs: 1, batch: 32}
YAML
    rm -rf "$run"
    "$hwnas" search --config "$run.yaml" --out "$run" --json > "$run.json" 2> "$run.log"
    python3 - "$run.json" "$data" "$column" "$bound" "$strategy" "$seed" >> "$out/results.tsv" <<'PY'
import csv, json, sys
r = json.load(open(sys.argv[1]))
data, column, bound = sys.argv[2], sys.argv[3], float(sys.argv[4])
ops = "".join(map(str, r["genotype"]))
lat = {row["ops"]: row[column] for row in csv.DictReader(open(data + "/nb201_latency_help.csv"))}
acc = {row["ops"]: row["c10_test_acc"] for row in csv.DictReader(open(data + "/nb201_accuracy.csv"))}
m = float(lat[ops])
print("\t".join(map(str, [sys.argv[5], sys.argv[6], ops, acc[ops], round(r["costs"]["dev"]["latency_ms"], 4),
      m, "yes" if m <= bound else "no"])))
PY
  done
done
python3 - "$data" "$column" "$bound" "$out/results.tsv" "$out/fit.json" <<'PY'
import csv, json, sys
data, column, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
lat = {row["ops"]: float(row[column]) for row in csv.DictReader(open(data + "/nb201_latency_help.csv")) if row[column]}
acc = {row["ops"]: float(row["c10_test_acc"]) for row in csv.DictReader(open(data + "/nb201_accuracy.csv"))}
ok = [o for o in lat if lat[o] <= bound]
best = max(ok, key=lambda o: acc[o])
fit = json.load(open(sys.argv[5]))
res = fit["residuals"]
print(f"column {column}, bound {bound} ms, {len(ok)} of {len(lat)} archs meet it measured")
print(f"fitted table: {fit['terms']} terms; in-sample within 10% {100 * res['within_10pct']:.1f}%, tau {res['kendall_tau']:.3f}")
print(f"oracle (best test accuracy among archs whose measured latency meets the bound): {best} {acc[best]:.2f}% at {lat[best]} ms")
rows = list(csv.DictReader(open(sys.argv[4]), delimiter="\t"))
for s in ("evolution", "random"):
    r = [x for x in rows if x["strategy"] == s]
    a = [float(x["test_acc"]) for x in r]
    meets = sum(x["meets_bound"] == "yes" for x in r)
    print(f"{s}: mean {sum(a)/len(a):.2f}%, max {max(a):.2f}%, {meets}/{len(r)} picks meet the bound measured")
PY
