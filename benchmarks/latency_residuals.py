#!/usr/bin/python3
"""Is there structure left in a fitted latency table's errors?

For one device column of HELP's FBNet table (22 op digits per network), fits
the additive table hwnas fits (one term per position and op, plus a constant,
least squares on relative errors), then two richer models on the same 4,000
networks: one with a term per pair of neighbouring positions' ops, and a
small MLP over the ops trained on the table's relative errors. Kendall tau on
the 1,000 held-out networks (and the MLP's tau on its own training networks)
says whether a learned predictor could rank better than the table, or whether
what the table misses is measurement noise. Debian's python3-numpy only;
a benchmark comparison, not part of hwnas.

  benchmarks/latency_residuals.py PATH/fbnet_c100_latency.csv COLUMN...
"""
import csv
import sys

import numpy as np

from kendall import tau

POSITIONS, OPS = 22, 9


def one_hot(ops):
    x = np.zeros((len(ops), POSITIONS * OPS))
    for p in range(POSITIONS):
        x[np.arange(len(ops)), p * OPS + ops[:, p]] = 1
    return x


def neighbour_pairs(ops):
    x = np.zeros((len(ops), (POSITIONS - 1) * OPS * OPS))
    for p in range(POSITIONS - 1):
        x[np.arange(len(ops)), p * OPS * OPS + ops[:, p] * OPS + ops[:, p + 1]] = 1
    return x


def fit_relative(x, y, ridge):
    a = x / y[:, None]
    return np.linalg.solve(a.T @ a + ridge * np.eye(x.shape[1]), a.T @ np.ones_like(y))


def mlp_on_errors(x, err, tr, rng, hidden=64, steps=3000, lr=1e-3, decay=1e-3):
    p = [rng.normal(0, 0.1, (x.shape[1], hidden)), np.zeros(hidden),
         rng.normal(0, 0.1, hidden), np.zeros(1)]
    m = [np.zeros_like(q) for q in p]
    v = [np.zeros_like(q) for q in p]

    def forward(rows):
        h = np.maximum(rows @ p[0] + p[1], 0)
        return h, h @ p[2] + p[3][0]

    for it in range(steps):
        idx = rng.choice(tr, 256)
        h, out = forward(x[idx])
        g = 2 * (out - err[idx]) / len(idx)
        gh = np.outer(g, p[2]) * (h > 0)
        grads = [x[idx].T @ gh + decay * p[0], gh.sum(0), h.T @ g + decay * p[2],
                 np.array([g.sum()])]
        for k in range(4):
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
            p[k] -= lr * (m[k] / (1 - 0.9 ** (it + 1))) / (
                np.sqrt(v[k] / (1 - 0.999 ** (it + 1))) + 1e-8)
    return lambda rows: forward(rows)[1]


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    ops = np.array([[int(c) for c in r["ops"]] for r in rows])
    print("| device | table tau | + neighbour pairs tau | + MLP on errors tau "
          "| MLP tau on its training nets (table's) |")
    print("|---|---|---|---|---|")
    for column in sys.argv[2:]:
        y = np.array([float(r[column]) for r in rows])
        rng = np.random.default_rng(0)
        perm = rng.permutation(len(y))
        tr, te = perm[:4000], perm[4000:]
        x1 = np.hstack([one_hot(ops), np.ones((len(y), 1))])
        table = x1 @ fit_relative(x1[tr], y[tr], 1e-3)
        x2 = np.hstack([x1, neighbour_pairs(ops)])
        best_pairs = max(tau(x2[te] @ fit_relative(x2[tr], y[tr], r), y[te])
                         for r in (0.01, 0.1, 1.0))
        err = y / table - 1
        mlp = mlp_on_errors(one_hot(ops), err, tr, rng)
        with_mlp = table * (1 + mlp(one_hot(ops)))
        fit_part = tr[:1000]
        print(f"| {column} | {tau(table[te], y[te]):.3f} | {best_pairs:.3f} "
              f"| {tau(with_mlp[te], y[te]):.3f} | {tau(with_mlp[fit_part], y[fit_part]):.3f} "
              f"({tau(table[fit_part], y[fit_part]):.3f}) |")


if __name__ == "__main__":
    main()
