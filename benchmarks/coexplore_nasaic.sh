#!/usr/bin/env bash
# Strategy `coexplore` (NASAIC) on two tasks that run here in minutes:
#   task 0 "fmnist": search_spaces/proxyless-fmnist, SynFlow proxy fitness
#     (the run's own task: its pick is trained 1 epoch on Fashion-MNIST);
#   task 1 "cifar10": search_spaces/nb201, fitness = NAS-Bench-201's
#     CIFAR-10 test accuracy, read by path from NB201_DIR (never copied).
# Design space: configs/accel_spaces/nasaic-2.yaml (two sub-accelerators of
# any template under 1024 PEs and 64 elements/cycle off-chip, each task
# mapped to either). Runs the REINFORCE controller, uniform draws and NSGA-II
# with the same seed and samples, each with the successive baseline, and
# prints one TSV table: both flows' networks' fitness, the chip's costs,
# whether each spec holds, and the co-explored/successive ratios.
# SynFlow log-scores of these nets span about 0.1, accuracies tens of points:
# the fmnist task weighs 100 so both tasks move the reward.
# Usage: benchmarks/coexplore_nasaic.sh NB201_DIR OUT [SAMPLES]
# (SPECS="{latency_ms: 1.0, energy_mj: 0.5, area_mm2: 5}" to change the specs,
# CONTROLLERS="reinforce random" to run only those.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hwnas=${HWNAS:-$root/build/bin/hwnas}
nb201=$(cd "${1:?usage: coexplore_nasaic.sh NB201_DIR OUT [SAMPLES]}" && pwd)
out=${2:?usage: coexplore_nasaic.sh NB201_DIR OUT [SAMPLES]}
samples=${3:-400}
specs=${SPECS:-"{latency_ms: 1.0, energy_mj: 0.3, area_mm2: 4.0}"}
py=/usr/bin/python3  # Debian's, for the table below only
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"

config() {
  cat <<YAML
name: coexplore_$1
seed: 0
threads: 2
space: proxyless-fmnist
data: {dataset: fashion-mnist, train_limit: 10000, val_fraction: 0.2}
strategy:
  type: coexplore
  accelerator: $root/configs/accel_spaces/nasaic-2.yaml
  tasks:
    - {name: fmnist, fitness: {type: proxy}, weight: 100}
    - {name: cifar10, space: nb201, weight: 1,
       fitness: {type: table, file: $nb201/nb201_accuracy.csv, column: c10_test_acc,
                 genotype_column: ops}}
  specs: $specs
  controller: $1
  samples: $samples
  batch: 10
  population: 40
  baseline: successive
train:
  epochs: 1
  batch: 64
  optimizer: {type: sgd, lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.00004}
  schedule: {type: cosine}
YAML
}

printf 'controller\tflow\tfmnist_synflow\tcifar10_acc\tlatency_ms\tenergy_mj\tarea_mm2\tmeets\treward\tsearch_s\tscored\trefused_early\n'
for ctl in ${CONTROLLERS:-reinforce random evolution}; do
  config "$ctl" > "$out/$ctl.yaml"
  if [ ! -f "$out/$ctl.json" ]; then
    "$hwnas" search --config "$out/$ctl.yaml" --out "$out/$ctl" --json > "$out/$ctl.json.tmp" \
      2> "$out/$ctl.log"
    mv "$out/$ctl.json.tmp" "$out/$ctl.json"
  fi
  "$py" - "$out/$ctl.json" "$out/$ctl/candidates.jsonl" "$ctl" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["search"]
recs = [json.loads(l) for l in open(sys.argv[2])]
scored = sum(1 for x in recs if x["feasible"])
for flow in ("coexplored", "successive"):
    f = s[flow]
    c = f["costs"]
    meets = ",".join(f"{k}={'yes' if v else 'NO'}" for k, v in f["meets_specs"].items())
    fit = [n["fitness"] for n in f["networks"]]
    print(f"{sys.argv[3]}\t{flow}\t{fit[0]:.3f}\t{fit[1]:.2f}\t{c['latency_ms']:.4f}\t"
          f"{c['energy_mj']:.4f}\t{c['area_mm2']:.3f}\t{meets}\t{f['reward']:.3f}\t"
          f"{r['seconds']:.0f}\t{scored}\t{s['rejected_early']}")
co, su = s["coexplored"]["costs"], s["successive"]["costs"]
print(f"{sys.argv[3]}\tratio successive/co-explored\t-\t-\t{su['latency_ms']/co['latency_ms']:.2f}x\t"
      f"{su['energy_mj']/co['energy_mj']:.2f}x\t{su['area_mm2']/co['area_mm2']:.2f}x\t-\t-\t-\t-\t-")
PY
done
