"""A 5-nearest-neighbour vote in galaxy-resnet's embedding space on gz2_spirals, against raw pixels.

The vote is fitted on the training split's images and scored on the test split's (galaxies the
model never saw); the same vote on downsampled pixels shows what the trained representation adds.

    ASTROZOO_DATA=/path/to/data python bench/embedding_knn.py
"""

from __future__ import annotations

import time

import numpy as np

import astrozoo
from astrozoo.datasets import gz2_spirals
from astrozoo.io import read_image_input


def knn_accuracy(train_vectors, train_y, test_vectors, test_y, k: int = 5) -> float:
    """The test accuracy of a majority vote among each test vector's ``k`` nearest training vectors."""
    votes = [
        np.bincount(train_y[astrozoo.similar(train_vectors, v, k=k)["index"]], minlength=2).argmax()
        for v in test_vectors
    ]
    return float(np.mean(np.asarray(votes) == test_y))


def raw_pixels(paths, size: int = 16) -> np.ndarray:
    """Each image's central half, resized to ``size`` pixels a side, as one flat vector."""
    return np.stack(
        [read_image_input(p, size=(size, size), crop_fraction=0.5).pixels.ravel() for p in paths]
    ).astype(np.float32)


def main() -> None:
    splits = gz2_spirals.load_splits()
    train, test = splits["train"], splits["test"]
    start = time.perf_counter()
    train_vectors = astrozoo.embed("galaxy-resnet", list(train.x))
    test_vectors = astrozoo.embed("galaxy-resnet", list(test.x))
    seconds = time.perf_counter() - start
    print(f"embedded {len(train.x) + len(test.x)} images in {seconds:.1f} s")
    embedded = knn_accuracy(train_vectors, train.y, test_vectors["embedding"], test.y)
    pixels = knn_accuracy(raw_pixels(train.x), train.y, raw_pixels(test.x), test.y)
    print(
        f"5-NN test accuracy: galaxy-resnet embedding {embedded:.3f}, raw 16x16 pixels {pixels:.3f} "
        f"({len(test.y)} test galaxies)"
    )


if __name__ == "__main__":
    main()
