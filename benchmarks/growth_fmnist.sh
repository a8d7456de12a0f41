#!/usr/bin/env bash
# Strategy `growth` on Fashion-MNIST (configs/growth_fmnist.yaml), with the
# REINFORCE controller and with uniformly random transformations (same seed,
# same episodes and children: the same compute), then from-scratch
# references with the same number of training images as the search's train
# split and the same optimizer:
#   - the start net trained for as many epochs as went into the run's final
#     net (start_epochs + the best net's depth x epochs + the retrain's
#     epochs, whether the retrain fine-tunes the grown weights or starts
#     from scratch): the "same training" baseline;
#   - the best grown net trained from scratch for half and all of that
#     many epochs: what the inherited weights saved, or not.
# Prints one TSV table (test top-1 on all 10,000 test images).
# Usage: benchmarks/growth_fmnist.sh OUT (GROWTH_CONFIG=other.yaml for another
# config of the same form; its `start:` relative to configs/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hwnas=${HWNAS:-$root/build/bin/hwnas}
out=${1:?usage: growth_fmnist.sh OUT}
py=/usr/bin/python3  # Debian's, for the JSON below only
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
config=${GROWTH_CONFIG:-configs/growth_fmnist.yaml}

# The run config with another controller, its start path made absolute.
sed -e "s|start: growth/eas-start.arch.json|start: $root/configs/growth/eas-start.arch.json|" \
  -e "s|controller: reinforce|controller: random|" "$config" > "$out/growth_random.yaml"
sed -e "s|start: growth/eas-start.arch.json|start: $root/configs/growth/eas-start.arch.json|" \
  "$config" > "$out/growth_reinforce.yaml"

# A training config: the search's train-split size, its `train:` settings,
# N epochs, no validation split.
train_config() {
  "$py" - "$config" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lines = text.splitlines()
limit = int(re.search(r"train_limit: (\d+)", text).group(1))
val = float(re.search(r"val_fraction: ([0-9.]+)", text).group(1))
print("name: growth_reference")
print("\n".join(l for l in lines if l.split(":")[0] in ("seed", "threads")))
print(f"data: {{dataset: fashion-mnist, train_limit: {round(limit * (1 - val))}}}")
i = lines.index("train:")
j = next((k for k in range(i + 1, len(lines)) if lines[k] and not lines[k].startswith(" ")), len(lines))
print("\n".join(lines[i:j]))
print(f"  epochs: {sys.argv[2]}")
PY
}

# The best net's lineage: "val test params macs latency depth epochs seconds
# trained rejected retrain_from" (epochs: all that went into the final net).
summarise() {
  "$py" - "$1" "$2/candidates.jsonl" "$config" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
nets = [json.loads(l) for l in open(sys.argv[2])]
cfg = open(sys.argv[3]).read()
start_epochs = int(re.search(r"start_epochs: (\d+)", cfg).group(1))
epochs = int(re.search(r"\n  epochs: (\d+)", cfg).group(1))
tail = cfg[cfg.index("\nretrain:"):] if "\nretrain:" in cfg else ""
fine = int(re.search(r"epochs: (\d+)", tail).group(1)) if tail else 0
source = "grown" if re.search(r"from: grown", tail) else ("scratch" if tail else "none")
best = nets[r["search"]["best_net"]]
depth, n = 0, best
while n["parent"] >= 0:
    depth, n = depth + 1, nets[n["parent"]]
print(best["val_accuracy"], r["test_accuracy"], int(best["costs"]["ir.params"]),
      int(best["costs"]["ir.macs"]), best["costs"]["lat.latency_ms"], depth,
      start_epochs + depth * epochs + fine, round(r["seconds"]),
      sum(1 for x in nets if x["trained"]) - 1, sum(1 for x in nets if not x["trained"]), source)
PY
}

# One from-scratch training: "label arch epochs" -> a table row.
reference() {
  local label=$1 arch=$2 epochs=$3 tag=$4
  train_config "$epochs" > "$out/train_$epochs.yaml"
  if [ ! -f "$out/$tag.json" ]; then
    "$hwnas" train --arch "$arch" --config "$out/train_$epochs.yaml" --out "$out/$tag" --json \
      > "$out/$tag.json.tmp" 2> "$out/$tag.log"
    mv "$out/$tag.json.tmp" "$out/$tag.json"
  fi
  "$py" - "$out/$tag.json" "$label" "$epochs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}\t-\t{r['test_accuracy']:.4f}\t-\t-\t-\t-\t{sys.argv[3]}\t{round(r['seconds'])}\t-\t-")
PY
}

printf 'run\tval_top1\ttest_top1\tparams\tmacs\tlatency_ms\tdepth\tepochs\tseconds\tchildren_trained\tchildren_rejected\n'
for ctl in reinforce random; do
  cfg=$out/growth_$ctl.yaml
  if [ ! -f "$out/$ctl.json" ]; then
    /usr/bin/time -f '%e s wall' "$hwnas" search --config "$cfg" --out "$out/$ctl" --json \
      > "$out/$ctl.json.tmp" 2> "$out/$ctl.log"
    mv "$out/$ctl.json.tmp" "$out/$ctl.json"
  fi
  read -r val test params macs lat depth epochs secs trained rejected from < <(summarise "$out/$ctl.json" "$out/$ctl")
  printf 'growth-%s (retrain %s)\t%.4f\t%.4f\t%s\t%s\t%.3f\t%s\t%s\t%s\t%s\t%s\n' "$ctl" "$from" "$val" "$test" \
    "$params" "$macs" "$lat" "$depth" "$epochs" "$secs" "$trained" "$rejected"

  reference "start net from scratch, $epochs epochs" configs/growth/eas-start.arch.json "$epochs" \
    "start_$epochs"
  half=$(((epochs + 1) / 2))
  reference "grown net ($ctl) from scratch, $half epochs" "$out/$ctl/best.arch.json" "$half" \
    "$ctl-scratch_$half"
  reference "grown net ($ctl) from scratch, $epochs epochs" "$out/$ctl/best.arch.json" "$epochs" \
    "$ctl-scratch_$epochs"
done
