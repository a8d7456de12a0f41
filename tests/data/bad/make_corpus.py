#!/usr/bin/env python3
"""Writes the broken-input corpus and cases.tsv (file, kind, expected text).

Run from anywhere: python3 tests/data/bad/make_corpus.py. Each case must make
`hwnas` exit 2 with a one-line error that names the file and contains the
expected text (tests/cli/test_bad_inputs.cpp). kind: arch -> `stats --arch F`,
space -> `space F`, config -> `search --config F --dry-run`.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
cases = []


def write(name, content, kind, expect):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as f:
        f.write(content)
    cases.append((name, kind, expect))


# ---- arch JSON -----------------------------------------------------------------
GOOD_ARCH = {"format": "hwnas.arch/1", "name": "bad", "input": [1, 28, 28], "num_classes": 10,
             "layers": [{"op": "conv", "out": 16, "k": 3}, {"op": "gap"}, {"op": "linear", "out": 10}]}


def arch(name, expect, mutate):
    a = json.loads(json.dumps(GOOD_ARCH))
    mutate(a)
    write("arch/" + name + ".arch.json", json.dumps(a, indent=1), "arch", expect)


def set_layer(i, **kw):
    def f(a):
        a["layers"][i].update(kw)
    return f


write("arch/truncated.arch.json", json.dumps(GOOD_ARCH)[:60], "arch", "invalid JSON")
write("arch/empty.arch.json", "", "arch", "file is empty")
write("arch/not-utf8.arch.json", b'{"format": "hwnas.arch/1", "name": "\xff\xfe"}', "arch", "invalid UTF-8")
write("arch/duplicate-key.arch.json",
      '{"format": "hwnas.arch/1", "name": "a", "name": "b", "input": [1, 28, 28]}', "arch",
      "duplicate key 'name'")
write("arch/deep.arch.json", "[" * 5000 + "]" * 5000, "arch", "nesting deeper than")
write("arch/nan.arch.json", json.dumps(GOOD_ARCH).replace('"k": 3', '"k": NaN'), "arch", "invalid JSON")
write("arch/not-object.arch.json", "[1, 2, 3]", "arch", "expected a mapping")
arch("unknown-op", "unknown value 'conv3d'", set_layer(0, op="conv3d"))
arch("unknown-field", "did you mean 'stride'", set_layer(0, strid=2))
arch("wrong-type", "layers[0].k: expected an integer", set_layer(0, k="3"))
arch("missing-key", "input: missing required key", lambda a: a.pop("input"))
arch("zero-channels", "layers[0].out: expected an integer in [1,", set_layer(0, out=0))
arch("negative-kernel", "layers[0].k: expected an integer in [1, 31], got -3", set_layer(0, k=-3))
arch("huge-number", "expected an integer", set_layer(0, out=1e300))
arch("vanishing-pool", "feature map vanishes",
     lambda a: a["layers"].insert(1, {"op": "maxpool", "k": 64}))
arch("zero-changes-shape", "zero drops the layer",
     lambda a: a["layers"].insert(1, {"op": "zero", "stride": 2}))
arch("final-linear", "num_classes = 10", set_layer(2, out=9))
arch("bad-residual", "residual: true needs stride 1",
     lambda a: a["layers"].insert(1, {"op": "mbconv", "out": 16, "k": 3, "e": 3, "stride": 2,
                                      "residual": True}))
arch("bad-groups", "groups = 5 must divide", set_layer(0, groups=5))
arch("wrong-format", "unsupported format 'hwnas.arch/2'", lambda a: a.update(format="hwnas.arch/2"))
arch("preprocess-size", "one value per input channel",
     lambda a: a.update(preprocess={"mean": [0.1, 0.2, 0.3], "std": [1, 1, 1]}))
arch("no-layers", "layers: expected a list of 1 to 100000 items, got 0", lambda a: a.update(layers=[]))
# graphs: wiring errors name the layer
arch("forward-reference", "layers[0] (conv): inputs[0] = 1 is not an earlier layer",
     set_layer(0, inputs=[1]))
arch("self-reference", "layers[1] (gap): inputs[0] = 1 is not an earlier layer",
     set_layer(1, inputs=[1]))
arch("input-out-of-range", "layers[1].inputs[0]: expected an integer in [-1,",
     set_layer(1, inputs=[-5]))
arch("add-mismatch", "add of mismatched shapes: layers[0] gives 16x28x28, the network input gives 1x28x28",
     lambda a: a["layers"].insert(1, {"op": "add", "inputs": [0, -1]}))
arch("concat-mismatch", "concat of mismatched sizes: layers[0] gives 14x14, the network input gives 28x28",
     lambda a: (a["layers"][0].update(stride=2), a["layers"].insert(1, {"op": "concat", "inputs": [0, -1]})))
arch("add-one-input", "add reads two or more layers, but `inputs` names 1",
     lambda a: a["layers"].insert(1, {"op": "add", "inputs": [0]}))
arch("add-no-inputs", "needs `inputs`", lambda a: a["layers"].insert(1, {"op": "add"}))
arch("inputs-not-list", "layers[1].inputs: expected a list", set_layer(1, inputs=3))
arch("factreduce-odd", "needs an even height and width",
     lambda a: a["layers"].insert(1, {"op": "factreduce", "out": 16, "inputs": [-1]}) or
     a["input"].__setitem__(1, 27) or a["input"].__setitem__(2, 27))
arch("pool-pad", "pad = 2 exceeds half the kernel",
     lambda a: a["layers"].insert(1, {"op": "avgpool", "k": 3, "stride": 1, "pad": 2}))
os.makedirs(os.path.join(HERE, "arch/a-directory.arch.json"), exist_ok=True)
with open(os.path.join(HERE, "arch/a-directory.arch.json/.keep"), "w"):
    pass
cases.append(("arch/a-directory.arch.json", "arch", "is a directory"))
cases.append(("arch/missing.arch.json", "arch", "no such file"))

# ---- search space YAML ---------------------------------------------------------
def space_text(name, body=None, **repl):
    base = f"""name: {name}
