"""Time `astrozoo.similar` and `astrozoo.anomaly_scores` on random vectors (exact NumPy in blocks).

python bench/similar_speed.py [ROWS] [DIMENSIONS]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import astrozoo


def best_of(repeats: int, run) -> float:
    """The fastest of ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int = 1_000_000, dimensions: int = 128) -> None:
    vectors = np.random.default_rng(0).normal(size=(rows, dimensions)).astype(np.float32)
    query = best_of(5, lambda: astrozoo.similar(vectors, 12345, k=10))
    print(f"similar: one query among {rows:,} vectors of {dimensions} dimensions: {query:.3f} s")
    subset = vectors[:20_000]
    scores = best_of(1, lambda: astrozoo.anomaly_scores(subset, k=5))
    print(f"anomaly_scores: {len(subset):,} vectors of {dimensions} dimensions (all pairs): {scores:.2f} s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
