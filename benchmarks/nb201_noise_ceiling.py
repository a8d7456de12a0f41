#!/usr/bin/python3
"""How well can anything over a NAS-Bench-201 genotype rank a device's timings?

An additive table over every layer sees a network as its cell's multiset of
edge ops (the five cells of a stage repeat one genotype, and an op's key
does not depend on its edge when the shapes agree). For device columns of
HELP's NAS-Bench-201 table this script fits, on 12,000 networks, and judges
on 2,000 others (seeded split, as nb201_edge_counts.py):
  multiset mean: each held-out network predicted by the mean timing of the
                 training networks with its op multiset: the best any
                 function of the table's counts can rank;
  per position:  a term per (edge, op), least squares on relative errors
                 (weights capped as `hwnas latency fit` caps them);
  edge pairs:    plus a term per pair of edges and their two ops (375 more
                 terms, lightly ridged): structure beyond positions.
It also prints the coefficient of variation of the timings within a
multiset group (groups of more than 5 training networks), i.e. how much
networks the table cannot tell apart differ on the device.
Debian's python3-numpy only; a benchmark comparison, not part of hwnas.

  benchmarks/nb201_noise_ceiling.py PATH/nb201_latency_help.csv COLUMN...
"""
import csv
import sys

import numpy as np

from kendall import tau


def positions(code):
    f = np.zeros(31)
    f[30] = 1
    for k, ch in enumerate(code):
        f[5 * k + int(ch)] = 1
    return f


def pairs(code):
    d = [int(ch) for ch in code]
    out = [positions(code)]
    for a in range(6):
        for b in range(a + 1, 6):
            z = np.zeros(25)
            z[5 * d[a] + d[b]] = 1
            out.append(z)
    return np.concatenate(out)


def fit(x, y, tr, ridge=0.0):
    w = 1 / np.maximum(y[tr], np.median(y) / 10)
    a = x[tr] * w[:, None]
    target = w * y[tr]
    return np.linalg.solve(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ target)


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    print("| device | multiset mean tau | per position tau | edge pairs tau | within-multiset CV |")
    print("|---|---|---|---|---|")
    for column in sys.argv[2:]:
        kept = [r for r in rows if r[column]]
        y = np.array([float(r[column]) for r in kept])
        perm = np.random.default_rng(0).permutation(len(y))
        tr, te = perm[:12000], perm[12000:14000]
        key = ["".join(sorted(r["ops"])) for r in kept]
        groups = {}
        for i in tr:
            groups.setdefault(key[i], []).append(y[i])
        mean = {k: np.mean(v) for k, v in groups.items()}
        te_m = np.array([i for i in te if key[i] in mean])
        p_mean = np.array([mean[key[i]] for i in te_m])
        cv = np.mean([np.std(v) / np.mean(v) for v in groups.values() if len(v) > 5])
        xp = np.array([positions(r["ops"]) for r in kept])
        p_pos = xp[te] @ fit(xp, y, tr, 1e-9)
        xq = np.array([pairs(r["ops"]) for r in kept])
        p_pair = xq[te] @ fit(xq, y, tr, 1e-3)
        print(f"| {column} | {tau(p_mean, y[te_m]):.3f} | {tau(p_pos, y[te]):.3f} | "
              f"{tau(p_pair, y[te]):.3f} | {100 * cv:.1f}% |")


if __name__ == "__main__":
    main()
