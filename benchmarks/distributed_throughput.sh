#!/usr/bin/env bash
# Multi-process throughput on this machine (docs/benchmarks.md, "Several
# processes"): the same work with 1 process x T threads and with N processes
# x T/N threads each, launched by `hwnas launch`.
#  1. supernet weight steps: the quickstart's space and supernet at a global
#     batch of 64 (1 x 64, N x 64/N), images/s of the weight-only warm-up
#     epoch from events.jsonl;
#  2. evolution evaluations: NSGA-II with `train` fitness (each candidate
#     1 epoch on 2,000 images), evaluations per second.
# Usage: benchmarks/distributed_throughput.sh OUT [N] [THREADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${HWNAS_BIN:-$root/build/bin/hwnas}
out=${1:?usage: distributed_throughput.sh OUT [N] [THREADS]}
n=${2:-2}
threads=${3:-$(nproc)}
mkdir -p "$out"
per=$((threads / n)); [ "$per" -ge 1 ] || per=1

supernet_config() {  # name batch
  cat > "$out/$1.yaml" <<YAML
name: $1
seed: 0
space: proxyless-fmnist
data: {dataset: fashion-mnist, train_limit: 10000, val_fraction: 0.2, retrain_limit: 512, test_limit: 512}
strategy: {type: proxyless, mode: two, weights: shared, warmup_epochs: 1}
train: {epochs: 2, batch: $2, optimizer: {type: sgd, lr: 0.05, momentum: 0.9}}
retrain: {epochs: 1, batch: 64}
YAML
}
evolution_config() {  # name
  cat > "$out/$1.yaml" <<YAML
name: $1
seed: 0
space: proxyless-fmnist
data: {dataset: fashion-mnist, train_limit: 4000, val_fraction: 0.5, retrain_limit: 512, test_limit: 512}
strategy: {type: evolution, selection: nsga2, population: 8, evaluations: 16,
           objectives: [{metric: fitness}, {metric: params}]}
fitness: {type: train, epochs: 1, images: 2000}
train: {epochs: 1, batch: 64, optimizer: {type: sgd, lr: 0.05, momentum: 0.9}}
retrain: {epochs: 1, batch: 64}
YAML
}

# Mean images/s of the weight-only (warm-up) progress events after the first.
images_per_s() {
  python3 - "$1" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"images_per_s"' in l]
ev = [e for e in ev if e.get("phase") == "warmup"]
ev = ev[1:] or ev
print(round(sum(e["images_per_s"] for e in ev) / len(ev), 1))
PY
}
search_seconds() {
  python3 - "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "derived": print(round(e["search_seconds"], 2))
PY
}

rm -rf "$out"/sn-1 "$out"/sn-n "$out"/ev-1 "$out"/ev-n
supernet_config sn1 64
supernet_config snn $((64 / n))
"$bin" search --config "$out/sn1.yaml" --out "$out/sn-1" --threads "$threads" > /dev/null
"$bin" launch --nproc "$n" -- search --config "$out/snn.yaml" --out "$out/sn-n" --threads "$per" > /dev/null
evolution_config ev
"$bin" search --config "$out/ev.yaml" --out "$out/ev-1" --threads "$threads" > /dev/null
"$bin" launch --nproc "$n" -- search --config "$out/ev.yaml" --out "$out/ev-n" --threads "$per" > /dev/null

s1=$(images_per_s "$out/sn-1/events.jsonl"); sn=$(images_per_s "$out/sn-n/events.jsonl")
e1=$(search_seconds "$out/ev-1/events.jsonl"); en=$(search_seconds "$out/ev-n/events.jsonl")
same=$(cmp -s <(python3 -c "import json,sys;[print(json.loads(l)['genotype'],json.loads(l)['fitness']) for l in open('$out/ev-1/candidates.jsonl')]") \
              <(python3 -c "import json,sys;[print(json.loads(l)['genotype'],json.loads(l)['fitness']) for l in open('$out/ev-n/candidates.jsonl')]") && echo yes || echo no)
{
  echo "| work | 1 process x $threads threads | $n processes x $per threads | speed-up | efficiency |"
  echo "|---|---|---|---|---|"
  python3 - "$s1" "$sn" "$e1" "$en" "$n" <<'PY'
import sys
s1, sn, e1, en, n = map(float, sys.argv[1:])
print(f"| supernet weight steps (global batch 64), images/s | {s1:.0f} | {sn:.0f} | {sn/s1:.2f}x | {sn/s1/n:.0%} |")
print(f"| evolution, 16 evaluations (train fitness), s | {e1:.1f} | {en:.1f} | {e1/en:.2f}x | {e1/en/n:.0%} |")
PY
  echo
  echo "Same candidates and scores in both evolution runs: $same"
} | tee "$out/summary.md"
