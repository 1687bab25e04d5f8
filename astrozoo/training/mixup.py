"""Mixup (Zhang et al. 2018): train on convex combinations of pairs of examples and of their labels."""

from __future__ import annotations

import math

import keras
import numpy as np


def one_hot_labels(y, n_classes: int) -> np.ndarray:
    """Integer class labels as float32 one-hot rows, the targets of a mixup-trained classifier.

    Example:
        >>> one_hot_labels([1, 0], 3).tolist()
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    return np.eye(n_classes, dtype=np.float32)[np.asarray(y, dtype=np.int64).ravel()]


class MixupBatches(keras.utils.PyDataset):
    """Training batches in which every example is mixed with another one of the same batch.

    Each example ``x_i`` becomes ``lam * x_i + (1 - lam) * x_j`` and its one-hot label
    ``lam * y_i + (1 - lam) * y_j``, with ``x_j`` another example of the batch and
    ``lam`` drawn from Beta(``alpha``, ``alpha``) for every example, then folded to
    ``max(lam, 1 - lam)`` so that each mixed example stays nearest to its own.
    Class weights become sample weights mixed the same way. The order is shuffled
    every epoch; the draws come from a NumPy generator seeded once, so a seeded run
    is reproducible on every Keras backend.

    Args:
        x: training inputs, one row per example (images, sequences or table rows).
        y: integer class labels.
        n_classes: number of classes (the width of the one-hot labels).
        alpha: the Beta distribution's parameter; small values (0.1-0.4) mix
            little, 1 mixes uniformly.
        batch_size: examples per batch.
        class_weight: optional ``{class: weight}``, as for ``keras.Model.fit``.
        seed: seed of the order and of the mixing.

    Example:
        >>> x = np.eye(4, dtype="float32")
        >>> batches = MixupBatches(x, np.array([0, 1, 0, 1]), 2, alpha=0.2, batch_size=4, seed=0)
        >>> mixed_x, mixed_y, weights = batches[0]
        >>> mixed_x.shape, mixed_y.shape, weights.shape
        ((4, 4), (4, 2), (4,))
        >>> bool(np.allclose(mixed_y.sum(axis=1), 1.0)), bool((mixed_x.max(axis=1) >= 0.5).all())
        (True, True)
    """

    def __init__(self, x, y, n_classes: int, alpha: float, batch_size: int, class_weight=None, seed=None):
        super().__init__()
        if not alpha > 0:
            raise ValueError(f"Mixup needs alpha > 0. Received: alpha={alpha!r}")
        self.x = np.asarray(x)
        self.y = np.asarray(y, dtype=np.int64).ravel()
        if len(self.x) != len(self.y):
            raise ValueError(
                f"Mixup needs one label per example. Received {len(self.x)} examples, {len(self.y)} labels."
            )
        self.one_hot = one_hot_labels(self.y, n_classes)
        weights = np.ones(n_classes, dtype=np.float32)
        for label, weight in (class_weight or {}).items():
            weights[int(label)] = weight
        self.sample_weight = weights[self.y]
        self.alpha = alpha
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(self.y))

    def __len__(self) -> int:
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, index: int):
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        partners = rows[self.rng.permutation(len(rows))]
        lam = self.rng.beta(self.alpha, self.alpha, size=len(rows)).astype(np.float32)
        lam = np.maximum(lam, 1.0 - lam)
        x_lam = lam.reshape((-1,) + (1,) * (self.x.ndim - 1))
        mixed_x = x_lam * self.x[rows] + (1.0 - x_lam) * self.x[partners]
        mixed_y = lam[:, None] * self.one_hot[rows] + (1.0 - lam[:, None]) * self.one_hot[partners]
        weights = lam * self.sample_weight[rows] + (1.0 - lam) * self.sample_weight[partners]
        return mixed_x.astype(self.x.dtype if self.x.dtype.kind == "f" else np.float32), mixed_y, weights

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.y))