input: [1, 28, 28]
num_classes: 10
candidates:
  mb_k3_e3: {{op: mbconv, k: 3, e: 3}}
  zero: {{op: zero}}
layers:
  - {{op: conv, out: 16, k: 3}}
  - {{stage: {{out: 24, depth: 2, stride: 2, choices: [mb_k3_e3, zero]}}}}
  - {{op: gap}}
  - {{op: linear, out: 10}}
"""
    for k, v in repl.items():
        base = base.replace(k, v)
    return body if body is not None else base


def space(name, expect, **repl):
    write(f"space/{name}.yaml", space_text(name, **repl), "space", expect)


space("malformed", "invalid YAML", **{"layers:\n": "layers:\n  - {op: conv, out: 16\n"})
space("truncated", "invalid YAML", **{"  - {op: linear, out: 10}\n": "  - {op: linear, out:"})
space("duplicate-key", "duplicate key 'num_classes'", **{"num_classes: 10\n": "num_classes: 10\nnum_classes: 11\n"})
write("space/alias-bomb.yaml",
      "name: alias-bomb\n" + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" +
      "".join(f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]\n"
              for i in range(1, 9)), "space", "values after expanding aliases")
write("space/deep-nesting.yaml", "name: deep-nesting\nx: " + "[" * 200 + "]" * 200 + "\n", "space",
      "nesting deeper than")
space("unknown-candidate", "unknown candidate 'mb_k3_e4'", **{"choices: [mb_k3_e3, zero]": "choices: [mb_k3_e4, zero]"})
space("candidate-with-out", "a candidate takes out and stride from its position",
      **{"{op: mbconv, k: 3, e: 3}": "{op: mbconv, k: 3, e: 3, out: 24}"})
space("only-zero", "has no allowed candidate", **{"choices: [mb_k3_e3, zero]": "choices: [zero]"})
write("space/stem-mismatch.yaml", space_text("another-name"), "space", "must equal its file stem")
space("zero-depth", "depth: expected an integer in [1, 64], got 0", **{"depth: 2": "depth: 0"})
space("nan-stride", "stride: expected an integer in [1, 64], got NaN", **{"stride: 2,": "stride: .nan,"})
space("huge-depth", "depth: expected an integer in [1, 64]", **{"depth: 2": "depth: 99999999999999999999999"})
space("unknown-key", "candidates: missing required key (is 'candidats' a typo of it?)", **{"candidates:": "candidats:"})
space("missing-layers", "layers: missing required key",
      **{"layers:\n  - {op: conv, out: 16, k: 3}\n  - {stage: {out: 24, depth: 2, stride: 2, choices: [mb_k3_e3, zero]}}\n  - {op: gap}\n  - {op: linear, out: 10}\n": ""})
space("final-linear", "num_classes = 10", **{"{op: linear, out: 10}": "{op: linear, out: 12}"})
space("vanishing-pool", "feature map vanishes", **{"  - {op: gap}\n": "  - {op: avgpool, k: 30}\n  - {op: gap}\n"})
space("wrong-type", "input: expected a list", **{"input: [1, 28, 28]": "input: 28x28"})
space("negative-channels", "out: expected an integer in [1,", **{"out: 24,": "out: -24,"})
CELL_SPACE = """name: {name}
input: [1, 28, 28]
num_classes: 10
candidates:
  skip: {{op: skip}}
  conv: {{op: conv, k: 3, preact: true}}
  none: {{op: none}}
