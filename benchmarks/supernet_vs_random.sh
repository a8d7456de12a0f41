#!/usr/bin/env bash
# The supernet search against random search at equal bounds and about equal
# compute, on Fashion-MNIST: for each latency bound and seed, one supernet
# run (configs/quickstart.yaml with WEIGHTS, PENALTY and LAMBDA applied) and
# one random run (configs/random_fmnist.yaml), each picked child retrained the
# same way (the configs' `retrain:`) and tested on all 10,000 test images.
# Writes OUT/results.tsv (a row per run, appended as runs end, so an
# interrupted sweep keeps its rows) and OUT/supernet_vs_random.png.
#   [WEIGHTS=shared|separate] [PENALTY=p] [LAMBDA=l] [STRATEGIES="supernet random"]
#   benchmarks/supernet_vs_random.sh OUT "BOUND_MS..." "SEEDS..."
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: supernet_vs_random.sh OUT \"BOUNDS\" \"SEEDS\"}
bounds=(${2:-6 9})
seeds=(${3:-0 1 2})
strategies=(${STRATEGIES:-supernet random})
hwnas=${HWNAS_BUILD_DIR:-$root/build}/bin/hwnas
mkdir -p "$out"
tsv=$out/results.tsv
[ -f "$tsv" ] || printf 'strategy\tbound_ms\tseed\tgenotype\tlatency_ms\tparams\ttest_top1\tsupernet_train_top1\tsearch_s\twhole_s\n' > "$tsv"

config() {  # strategy bound -> a config on stdout
  local base=configs/quickstart.yaml
  [ "$1" = random ] && base=configs/random_fmnist.yaml
  sed -e "s/metric: latency_ms, max: 6.0/metric: latency_ms, max: $2/" \
      -e "s/^  penalty: .*/  penalty: ${PENALTY:-0.3}/" \
      -e "s/lambda: [0-9.]*}/lambda: ${LAMBDA:-0.01}}/" \
      -e "s/^  weights: .*/  weights: ${WEIGHTS:-shared}/" "$root/$base"
}

for b in "${bounds[@]}"; do
  for s in "${seeds[@]}"; do
    for st in "${strategies[@]}"; do
      run=$out/$st-$b-seed$s
      if [ ! -f "$run.json" ]; then  # else done in an earlier, interrupted sweep
        config "$st" "$b" > "$run.yaml"
        start=$(date +%s)
        (cd "$root" && "$hwnas" search --config "$run.yaml" --seed "$s" --out "$run" --json > "$run.json.part" 2> "$run.log")
        mv "$run.json.part" "$run.json"
        echo $(( $(date +%s) - start )) > "$run.seconds"
      fi
      grep -q "^$st	$b	$s	" "$tsv" && continue
      python3 - "$st" "$b" "$s" "$run" "$(cat "$run.seconds" 2>/dev/null || echo)" >> "$tsv" <<'PY'
import json, sys
st, b, s, run, whole = sys.argv[1:]
r = json.load(open(run + ".json"))
ev = [json.loads(l) for l in open(run + "/events.jsonl")]
cut = next(i for i, e in enumerate(ev) if e.get("event") == "derived")
search_s = ev[cut].get("search_seconds", 0)
train = ""
if st == "supernet":  # the last search epoch's training top-1
    ep = [e for e in ev[:cut] if e.get("event") == "epoch"]
    if ep: train = round(100 * ep[-1]["train_accuracy"], 2)
print("\t".join(map(str, [st, b, s, ",".join(map(str, r["genotype"])), round(r["costs"]["lat"]["latency_ms"], 3),
      int(r["params"]), round(100 * r["test_accuracy"], 2), train, round(search_s), whole])))
PY
    done
  done
done

gnuplot <<GP
set terminal pngcairo size 860,540
set output "$out/supernet_vs_random.png"
set title "proxyless-fmnist: picked children, supernet (${WEIGHTS:-shared} weights) vs random search"
set xlabel "predicted latency (ms, lut-calibrated CPU table)"
set ylabel "test top-1 (%), full Fashion-MNIST test set"
set key bottom right
set grid
plot "$tsv" using (strcol(1) eq "supernet" ? \$5 : 1/0):7 skip 1 with points pt 7 ps 1.4 title "supernet", \
     "$tsv" using (strcol(1) eq "random" ? \$5 : 1/0):7 skip 1 with points pt 5 ps 1.4 title "random"
GP
cat "$tsv"
