"""NumPy peer for the one-shot k-means speed figure: the same algorithm as collabopt's
(sort once, Lloyd iterations over contiguous ranges via searchsorted on centroid midpoints and
cumulative sums, then nearest-centroid assignment), vectorised by NumPy. Prints one JSON line.

    python peer_kmeans.py --n=10000000 --k=256 --iterations=100
"""
import json
import sys
import time

import numpy as np


def arg(name, default):
    for a in sys.argv[1:]:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return default


def main():
    n = int(arg("n", "10000000"))
    k = int(arg("k", "256"))
    iterations = int(arg("iterations", "100"))
    rng = np.random.default_rng(1)
    data = (rng.standard_normal(n) * 0.05).astype(np.float32)
    t0 = time.perf_counter()
    v = np.sort(data)
    sums = np.concatenate([[0.0], np.cumsum(v, dtype=np.float64)])
    c = np.linspace(v[0], v[-1], k)  # linear initialisation
    done = 0
    prev = None
    for _ in range(iterations):
        c.sort()
        mids = (c[:-1] + c[1:]) / 2
        splits = np.concatenate([[0], np.searchsorted(v, mids, side="right"), [n]])
        if prev is not None and np.array_equal(splits, prev):
            break
        counts = np.diff(splits)
        seg = sums[splits[1:]] - sums[splits[:-1]]
        nz = counts > 0
        c[nz] = seg[nz] / counts[nz]
        prev = splits
        done += 1
    c.sort()
    mids = ((c[:-1] + c[1:]) / 2).astype(np.float32)
    indices = np.searchsorted(mids, data, side="left").astype(np.uint8 if k <= 256 else np.uint16)
    values = c.astype(np.float32)[indices]
    seconds = time.perf_counter() - t0
    print(json.dumps({"n": n, "k": k, "seconds": seconds, "iterations": done, "numpy": np.__version__, "unique": int(len(np.unique(values)))}))


if __name__ == "__main__":
    main()