cells:
  c:
    nodes: 3
    edges: [[0, 1], [0, 2], [1, 2]]
    choices: [skip, conv, none]
layers:
  - {{id: stem, op: conv, out: 16, k: 3}}
  - {{id: last, cell: c, out: 16, repeat: 2}}
  - {{op: add, inputs: [stem, last]}}
  - {{op: gap}}
  - {{op: linear, out: 10}}
"""


def space_from(template, name, expect, **repl):
    """A space case written from `template` (str.format, field `name`), each
    key of `repl` replaced by its value (and required to be there)."""
    text = template.format(name=name)
    for k, v in repl.items():
        assert k in text, k
        text = text.replace(k, v)
    write(f"space/{name}.yaml", text, "space", expect)


def cell_space(name, expect, **repl):
    space_from(CELL_SPACE, name, expect, **repl)


cell_space("cell-edge-backward", "edges[1]: an edge runs from an earlier node to a later one; got 2 -> 0",
           **{"[[0, 1], [0, 2], [1, 2]]": "[[0, 1], [2, 0], [1, 2]]"})
cell_space("cell-edge-out-of-range", "edges[1]", **{"[[0, 1], [0, 2], [1, 2]]": "[[0, 1], [0, 7], [1, 2]]"})
cell_space("cell-node-unreached", "node 2 has no incoming edge", **{"[[0, 1], [0, 2], [1, 2]]": "[[0, 1]]"})
cell_space("cell-unknown", "unknown cell 'd'", **{"cell: c,": "cell: d,"})
cell_space("cell-unused", "this cell is defined but never used",
           **{"  - {id: last, cell: c, out: 16, repeat: 2}\n": "  - {id: last, stage: {out: 16, depth: 1, choices: [skip]}}\n"})
cell_space("cell-op-changes-shape", "candidate 'pool' gives 16x26x26 but 'skip' gives 16x28x28",
           **{"  none: {op: none}\n": "  pool: {op: avgpool, k: 3}\n", "[skip, conv, none]": "[skip, conv, pool]"})
cell_space("cell-unknown-id", "no earlier entry has id 'stm' (did you mean 'stem'?)", **{"[stem, last]": "[stm, last]"})
cell_space("cell-later-id", "no earlier entry has id 'last2'",
           **{"  - {op: add, inputs: [stem, last]}\n": "  - {op: add, inputs: [stem, last2]}\n  - {id: last2, op: gap}\n"})
cell_space("cell-duplicate-id", "id 'stem' is used twice", **{"{id: last, cell": "{id: stem, cell"})
cell_space("cell-add-mismatch", "add of mismatched shapes", **{"cell: c, out: 16,": "cell: c, out: 8,"})
BLOCK_SPACE = """name: {name}
input: [3, 32, 32]
num_classes: 10
candidates:
  skip: {{op: skip}}
  sep3: {{op: sepconv, k: 3}}
  pool: {{op: maxpool, k: 3, pad: 1}}
