#!/usr/bin/python3
"""What an additive latency model of NAS-Bench-201 needs to count.

For device columns of HELP's NAS-Bench-201 table, fits three 5-term models
(least squares on relative errors, timings below a tenth of the median
counted as that tenth, as `hwnas latency fit` does) on 12,000 networks and
judges them on 2,000 others (seeded split):
  ops:        the cell's conv 1x1, conv 3x3 and pool edges, and a constant;
  +edges:     plus its non-none edges (each edge's output is added into its
              node in NAS-Bench-201's reference code, an identity's too);
  live only:  the same counts over the edges on a path from the cell's
              input to its output (a runtime that drops dead layers).
Debian's python3-numpy only; a benchmark comparison, not part of hwnas.

  benchmarks/nb201_edge_counts.py PATH/nb201_latency_help.csv COLUMN...
"""
import csv
import sys

import numpy as np

from kendall import tau

EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]  # the ops code's digit order



def live_edges(d):
    reach = {0}
    for j in (1, 2, 3):
        if any(d[k] and i in reach for k, (i, jj) in enumerate(EDGES) if jj == j):
            reach.add(j)
    feeds = {3}
    for i in (2, 1, 0):
        if any(d[k] and jj in feeds for k, (ii, jj) in enumerate(EDGES) if ii == i):
            feeds.add(i)
    return [k for k, (i, j) in enumerate(EDGES) if i in reach and j in feeds]


def features(code, model):
    d = [int(c) for c in code]
    edges = live_edges(d) if model == "live only" else range(6)
    f = np.zeros(5)
    for k in edges:
        if d[k] in (2, 3, 4):
            f[d[k] - 2] += 1
        if d[k] and model != "ops":
            f[3] += 1
    f[4] = 1
    return f


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    print("| device | ops: tau, within 10% | +edges | live only |")
    print("|---|---|---|---|")
    for column in sys.argv[2:]:
        kept = [r for r in rows if r[column]]
        y = np.array([float(r[column]) for r in kept])
        perm = np.random.default_rng(0).permutation(len(y))
        tr, te = perm[:12000], perm[12000:14000]
        floor = np.maximum(y, np.median(y) / 10)
        cells = []
        for model in ("ops", "+edges", "live only"):
            x = np.array([features(r["ops"], model) for r in kept])
            beta = np.linalg.lstsq(x[tr] / floor[tr, None], np.ones(len(tr)), rcond=None)[0]
            p = x[te] @ beta
            cells.append(f"{tau(p, y[te]):.3f}, {100 * np.mean(abs(p / y[te] - 1) < 0.1):.1f}%")
        print(f"| {column} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
