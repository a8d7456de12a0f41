"""Kendall's tau-b of two equally long numpy vectors (O(n^2) memory: for a
few thousand points), shared by the latency benchmark scripts."""
import numpy as np


def tau(a, b):
    da = np.sign(a[:, None] - a[None, :])
    db = np.sign(b[:, None] - b[None, :])
    iu = np.triu_indices(len(a), 1)
    return (da[iu] * db[iu]).sum() / np.sqrt((da[iu] != 0).sum() * (db[iu] != 0).sum())