cells:
  normal: {{blocks: 2, choices: [skip, sep3, pool]}}
  reduce: {{blocks: 2, choices: [skip, sep3, pool]}}
  tri: {{nodes: 3, edges: [[0, 1], [0, 2], [1, 2]], choices: [skip, sep3]}}
layers:
  - {{op: conv, out: 24, k: 3, act: none}}
  - {{nasnet: {{normal: normal, reduce: reduce, width: 8, cells: 3}}}}
  - {{cell: tri, out: 32}}
  - {{op: gap}}
  - {{op: linear, out: 10}}
"""


def block_space(name, expect, **repl):
    space_from(BLOCK_SPACE, name, expect, **repl)


block_space("block-cell-as-cell", "'normal' is a block cell: use it in a `nasnet` entry",
            **{"{cell: tri, out: 32}": "{cell: normal, out: 32}"})
block_space("nasnet-not-block", "'tri' is not a block cell of this space",
            **{"reduce: reduce,": "reduce: tri,"})
block_space("nasnet-same-cells", "the reduction cell must be another cell",
            **{"reduce: reduce,": "reduce: normal,"})
block_space("block-op-changes-shape", "gives 8x30x30 where the block needs 8x32x32",
            **{"pool: {op: maxpool, k: 3, pad: 1}": "pool: {op: maxpool, k: 3}"})
block_space("block-odd-reduce", "needs an even height and width", **{"input: [3, 32, 32]": "input: [3, 33, 33]"})
block_space("nasnet-too-few-cells", "cells: expected an integer in [3, 256], got 2", **{"cells: 3}": "cells: 2}"})
write("space/empty.yaml", "", "space", "file is empty")
write("space/not-utf8.yaml", b"name: not-utf8\ninput: [1, 28, 28]\ndescription: \xc3\x28\n", "space", "invalid UTF-8")
write("space/tabs.yaml", "name: tabs\n\tinput: [1, 28, 28]\n", "space", "invalid YAML")

# ---- run config YAML -----------------------------------------------------------
GOOD_CONFIG = """name: bad
space: proxyless-fmnist
data: {dataset: fashion-mnist, train_limit: 1000, val_fraction: 0.2}
cost_models:
  lat: {type: flops, gmacs_per_s: 5}
constraints:
  - {model: lat, metric: latency_ms, max: 3.5}
  - {metric: params, max: 400000}
