#!/usr/bin/env bash
# Strategy `growth` on Fashion-MNIST (configs/growth_fmnist.yaml), with the
# REINFORCE controller and with uniformly random transformations (same seed,
# same episodes and children: the same compute), then two from-scratch
# references per run:
#   - the start net trained for as many epochs as the best grown net's
#     lineage received in all (start_epochs + its depth x epochs);
#   - the best grown net trained from scratch, epoch by epoch (up to twice
#     that many epochs), until its validation accuracy reaches the grown
#     net's: the time growth saved, or not.
# Prints one TSV table. Usage: benchmarks/growth_fmnist.sh OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hwnas=${HWNAS:-$root/build/bin/hwnas}
out=${1:?usage: growth_fmnist.sh OUT}
py=/usr/bin/python3  # Debian's, for the JSON below only
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"

# The run config with another controller, its start path made absolute.
sed -e "s|start: growth/eas-start.arch.json|start: $root/configs/growth/eas-start.arch.json|" \
  -e "s|controller: reinforce|controller: random|" configs/growth_fmnist.yaml > "$out/growth_random.yaml"

# A training config with the growth config's data and optimizer, for N epochs.
train_config() {
  "$py" - "$root/configs/growth_fmnist.yaml" "$1" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
keep = [l for l in lines if l.split(":")[0] in ("seed", "threads", "data")]
train = lines[lines.index("train:"):]
print("name: growth_reference")
print("\n".join(keep))
print("\n".join(train))
print(f"  epochs: {sys.argv[2]}")
PY
}

# The best net's lineage: "val test params macs latency depth epochs seconds".
summarise() {
  "$py" - "$1" "$2/candidates.jsonl" "$root/configs/growth_fmnist.yaml" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
nets = [json.loads(l) for l in open(sys.argv[2])]
cfg = open(sys.argv[3]).read()
start_epochs = int(re.search(r"start_epochs: (\d+)", cfg).group(1))
epochs = int(re.search(r"\n  epochs: (\d+)", cfg).group(1))
best = nets[r["search"]["best_net"]]
depth, n = 0, best
while n["parent"] >= 0:
    depth, n = depth + 1, nets[n["parent"]]
print(best["val_accuracy"], r["test_accuracy"], int(best["costs"]["ir.params"]),
      int(best["costs"]["ir.macs"]), best["costs"]["lat.latency_ms"], depth,
      start_epochs + depth * epochs, round(r["seconds"]),
      sum(1 for x in nets if x["trained"]) - 1, sum(1 for x in nets if not x["trained"]))
PY
}

printf 'run\tval_top1\ttest_top1\tparams\tmacs\tlatency_ms\tdepth\tlineage_epochs\tseconds\tchildren_trained\tchildren_rejected\n'
for ctl in reinforce random; do
  cfg=configs/growth_fmnist.yaml
  [ "$ctl" = random ] && cfg=$out/growth_random.yaml
  if [ ! -f "$out/$ctl.json" ]; then
    /usr/bin/time -f '%e s wall' "$hwnas" search --config "$cfg" --out "$out/$ctl" --json \
      > "$out/$ctl.json.tmp" 2> "$out/$ctl.log"
    mv "$out/$ctl.json.tmp" "$out/$ctl.json"
  fi
  read -r val test params macs lat depth epochs secs trained rejected < <(summarise "$out/$ctl.json" "$out/$ctl")
  printf 'growth-%s\t%.4f\t%.4f\t%s\t%s\t%.3f\t%s\t%s\t%s\t%s\t%s\n' "$ctl" "$val" "$test" "$params" \
    "$macs" "$lat" "$depth" "$epochs" "$secs" "$trained" "$rejected"

  # The start net with the same number of epochs, from scratch.
  train_config "$epochs" > "$out/train_$epochs.yaml"
  if [ ! -f "$out/start_$epochs.json" ]; then
    "$hwnas" train --arch configs/growth/eas-start.arch.json --config "$out/train_$epochs.yaml" \
      --out "$out/start_$epochs" --json > "$out/start_$epochs.json" 2> "$out/start_$epochs.log"
  fi
  "$py" - "$out/start_$epochs.json" "$out/start_$epochs/events.jsonl" "$out/$ctl/candidates.jsonl" "$epochs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ev = [json.loads(l) for l in open(sys.argv[2])]
val = [e["val_accuracy"] for e in ev if e.get("event") == "epoch"]
c = json.loads(open(sys.argv[3]).readline())["costs"]
print(f"start, {sys.argv[4]} epochs from scratch\t{val[-1]:.4f}\t{r['test_accuracy']:.4f}\t"
      f"{int(c['ir.params'])}\t{int(c['ir.macs'])}\t{c['lat.latency_ms']:.3f}\t0\t{sys.argv[4]}\t"
      f"{round(r['seconds'])}\t-\t-")
PY

  # The grown net from scratch, up to twice the lineage's epochs.
  twice=$((2 * epochs))
  train_config "$twice" > "$out/train_$twice.yaml"
  if [ ! -f "$out/$ctl-scratch.json" ]; then
    "$hwnas" train --arch "$out/$ctl/best.arch.json" --config "$out/train_$twice.yaml" \
      --out "$out/$ctl-scratch" --json > "$out/$ctl-scratch.json" 2> "$out/$ctl-scratch.log"
  fi
  "$py" - "$out/$ctl-scratch.json" "$out/$ctl-scratch/events.jsonl" "$val" "$ctl" "$twice" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ev = [json.loads(l) for l in open(sys.argv[2])]
epochs = [e for e in ev if e.get("event") == "epoch"]
goal = float(sys.argv[3])
reach = next((i + 1 for i, e in enumerate(epochs) if e["val_accuracy"] >= goal), None)
per = r["seconds"] / max(1, len(epochs))
print(f"grown ({sys.argv[4]}) from scratch, {sys.argv[5]} epochs\t{epochs[-1]['val_accuracy']:.4f}\t"
      f"{r['test_accuracy']:.4f}\t-\t-\t-\t-\t{sys.argv[5]}\t{round(r['seconds'])}\t"
      f"reaches the grown val top-1 after: {reach if reach else 'never'} epochs "
      f"({round(reach * per) if reach else '-'} s)\t-")
PY
done
