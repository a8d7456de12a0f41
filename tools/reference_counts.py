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


def conv_bn_act(cin, cout, k, stride=1, groups=1, dilation=1, bn=True, act="relu", bias=None,
                preact=False):
    if bias is None:
        bias = not bn
    layers = [nn.Conv2d(cin, cout, k, stride, dilation * (k - 1) // 2, dilation, groups, bias=bias)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    if preact:
        layers.insert(0, ACTS[act]())
    else:
        layers.append(ACTS[act]())
    return nn.Sequential(*layers)


def sep_units(cin, cout, k, stride, dilation, units):
    """DARTS's SepConv (2 units) and DilConv (1 unit)."""
    layers = []
    for u in range(units):
        co = cout if u + 1 == units else cin
        layers += [nn.ReLU(), nn.Conv2d(cin, cin, k, stride if u == 0 else 1,
                                        dilation * (k - 1) // 2, dilation, cin, bias=False),
                   nn.Conv2d(cin, co, 1, bias=False), nn.BatchNorm2d(co)]
    return nn.Sequential(*layers)


class FactReduce(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.c2 = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = torch.relu(x)
        return self.bn(torch.cat([self.c1(x), self.c2(x[:, :, 1:, 1:])], 1))


class NoneOp(nn.Module):
    def __init__(self, cout, stride):
        super().__init__()
        self.cout, self.stride = cout, stride

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return torch.zeros(x.shape[0], self.cout, x.shape[2], x.shape[3])


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


def join(kind, xs):
    """What a layer reads: the sum (add), the concatenation (concat) or its one input."""
    if kind == "add":
        return sum(xs[1:], xs[0])
    if kind == "concat":
        return torch.cat(xs, 1)
    return xs[0]


class Graph(nn.Module):
    """Layers that read earlier layers (`inputs`; -1 the network input)."""

    def __init__(self, mods, inputs, kinds):
        super().__init__()
        self.mods, self.inputs, self.kinds = nn.ModuleList(mods), inputs, kinds

    def forward(self, x):
        outs = []
        for m, ins, kind in zip(self.mods, self.inputs, self.kinds):
            outs.append(m(join(kind, [x if j < 0 else outs[j] for j in ins])))
        return outs[-1]


def build(arch):
    """The arch as a Graph; a forward pass on zeros gives each layer's input width."""
    mods, inputs, kinds = [], [], []
    x0 = torch.zeros(1, *arch["input"])
    outs = []
    for i, l in enumerate(arch["layers"]):
        op = l["op"]
        ins = l.get("inputs", [i - 1])
        x = join(op, [x0 if j < 0 else outs[j] for j in ins])
        c = x.shape[1]
        if op == "conv":
            m = conv_bn_act(c, l["out"], l["k"], l.get("stride", 1), l.get("groups", 1),
                            l.get("dilation", 1), l.get("bn", True), l.get("act", "relu"),
                            l.get("bias"), l.get("preact", False))
        elif op == "mbconv":
            m = MBConv(c, l)
        elif op in ("skip", "zero"):
            out, s = l.get("out", c), l.get("stride", 1)
            m = conv_bn_act(c, out, 1, s) if op == "skip" and (out != c or s != 1) else nn.Identity()
        elif op == "maxpool":
            m = nn.MaxPool2d(l["k"], l.get("stride", l["k"]), l.get("pad", 0))
        elif op == "avgpool":
            m = nn.AvgPool2d(l["k"], l.get("stride", l["k"]), l.get("pad", 0),
                             count_include_pad=False)
        elif op == "gap":
            m = nn.AdaptiveAvgPool2d(1)
        elif op == "linear":
            m = nn.Sequential(nn.Flatten(), nn.Linear(x[0].numel(), l["out"]))
        elif op == "dropout":
            m = nn.Dropout(l["p"])
        elif op == "add":
            m = ACTS[l.get("act", "none")]()
        elif op == "concat":
            m = nn.Identity()
        elif op == "bn":
            m = nn.Sequential(nn.BatchNorm2d(c), ACTS[l.get("act", "none")]())
        elif op == "none":
            m = NoneOp(l.get("out", c), l.get("stride", 1))
        elif op in ("sepconv", "dilconv"):
            m = sep_units(c, l["out"], l["k"], l.get("stride", 1),
                          l.get("dilation", 2 if op == "dilconv" else 1), 2 if op == "sepconv" else 1)
        elif op == "factconv":
            k, s = l["k"], l.get("stride", 1)
            m = nn.Sequential(nn.ReLU(),
                              nn.Conv2d(c, l["out"], (1, k), (1, s), (0, (k - 1) // 2), bias=False),
                              nn.Conv2d(l["out"], l["out"], (k, 1), (s, 1), ((k - 1) // 2, 0),
                                        bias=False),
                              nn.BatchNorm2d(l["out"]))
        elif op == "factreduce":
            m = FactReduce(c, l["out"])
        else:
            raise SystemExit("unknown op " + op)
        m.eval()
        with torch.no_grad():
            outs.append(m(x))
        mods.append(m)
        inputs.append(ins)
        kinds.append(op)
    return Graph(mods, inputs, kinds)


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
