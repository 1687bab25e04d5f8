"""`astrozoo.embed` against `astrozoo.predict` on the same image files: inputs per second, one process.

ASTROZOO_DATA=/path/to/data python bench/embed_rate.py [FILES] [MODEL]
"""

from __future__ import annotations

import sys
import time

import astrozoo
from astrozoo.datasets import gz2_spirals


def rate(run, files: list[str], repeats: int = 2) -> float:
    """The best of ``repeats`` runs over ``files``, in inputs per second."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(files)
        best = min(best, time.perf_counter() - start)
    return len(files) / best


def main(count: int = 256, name: str = "galaxy-resnet") -> None:
    files = [str(p) for p in gz2_spirals.load_splits()["test"].x[:count]]
    model = astrozoo.load(name)
    astrozoo.predict(model, files[:32])  # warm-up of both graphs
    astrozoo.embed(model, files[:32])
    predicted = rate(lambda f: astrozoo.predict(model, f), files)
    embedded = rate(lambda f: astrozoo.embed(model, f), files)
    print(
        f"{name}, {len(files)} JPEG files: predict {predicted:.1f}/s, embed {embedded:.1f}/s "
        f"({embedded / predicted:.0%} of predict's rate)"
    )


if __name__ == "__main__":
    main(*(int(a) if a.isdigit() else a for a in sys.argv[1:]))
