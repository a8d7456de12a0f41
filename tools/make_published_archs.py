#!/usr/bin/env python3
"""Writes configs/archs/*.arch.json from the published layer tables.

Each table below is transcribed from the paper or the authors' released
config; run `python3 tools/make_published_archs.py` to regenerate. The
counts these files must reproduce (tests/ir/test_published_archs.cpp) are
the published ones, not whatever hwnas counts.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "configs", "archs")
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


def arch(name, layers, source):
    return {"format": "hwnas.arch/1", "name": name, "input": [3, 224, 224], "num_classes": 1000,
            "preprocess": IMAGENET, "source": source, "layers": layers}


def mbconv(out, k, e, stride=1, **kw):
    d = {"op": "mbconv", "out": out, "k": k, "e": e}
    if stride != 1:
        d["stride"] = stride
    d.update(kw)
    return d


def mobilenet_v2():
    # MobileNetV2 paper, Table 2: (t, c, n, s); torchvision's model.
    layers = [{"op": "conv", "out": 32, "k": 3, "stride": 2, "act": "relu6"}]
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            layers.append(mbconv(c, 3, t, s if i == 0 else 1))
    layers += [{"op": "conv", "out": 1280, "k": 1, "act": "relu6"}, {"op": "gap"},
               {"op": "dropout", "p": 0.2}, {"op": "linear", "out": 1000}]
    return arch("mobilenet-v2", layers, "MobileNetV2 (Sandler et al. 2018), Table 2")


def proxyless_mobile():
    # ProxylessNAS released proxyless_mobile config: per stage (out, stride, [(k, e) | None]);
    # None is a zero (dropped) layer.
    stages = [(32, 2, [(5, 3), (3, 3), None, None]),
              (40, 2, [(7, 3), (3, 3), (5, 3), (5, 3)]),
              (80, 2, [(7, 6), (5, 3), (5, 3), (5, 3)]),
              (96, 1, [(5, 6), (5, 3), (5, 3), (5, 3)]),
              (192, 2, [(7, 6), (7, 6), (7, 3), (7, 3)]),
              (320, 1, [(7, 6)])]
    layers = [{"op": "conv", "out": 32, "k": 3, "stride": 2, "act": "relu6"},
              mbconv(16, 3, 1, residual=False)]
    for out, stride, blocks in stages:
        for i, b in enumerate(blocks):
            if b is None:
                layers.append({"op": "zero"})
            else:
                layers.append(mbconv(out, b[0], b[1], stride if i == 0 else 1))
    layers += [{"op": "conv", "out": 1280, "k": 1, "act": "relu6"}, {"op": "gap"},
               {"op": "linear", "out": 1000}]
    return arch("proxylessnas-mobile", layers, "ProxylessNAS (Cai et al. 2019), released proxyless_mobile")


def fbnet_a():
    # FBNet paper Table 1 macro-architecture with FBNet-A's blocks (Fig. 4 / released model def).
    # Blocks: (k, e, groups) or "skip". FBNet keeps the 1x1 expand conv at e = 1, and its g2
    # blocks group both 1x1 convs and shuffle channels after the first.
    stages = [(16, 1, ["skip"]),
              (24, 2, [(3, 3, 1), (3, 1, 1), "skip", "skip"]),
              (32, 2, [(5, 6, 1), (3, 3, 1), (5, 1, 1), (3, 3, 1)]),
              (64, 2, [(5, 6, 1), (5, 3, 1), (5, 1, 2), (5, 6, 1)]),
              (112, 1, [(3, 6, 1), (5, 1, 2), (5, 1, 1), (3, 1, 2)]),
              (184, 2, [(5, 6, 1), (5, 6, 1), (5, 3, 1), (5, 6, 1)]),
              (352, 1, [(5, 6, 1)])]
    layers = [{"op": "conv", "out": 16, "k": 3, "stride": 2}]
    for out, stride, blocks in stages:
        for i, b in enumerate(blocks):
            s = stride if i == 0 else 1
            if b == "skip":
                layers.append({"op": "skip", "out": out, **({"stride": s} if s != 1 else {})})
                continue
            k, e, g = b
            kw = {"act": "relu"}
            if e == 1:
                kw["expand"] = True
            if g > 1:
                kw.update(groups=g, shuffle=True)
            layers.append(mbconv(out, k, e, s, **kw))
    layers += [{"op": "conv", "out": 1984, "k": 1}, {"op": "gap"}, {"op": "linear", "out": 1000}]
    return arch("fbnet-a", layers, "FBNet (Wu et al. 2019), Table 1 + FBNet-A blocks")


def main():
    os.makedirs(OUT, exist_ok=True)
    for a in (mobilenet_v2(), proxyless_mobile(), fbnet_a()):
        a.pop("source")
        with open(os.path.join(OUT, a["name"] + ".arch.json"), "w") as f:
            json.dump(a, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
