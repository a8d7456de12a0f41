#!/usr/bin/python3
"""PyTorch eager reference for `hwnas bench supernet` (Debian's python3-torch:
the same libtorch kernels). Builds the supernet of a space the way the
official ProxylessNAS code does (MixedEdge: candidate ops + AP_path_alpha +
AP_path_wb binary gates) and times its weight step (one sampled path per
position, unused candidates off) or its architecture step in `two` mode
(both sampled candidates forward, the inactive one detached, the binary-gate
gradient mapped to the logits by hand, then rescaled).

  hwnas space proxyless-fmnist --json > space.json
  /usr/bin/python3 benchmarks/pytorch_supernet_step.py space.json --mode weight|arch \
      --batch 64 --threads 2 --steps 20 [--channels-last]

Prints one JSON object: ms_per_step (median), images_per_s, peak_rss_mib.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from reference_counts import build  # noqa: E402


def layer_module(layer, shape):
    return build({"input": shape, "layers": [layer]})


class MixedEdge(nn.Module):
    MODE = None  # None: weight step (active op only); "two": architecture step

    def __init__(self, ops):
        super().__init__()
        self.candidate_ops = nn.ModuleList(ops)
        n = len(ops)
        self.AP_path_alpha = nn.Parameter(torch.zeros(n))
        self.AP_path_wb = nn.Parameter(torch.zeros(n))
        self.active_index, self.inactive_index = [0], []

    def probs(self):
        return F.softmax(self.AP_path_alpha, dim=0)

    def binarize(self):
        self.AP_path_wb.data.zero_()
        probs = self.probs()
        if MixedEdge.MODE == "two" and len(self.candidate_ops) > 1:
            sample = torch.multinomial(probs.data, 2, replacement=False)
            pair = F.softmax(torch.stack([self.AP_path_alpha[i] for i in sample]), dim=0)
            c = torch.multinomial(pair.data, 1)[0].item()
            active, inactive = sample[c].item(), sample[1 - c].item()
            self.active_index, self.inactive_index = [active], [inactive]
            self.AP_path_wb.data[active] = 1.0
        else:
            self.active_index = [torch.multinomial(probs.data, 1)[0].item()]
            self.inactive_index = []
            self.AP_path_wb.data[self.active_index[0]] = 1.0

    def forward(self, x):
        if MixedEdge.MODE == "two" and self.inactive_index:
            out = 0
            for i in self.active_index:
                out = out + self.AP_path_wb[i] * self.candidate_ops[i](x)
            for i in self.inactive_index:
                out = out + self.AP_path_wb[i] * self.candidate_ops[i](x).detach()
            return out
        return self.candidate_ops[self.active_index[0]](x)

    def set_arch_param_grad(self):
        if not self.inactive_index:
            return
        if self.AP_path_alpha.grad is None:
            self.AP_path_alpha.grad = torch.zeros_like(self.AP_path_alpha.data)
        involved = self.active_index + self.inactive_index
        probs = F.softmax(torch.stack([self.AP_path_alpha[i] for i in involved]), dim=0).data
        g = self.AP_path_wb.grad.data
        for i in range(2):
            for j in range(2):
                self.AP_path_alpha.grad.data[involved[i]] += g[involved[j]] * probs[j] * (
                    (1.0 if i == j else 0.0) - probs[i])
        self._old = [self.AP_path_alpha.data[i].item() for i in involved]

    def rescale(self):
        if not self.inactive_index:
            return
        involved = self.active_index + self.inactive_index
        new = [self.AP_path_alpha.data[i].item() for i in involved]
        import math
        offset = math.log(sum(math.exp(a) for a in new) / sum(math.exp(a) for a in self._old))
        for i in involved:
            self.AP_path_alpha.data[i] -= offset


class Supernet(nn.Module):
    def __init__(self, space):
        super().__init__()
        skeleton = space["skeleton"]
        by_layer = {p["layer"]: p for p in space["position_list"]}
        shape = skeleton["input"]
        mods = []
        for i, layer in enumerate(skeleton["layers"]):
            if i in by_layer:
                p = by_layer[i]
                mods.append(MixedEdge([layer_module(l, p["in"]) for l in p["layers"]]))
                shape = p["out"]
            else:
                m = layer_module(layer, shape)
                mods.append(m)
                with torch.no_grad():
                    shape = list(m(torch.zeros(1, *shape)).shape[1:]) if layer["op"] != "linear" else shape
        self.layers = nn.ModuleList(mods)

    def mixed(self):
        return [m for m in self.layers if isinstance(m, MixedEdge)]

    def forward(self, x):
        for m in self.layers:
            x = m(x)
        return x.flatten(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("space")
    ap.add_argument("--mode", choices=["weight", "arch"], default="weight")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    space = json.load(open(a.space))
    torch.manual_seed(0)
    net = Supernet(space)
    inp = space["skeleton"]["input"]
    x = torch.randn(a.batch, *inp)
    y = torch.randint(0, space["skeleton"]["num_classes"], (a.batch,))
    with torch.no_grad():
        for m in net.mixed():  # materialise lazy layers
            m.active_index = list(range(len(m.candidate_ops)))
        net(x[:1])
    if a.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    net.train()
    arch_params = [m.AP_path_alpha for m in net.mixed()]
    gates = [m.AP_path_wb for m in net.mixed()]
    weights = [p for p in net.parameters() if all(p is not q for q in arch_params + gates)]
    wopt = torch.optim.SGD(weights, lr=0.01, momentum=0.9)
    aopt = torch.optim.Adam(arch_params, lr=1e-3, betas=(0, 0.999))

    def weight_step():
        MixedEdge.MODE = None
        for m in net.mixed():
            m.binarize()
        loss = F.cross_entropy(net(x), y)
        wopt.zero_grad()
        loss.backward()
        wopt.step()

    def arch_step():
        MixedEdge.MODE = "two"
        for m in net.mixed():
            m.binarize()
        loss = F.cross_entropy(net(x), y)
        net.zero_grad()
        for gp in gates:
            gp.grad = None
        loss.backward()
        for m in net.mixed():
            m.set_arch_param_grad()
        aopt.step()
        for m in net.mixed():
            m.rescale()
        MixedEdge.MODE = None

    step = weight_step if a.mode == "weight" else arch_step
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"mode": a.mode, "ms_per_step": ms, "images_per_s": a.batch * 1000 / ms,
                      "peak_rss_mib": peak, "channels_last": a.channels_last,
                      "threads": a.threads}))


if __name__ == "__main__":
    main()
