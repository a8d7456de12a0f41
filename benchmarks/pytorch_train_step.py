#!/usr/bin/python3
"""PyTorch eager reference for `hwnas bench train` (Debian's python3-torch:
the same libtorch kernels). Builds the arch with tools/reference_counts.py's
builder and times full SGD steps on synthetic data.

  /usr/bin/python3 benchmarks/pytorch_train_step.py ARCH.json --batch 64 --threads 2 \
      --steps 20 [--channels-last]

Prints one JSON object: ms_per_step (median), images_per_s, peak_rss_mib, channels_last.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from reference_counts import build  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("arch")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    arch = json.load(open(a.arch))
    torch.manual_seed(0)
    net = build(arch)
    x = torch.randn(a.batch, *arch["input"])
    y = torch.randint(0, arch["num_classes"], (a.batch,))
    with torch.no_grad():
        net(x[:1])  # materialise lazy layers
    if a.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"ms_per_step": ms, "images_per_s": a.batch * 1000 / ms, "peak_rss_mib": peak,
                      "channels_last": a.channels_last, "threads": a.threads}))


if __name__ == "__main__":
    main()