strategy: {type: proxyless, loss: {lambda: 0.1}}
train: {epochs: 2, batch: 64, optimizer: {type: sgd, lr: 0.05}}
"""


def mutated(text, repl):
    for k, v in repl.items():
        assert k in text, k
        text = text.replace(k, v)
    return text


def config(name, expect, **repl):
    write(f"config/{name}.yaml", mutated(GOOD_CONFIG, repl), "config", expect)


config("unknown-key", "did you mean 'train'", **{"train:": "trian:"})
config("missing-space", "space: missing required key", **{"space: proxyless-fmnist\n": ""})
config("missing-strategy", "strategy: missing required key", **{"strategy: {type: proxyless, loss: {lambda: 0.1}}\n": ""})
config("unknown-strategy", "unknown value 'evolutoin'", **{"type: proxyless": "type: evolutoin"})
config("negative-lambda", "loss.lambda: expected a number in [0,", **{"lambda: 0.1": "lambda: -1"})
config("fbnet-temperature", "temperature: expected a number in [0.0001,",
       **{"type: proxyless, loss: {lambda: 0.1}": "type: fbnet, temperature: 0"})
config("unknown-model-ref", "no cost model named 'latency'", **{"model: lat,": "model: latency,"})
config("constraint-without-model", "must name the cost model", **{"{model: lat, metric: latency_ms": "{metric: latency_ms"})
config("infeasible", "no architecture of space proxyless-fmnist meets params <= 1000",
       **{"max: 400000": "max: 1000"})
config("infeasible-latency", "no architecture of space proxyless-fmnist meets lat.latency_ms <= 0.01",
       **{"max: 3.5": "max: 0.01"})
config("metric-not-given", "cost model 'lat' (flops) does not give energy_mj",
       **{"metric: latency_ms": "metric: energy_mj"})
config("unknown-model-type", "unknown cost model type 'flop'", **{"type: flops": "type: flop"})
config("model-missing-option", "gmacs_per_s: missing required key", **{", gmacs_per_s: 5": ""})
config("model-unknown-option", "is 'gmac_per_s' a typo of it?", **{"gmacs_per_s: 5": "gmac_per_s: 5"})
config("lut-missing-table", "cost_models.lat.table: 'tables/none.json' was not found",
       **{"type: flops, gmacs_per_s: 5": "type: lut, table: tables/none.json"})
# The accelerator cost model's options (paths are relative to the config file).
ACCEL_MODEL = "type: accelerator, accel: ../../../../configs/accel/"
config("accel-model-missing-design", "cost_models.lat.accel: '../../../../configs/accel/none.yaml' was not found", **{"type: flops, gmacs_per_s: 5": ACCEL_MODEL + "none.yaml"})
config("accel-model-heterogeneous", "a cost model needs a single accelerator",
       **{"type: flops, gmacs_per_s: 5": ACCEL_MODEL + "hetero-2.yaml"})
config("accel-model-bad-set", "pes: expected an integer in [1,",
       **{"type: flops, gmacs_per_s: 5": ACCEL_MODEL + "eyeriss.yaml, set: [pes=0]"})
config("accel-model-set-unknown-key", "did you mean 'pes'",
       **{"type: flops, gmacs_per_s: 5": ACCEL_MODEL + "eyeriss.yaml, set: [pess=64]"})
config("zero-epochs", "epochs: expected an integer in [1, 100000], got 0", **{"epochs: 2": "epochs: 0"})
config("zero-threads", "threads: expected an integer in [1, 1024], got 0", **{"name: bad\n": "name: bad\nthreads: 0\n"})
config("val-fraction", "val_fraction: expected a number in [0, 0.9], got 1.5", **{"val_fraction: 0.2": "val_fraction: 1.5"})
config("unknown-dataset", "did you mean 'mnist'", **{"dataset: fashion-mnist": "dataset: mnistt"})
config("unknown-space", "unknown search space 'proxyless-fmnst'", **{"space: proxyless-fmnist": "space: proxyless-fmnst"})
config("missing-space-file", "space: 'spaces/none.yaml' was not found", **{"space: proxyless-fmnist": "space: spaces/none.yaml"})
config("nan-lr", "lr: expected a number in [1e-08, 100], got NaN", **{"lr: 0.05": "lr: .nan"})
config("huge-seed", "seed: expected an integer", **{"name: bad\n": "name: bad\nseed: 1e30\n"})
config("wrong-type", "train: expected a mapping", **{"train: {epochs: 2, batch: 64, optimizer: {type: sgd, lr: 0.05}}": "train: 3"})
config("duplicate-key", "duplicate key 'space'", **{"space: proxyless-fmnist\n": "space: proxyless-fmnist\nspace: fbnet\n"})
config("min-above-max", "min is larger than max", **{"max: 400000}": "max: 400000, min: 500000}"})
config("jointly-infeasible", "meets all 2 constraints together",
       **{"{model: lat, metric: latency_ms, max: 3.5}": "{model: lat, metric: latency_ms, min: 6.9}"})
config("warmup-too-long", "warmup_epochs (2) must be less than train.epochs (2)",
       **{"type: proxyless, loss": "type: proxyless, warmup_epochs: 2, loss"})
config("zero-penalty-range", "penalty: expected a number in [0,", **{"type: proxyless, loss": "type: proxyless, penalty: -1, loss"})
config("bad-mode", "unknown value 'three'", **{"type: proxyless, loss": "type: proxyless, mode: three, loss"})
config("fbnet-decay", "temperature_decay: expected a number in [0.001, 1], got 1.5",
       **{"type: proxyless, loss: {lambda: 0.1}": "type: fbnet, temperature_decay: 1.5"})
config("loss-model-unknown", "loss.model 'latency' is not a key of cost_models",
       **{"loss: {lambda: 0.1}": "loss: {model: latency, lambda: 0.1}"})
config("negative-retrain-limit", "retrain_limit: expected an integer in [-1,",
       **{"val_fraction: 0.2": "val_fraction: 0.2, retrain_limit: -5"})
config("bad-name", "a run name cannot contain '/'", **{"name: bad": "name: ../escape/x"})
# Strategies behind the registry, and the fitness providers.
RANDOM = {"strategy: {type: proxyless, loss: {lambda: 0.1}}": "strategy: {type: random, samples: 4}"}
config("strategy-typo", "unknown value 'randm' (did you mean 'random'?)",
       **{"type: proxyless, loss": "type: randm, loss"})
config("random-foreign-option", "strategy.mode: unknown key",
       **{"strategy: {type: proxyless, loss: {lambda: 0.1}}": "strategy: {type: random, mode: two}"})
config("random-zero-samples", "strategy.samples: expected an integer in [1, 1000000], got 0",
       **{"strategy: {type: proxyless, loss: {lambda: 0.1}}": "strategy: {type: random, samples: 0}"})
config("random-infeasible", "no architecture of space proxyless-fmnist meets params <= 1000",
       **RANDOM, **{"max: 400000": "max: 1000"})
os.makedirs(os.path.join(HERE, "config/spaces"), exist_ok=True)
with open(os.path.join(HERE, "config/spaces/two.yaml"), "w") as f:  # a space of 2 archs
    f.write("name: two\ninput: [1, 28, 28]\nnum_classes: 10\n"
            "candidates:\n  c1: {op: conv, k: 1}\n  c3: {op: conv, k: 3}\n"
            "layers:\n  - {stage: {out: 16, depth: 1, stride: 1, choices: [c1, c3]}}\n"
            "  - {op: gap}\n  - {op: linear, out: 10}\n")
config("random-too-many", "samples (100) exceeds the 2 architectures of space two",
       **{"strategy: {type: proxyless, loss: {lambda: 0.1}}": "strategy: {type: random, samples: 100}",
          "space: proxyless-fmnist": "space: spaces/two.yaml"})
config("fitness-typo", "unknown value 'trian' (did you mean 'train'?)",
       **RANDOM, **{"train: {epochs": "fitness: {type: trian}\ntrain: {epochs"})
config("fitness-zero-epochs", "fitness.epochs: expected an integer in [1, 10000], got 0",
       **RANDOM, **{"train: {epochs": "fitness: {type: train, epochs: 0}\ntrain: {epochs"})
config("fitness-for-supernet", "strategy proxyless scores no candidates one by one",
       **{"train: {epochs": "fitness: {type: train}\ntrain: {epochs"})
config("retrain-from-supernet-random",
       "retrain.from: supernet needs a supernet strategy (proxyless or fbnet)",
       **RANDOM, **{"train: {epochs": "retrain: {from: supernet}\ntrain: {epochs"})
config("fitness-proxy-score", "unknown value 'synflo' (did you mean 'synflow'?)",
       **RANDOM, **{"train: {epochs": "fitness: {type: proxy, score: synflo}\ntrain: {epochs"})
config("fitness-supernet-no-run", "fitness.run: missing required key",
       **RANDOM, **{"train: {epochs": "fitness: {type: supernet}\ntrain: {epochs"})
config("shared-weights-typo", "unknown value 'share' (did you mean 'shared'?)",
       **{"loss: {lambda: 0.1}}": "weights: share, loss: {lambda: 0.1}}"})
write("config/alias-bomb.yaml",
      "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" +
      "".join(f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]\n"
              for i in range(1, 9)) + GOOD_CONFIG, "config", "values after expanding aliases")
write("config/empty.yaml", "\n\n", "config", "file is empty")
write("config/scalar.yaml", "just a string\n", "config", "expected a mapping")

# ---- accelerator designs (kind accel: `accel --arch mobilenet-v2 --accel F`) -------
GOOD_ACCEL = """name: bad
template: nvdla
pes: 256
cluster: 64
l1_bytes: 512
l2_bytes: 262144
noc_bw: 256
offchip_bw: 32
clock_mhz: 1000
bits: 8
"""
GOOD_HETERO = """name: bad-hetero
budget: {pes: 512, offchip_bw: 64}
sub_accelerators:
  - {name: a, template: nvdla, pes: 256, l1_bytes: 512, l2_bytes: 262144, noc_bw: 256, offchip_bw: 32, clock_mhz: 1000}
  - {name: b, template: eyeriss, pes: 256, l1_bytes: 512, l2_bytes: 262144, noc_bw: 256, offchip_bw: 32, clock_mhz: 1000}
