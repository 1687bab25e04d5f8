"""Where datasets live and how they are split."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from astrozoo.datasets.cache import cache_dir, cached_dataset
from astrozoo.errors import InputError

SPLIT_SEED = 20261126
SPLIT_FRACTIONS = (0.70, 0.15, 0.15)
# A split of labelled examples that are only ever trained on: never scored, never in a validation or
# cross-validation fold (e.g. objects known only in a second format). Training adds it to "train".
EXTRA_TRAIN = "extra_train"


@dataclasses.dataclass
class Split:
    """One split of a dataset: inputs, integer labels (or targets) and object ids."""

    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def data_root(data_dir: str | os.PathLike | None = None, dataset: str | None = None) -> Path:
    """Returns the folder holding the datasets (or one dataset's subfolder).

    Looks in ``data_dir`` when given; otherwise in the ``ASTROZOO_DATA`` folder,
    then among the datasets `astrozoo.datasets.download` put in the cache.

    Args:
        data_dir: explicit folder; defaults to the ``ASTROZOO_DATA`` environment variable.
        dataset: a dataset's subfolder name, e.g. ``"sdss_dr14"``.

    Raises:
        InputError: the folder is not found; the message says where it looked.
    """
    if data_dir:
        path = Path(data_dir) / dataset if dataset else Path(data_dir)
        if not path.is_dir():
            raise InputError(f"Data folder {str(path)!r} does not exist.")
        return path
    root = os.environ.get("ASTROZOO_DATA")
    if root:
        path = Path(root) / dataset if dataset else Path(root)
        if path.is_dir():
            return path
    cached = cached_dataset(dataset) if dataset else None
    if cached is not None:
        return cached
    where = f"ASTROZOO_DATA={root!r}" if root else "ASTROZOO_DATA (not set)"
    raise InputError(
        f"Dataset {dataset or '(any)'!r} not found in {where} nor in the download cache "
        f"{str(cache_dir())!r}. Pass data_dir (--data), set ASTROZOO_DATA to the folder holding the "
        f"astrozoo datasets, or run `astrozoo download {dataset or 'NAME'}`."
    )


def shuffled_classes(labels: Sequence, seed: int) -> list[np.ndarray]:
    """The indices of each class (in sorted class order), each shuffled by its own seeded generator.

    The shared first step of `stratified_split` and
    `astrozoo.training.stratified_folds`: the same labels and seed always give the same order.

    Example:
        >>> [sorted(members.tolist()) for members in shuffled_classes(["b", "a", "b"], seed=0)]
        [[1], [0, 2]]
    """
    labels = np.asarray(labels)
    shuffled = []
    for k, value in enumerate(sorted(set(labels.tolist()))):
        members = np.flatnonzero(labels == value)
        np.random.default_rng([seed, k]).shuffle(members)
        shuffled.append(members)
    return shuffled


def stratified_split(
    labels: Sequence, fractions: Sequence[float] = SPLIT_FRACTIONS, seed: int = SPLIT_SEED
) -> dict[str, np.ndarray]:
    """Splits indices into train/validation/test, keeping class proportions.

    Deterministic for a given ``seed``: each class's indices are shuffled with
    their own generator and cut by ``fractions``; every class with at least three
    members has one in each split.

    Returns:
        ``{"train": idx, "validation": idx, "test": idx}``, each sorted.

    Example:
        >>> parts = stratified_split(["a"] * 10 + ["b"] * 10, seed=1)
        >>> [len(parts[k]) for k in ("train", "validation", "test")]
        [12, 4, 4]
    """
    parts = {"train": [], "validation": [], "test": []}
    for members in shuffled_classes(labels, seed):
        n = len(members)
        n_test = max(round(fractions[2] * n), 1 if n >= 3 else 0)
        n_val = max(round(fractions[1] * n), 1 if n >= 3 else 0)
        parts["test"].append(members[:n_test])
        parts["validation"].append(members[n_test : n_test + n_val])
        parts["train"].append(members[n_test + n_val :])
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}


def with_extra_training(splits: dict[str, Split]) -> dict[str, Split]:
    """Moves the ``extra_train`` split, if any, into ``train`` (after both are prepared).

    Example:
        >>> parts = {"train": Split(np.zeros(3), np.zeros(3), np.arange(3)),
        ...          "extra_train": Split(np.ones(2), np.ones(2), np.arange(2))}
        >>> {name: len(split) for name, split in with_extra_training(parts).items()}
        {'train': 5}
    """
    splits = dict(splits)
    extra = splits.pop(EXTRA_TRAIN, None)
    if extra is not None:
        splits["train"] = concatenate_splits(splits["train"], extra)
    return splits


def concatenate_splits(*splits: Split) -> Split:
    """One `Split` holding the examples of several, in order."""
    return Split(*(np.concatenate([getattr(s, a) for s in splits]) for a in ("x", "y", "ids")))
