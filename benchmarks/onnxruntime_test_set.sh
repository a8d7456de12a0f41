#!/usr/bin/env bash
# Issue 7's acceptance: a run's child exported with --dynamic-batch, run in
# onnxruntime-node over the whole Fashion-MNIST test set, gives the same
# top-1 class as libtorch (`hwnas eval`) for every image. Prints both
# accuracies and the agreement.
#   benchmarks/onnxruntime_test_set.sh RUN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run=${1:?usage: onnxruntime_test_set.sh RUN_DIR}
build=${HWNAS_BUILD_DIR:-$root/build}
hwnas=$build/bin/hwnas
ort=$build/onnxruntime
[ -f "$ort/node_modules/onnxruntime-node/package.json" ] ||
  npm install --ignore-scripts --no-audit --no-fund --prefix "$ort" onnxruntime-node > /dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$hwnas" export --arch "$run/best.arch.json" --weights "$run/best.weights" --dynamic-batch \
  --out "$tmp/model.onnx" > /dev/null
"$hwnas" eval --arch "$run/best.arch.json" --weights "$run/best.weights" \
  --predictions "$tmp/torch.txt" --json > "$tmp/eval.json"
node "$root/benchmarks/onnxruntime_fmnist.js" "$ort/node_modules/onnxruntime-node" \
  "$tmp/model.onnx" /usr/share/datasets/fashion-mnist "$tmp/ort.txt"
python3 - "$tmp" <<'PY'
import gzip, json, sys
tmp = sys.argv[1]
labels = list(gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz").read()[8:])
t = [int(v) for v in open(f"{tmp}/torch.txt")]
o = [int(v) for v in open(f"{tmp}/ort.txt")]
assert len(t) == len(o) == len(labels), (len(t), len(o), len(labels))
acc = lambda p: sum(a == b for a, b in zip(p, labels)) / len(labels)
same = sum(a == b for a, b in zip(t, o))
print(json.dumps({"images": len(labels), "libtorch_top1": acc(t), "onnxruntime_top1": acc(o),
                  "same_top1": same, "eval_json_top1": json.load(open(f"{tmp}/eval.json"))["test_accuracy"]}))
sys.exit(0 if same == len(labels) else 1)
PY