mapping: [a]
"""


def accel(name, expect, base=GOOD_ACCEL, **repl):
    write(f"accel/{name}.yaml", mutated(base, repl), "accel", expect)


accel("zero-pes", "pes: expected an integer in [1, 16777216], got 0", **{"pes: 256": "pes: 0"})
accel("negative-pes", "pes: expected an integer in [1, 16777216], got -64", **{"pes: 256": "pes: -64"})
accel("negative-offchip-bw", "offchip_bw: expected a number in", **{"offchip_bw: 32": "offchip_bw: -4"})
accel("zero-noc-bw", "noc_bw: expected a number in", **{"noc_bw: 256": "noc_bw: 0"})
accel("unknown-template", "unknown value 'tpu'; expected one of nvdla, shidiannao, eyeriss",
      **{"template: nvdla": "template: tpu"})
accel("unknown-dataflow", "unknown value 'os' (did you mean 'rs'?); expected one of kcp_ws, yxp_os, rs",
      **{"template: nvdla\n": "template: nvdla\ndataflow: os\n"})
accel("negative-energy", "energy.dram: expected a number in [0,",
      **{"bits: 8\n": "bits: 8\nenergy: {dram: -200}\n"})
accel("l1-too-small", "l1_bytes = 8 is too small for the kcp_ws tile", **{"l1_bytes: 512": "l1_bytes: 8"})
accel("l2-too-small", "l2_bytes = 1024 is too small", **{"l2_bytes: 262144": "l2_bytes: 1024"})
accel("cluster-over-pes", "cluster (512) is larger than pes (256)", **{"cluster: 64": "cluster: 512"})
accel("missing-pes", "pes: missing required key", **{"pes: 256\n": ""})
accel("unknown-key", "pe_count: unknown key", **{"bits: 8\n": "bits: 8\npe_count: 16\n"})
CUSTOM = ("template: nvdla\n", "template: nvdla\ndataflow:\n  name: mine\n  conv:\n"
          "    clusters: [spatial K 1, temporal C cluster, temporal Y 1, temporal X 1]\n"
          "    pes: [spatial C 1, temporal R full, temporal S full]\n")


def custom_flow(name, expect, old, new):
    accel(name, expect, **{CUSTOM[0]: CUSTOM[1].replace(old, new)})


custom_flow("flow-unknown-dim", "unknown dimension 'Q'; expected one of N, K, C, Y, X, R, S",
            "temporal Y 1,", "temporal Q 1,")
custom_flow("flow-two-spatial", "exactly one dimension over its units; this one has 2",
            "temporal C cluster", "spatial C cluster")
custom_flow("flow-no-spatial", "this one has 0 spatial directives", "spatial C 1", "temporal C 1")
custom_flow("flow-bad-word", "'spacial' is neither spatial nor temporal", "spatial K 1", "spacial K 1")
custom_flow("flow-bad-tile", "tile 'many': expected a count in [1, 1048576], 'full' or 'cluster'",
            "temporal Y 1", "temporal Y many")
custom_flow("flow-dim-twice", "dimension C is named twice in this level", "temporal Y 1", "temporal C 2")
custom_flow("flow-builtin-name", "'rs' is a built-in dataflow", "name: mine", "name: rs")
custom_flow("flow-depthwise-without-k", "need their own 'depthwise:' mapping", "", "")
accel("hetero-over-budget", "use 512 PEs, over the budget of 256", GOOD_HETERO,
      **{"budget: {pes: 512": "budget: {pes: 256"})
accel("hetero-unknown-sub", "no sub-accelerator is named 'c'; the design has: a, b", GOOD_HETERO,
      **{"mapping: [a]": "mapping: [c]"})
accel("hetero-duplicate-sub", "two sub-accelerators are named 'a'", GOOD_HETERO,
      **{"{name: b,": "{name: a,"})

# ---- hostile inputs (issue 15): sizes, counts and injections ----------------------
arch("overflow-macs", "too large to count",
     lambda a: (a.update(input=[65536, 4096, 4096]), a["layers"][0].update(out=65536, k=31)))
write("arch/number-beyond-double.arch.json",
      json.dumps(GOOD_ARCH).replace('"out": 16', '"out": 1e400'), "arch", "invalid JSON")
arch("huge-string", "a value of 70000 bytes; at most 65536", lambda a: a.update(name="n" * 70000))
space("long-plain-scalar", "a value of 70000 bytes",
      **{"num_classes: 10\n": "num_classes: 10\ndescription: " + "d" * 70000 + "\n"})
space("sixty-thousand-digits", "name: expected a string", **{"name: sixty-thousand-digits": "name: " + "1" * 60000})
space("too-many-layers", "would have over 100000 layers",
      **{"  - {op: gap}\n": "".join("  - {stage: {out: 24, depth: 64, choices: [mb_k3_e3]}}\n"
                                     for _ in range(1600)) + "  - {op: gap}\n"})
config("too-many-constraints", "constraints: expected a list of 0 to 256 items, got 300",
       **{"  - {metric: params, max: 400000}\n": "  - {metric: params, max: 400000}\n" * 299})
config("aliased-constraints", "more than 100000 values after expanding aliases",
       **{"constraints:\n  - {model: lat, metric: latency_ms, max: 3.5}\n  - {metric: params, max: 400000}\n":
          "c: &c {metric: params, max: 400000}\nconstraints: [" + ", ".join(["*c"] * 100000) + "]\n"})
config("set-injects-keys", "expected one number or word after '='",
       **{"type: flops, gmacs_per_s: 5": ACCEL_MODEL + "eyeriss.yaml, set: ['energy.dram=1, mac: 1000000']"})
config("set-empty-value", "expected a value after '='",
       **{"type: flops, gmacs_per_s: 5": ACCEL_MODEL + "eyeriss.yaml, set: ['pes=']"})
config("seed-above-int64", "seed: expected an integer >= 0", **{"name: bad\n": "name: bad\nseed: 18446744073709551616\n"})

with open(os.path.join(HERE, "cases.tsv"), "w") as f:
    f.write("# file\tkind\texpected text (generated by make_corpus.py)\n")
    for c in cases:
        f.write("\t".join(c) + "\n")
print(f"{len(cases)} cases")
