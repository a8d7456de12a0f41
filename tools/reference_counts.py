#!/usr/bin/python3
"""Independent reference for hwnas's IR counts: builds each arch JSON as a
PyTorch module (Debian's python3-torch) and counts what torch counts.

  /usr/bin/python3 tools/reference_counts.py > tests/data/reference_counts.json

params = sum of trainable parameter sizes (BN gamma/beta, not running stats);
macs = multiply-accumulates of Conv2d and Linear, measured by forward hooks on
a real forward pass. Used only to make the golden file; hwnas never runs it.
"""
import glob
import json
import os
import sys

import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ACTS = {"relu": nn.ReLU, "relu6": nn.ReLU6, "hswish": nn.Hardswish, "none": nn.Identity}


def conv_bn_act(cin, cout, k, stride=1, groups=1, dilation=1, bn=True, act="relu"):
    layers = [nn.Conv2d(cin, cout, k, stride, dilation * (k - 1) // 2, dilation, groups, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(ACTS[act]())
    return nn.Sequential(*layers)


class Shuffle(nn.Module):
    def __init__(self, groups):
        super().__init__()
        self.g = groups

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, self.g, c // self.g, h, w).transpose(1, 2).reshape(n, c, h, w)


def make_divisible(v, d=8):
    r = max(d, int(v + d / 2) // d * d)
    return r + d if r < 0.9 * v else r


class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        s = make_divisible(c / 4)
        self.fc1, self.fc2 = nn.Conv2d(c, s, 1), nn.Conv2d(s, c, 1)

    def forward(self, x):
        y = x.mean((2, 3), keepdim=True)
        return x * nn.functional.hardsigmoid(self.fc2(torch.relu(self.fc1(y))))


class MBConv(nn.Module):
    def __init__(self, cin, l):
        super().__init__()
        e, g, s, k, out = l["e"], l.get("groups", 1), l.get("stride", 1), l["k"], l["out"]
        act = l.get("act", "relu6")
        mid = int(round(cin * e))
        layers = []
        if l.get("expand", e != 1):
            layers.append(conv_bn_act(cin, mid, 1, groups=g, act=act))
            if l.get("shuffle", False):
                layers.append(Shuffle(g))
        layers.append(conv_bn_act(mid, mid, k, s, groups=mid, act=act))
        if l.get("se", False):
            layers.append(SE(mid))
        layers.append(conv_bn_act(mid, out, 1, groups=g, act="none"))
        self.body = nn.Sequential(*layers)
        self.res = l.get("residual", s == 1 and cin == out)

    def forward(self, x):
        y = self.body(x)
        return x + y if self.res else y


def build(arch):
    c, h, w = arch["input"]
    mods = []
    for l in arch["layers"]:
        op = l["op"]
        if op == "conv":
            mods.append(conv_bn_act(c, l["out"], l["k"], l.get("stride", 1), l.get("groups", 1),
                                    l.get("dilation", 1), l.get("bn", True), l.get("act", "relu")))
            c = l["out"]
        elif op == "mbconv":
            mods.append(MBConv(c, l))
            c = l["out"]
        elif op in ("skip", "zero"):
            out, s = l.get("out", c), l.get("stride", 1)
            if op == "skip" and (out != c or s != 1):
                mods.append(conv_bn_act(c, out, 1, s))
            c = out
        elif op == "maxpool":
            mods.append(nn.MaxPool2d(l["k"], l.get("stride", l["k"])))
        elif op == "avgpool":
            mods.append(nn.AvgPool2d(l["k"], l.get("stride", l["k"])))
        elif op == "gap":
            mods.append(nn.AdaptiveAvgPool2d(1))
        elif op == "linear":
            mods.append(nn.Sequential(nn.Flatten(), nn.LazyLinear(l["out"])))
            c = l["out"]
        elif op == "dropout":
            mods.append(nn.Dropout(l["p"]))
    return nn.Sequential(*mods)


def count(arch):
    net = build(arch).eval()
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features
    for m in net.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        net(torch.zeros(1, *arch["input"]))
    params = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return {"macs": macs[0], "params": params}


def main():
    files = sorted(glob.glob(os.path.join(ROOT, "configs/archs/*.arch.json")) +
                   glob.glob(os.path.join(ROOT, "tests/data/archs/*.arch.json")))
    out = {}
    for f in files:
        with open(f) as fh:
            out[os.path.relpath(f, ROOT)] = count(json.load(fh))
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
