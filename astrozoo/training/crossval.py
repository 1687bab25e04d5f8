"""`astrozoo cv NAME`: K-fold cross-validation of a zoo recipe, to compare settings without the test split."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import keras
import numpy as np

from astrozoo.datasets import Split
from astrozoo.datasets.base import (
    EXTRA_TRAIN,
    SPLIT_SEED,
    concatenate_splits,
    shuffled_classes,
    with_extra_training,
)
from astrozoo.errors import ConfigError, ModelNotFoundError
from astrozoo.spec import spec
from astrozoo.training.fold_pooling import summarized
from astrozoo.training.recipes import RECIPES, fit_members, prepared
from astrozoo.training.reproduce import predict_and_score

INNER_FOLDS = 5  # the training part of each fold keeps 1/5 aside for early stopping


def stratified_folds(labels, folds: int, seed: int = SPLIT_SEED) -> list[np.ndarray]:
    """Cuts indices into ``folds`` disjoint parts with the class proportions of ``labels``.

    Args:
        labels: class of each example (for a regression target, pass its quantile bin).
        folds: number of parts, at least 2.
        seed: seed of the shuffling; each class is shuffled with its own generator.

    Returns:
        ``folds`` sorted index arrays that together hold every index once.

    Example:
        >>> parts = stratified_folds(["a"] * 6 + ["b"] * 3, folds=3)
        >>> [len(p) for p in parts], sorted(np.concatenate(parts).tolist()) == list(range(9))
        ([3, 3, 3], True)
    """
    if folds < 2:
        raise ValueError(f"Cross-validation needs at least 2 folds. Received: folds={folds}")
    parts = [[] for _ in range(folds)]
    for members in shuffled_classes(labels, seed):
        for fold, chunk in enumerate(np.array_split(members, folds)):
            parts[fold].append(chunk)
    return [np.sort(np.concatenate(chunks)) for chunks in parts]


def cross_validate(
    name: str,
    folds: int = 4,
    data_dir: str | os.PathLike | None = None,
    epochs: int | None = None,
    seed: int = 0,
    verbose: int = 0,
    members: int | None = None,
    overrides: dict | None = None,
    on_fold: Callable[[int, dict], None] | None = None,
    training_fraction: float = 1.0,
    only_folds: Sequence[int] | None = None,
) -> dict:
    """Cross-validates a zoo recipe on its training and validation data; never reads the test split.

    The training and validation splits are pooled and cut into ``folds``
    stratified parts (a dataset's ``extra_train`` examples join every fold's
    training part and are never held out). Each part in turn is held out; the recipe trains on the
    others, keeping a stratified fifth of them aside for its early stopping and
    learning-rate schedule, and the held-out part is scored. Comparing a change
    of recipe fold by fold (same folds, same seed) shows whether it helps beyond
    the scatter between folds, which one validation split cannot.

    Args:
        name: zoo model name, e.g. ``"sdss-mlp"``.
        folds: number of folds.
        data_dir: folder holding the datasets (default: ``ASTROZOO_DATA``).
        epochs: maximum epochs (default: the recipe's).
        seed: seed of weight initialization, shuffling and augmentation.
        verbose: Keras fit verbosity.
        members: models per fold, averaged (default: the recipe's); compare
            ``members=1`` with the default to see what an ensemble adds.
        overrides: builder arguments replacing the recipe's, to score a variant
            on the same folds (e.g. ``{"augment": "rotation"}``).
        on_fold: called as ``on_fold(fold, metrics)`` as soon as each fold is
            scored (``astrozoo cv`` prints it), since a run can take many minutes.
        training_fraction: the fraction of each fold's labelled examples (training
            and early-stopping parts, and any ``extra_train`` ones) that it keeps, a
            stratified subset; the held-out parts stay whole. Cross-validating at
            0.25, 0.5 and 1 on the same folds gives a learning curve: whether more
            data of the same kind would still raise the score (`subsample`).
        only_folds: train and score only these folds (0-based, of ``folds``). Each
            fold is seeded with ``seed + fold`` and cut the same way whichever
            others run, so it scores alone as it does in the whole run: a long
            cross-validation can be split between sessions or machines, and their
            `held_out_table` files stacked into the whole run's.

    Returns:
        ``{"model", "folds", "members", "overrides", "training_fraction", "seed",
        "epochs", "headline", "class_names", "fold_indices", "scores", "mean", "std",
        "per_fold", "pooled", "held_out"}``: the settings, the folds run, the
        headline metric of each fold, their mean and standard deviation, each fold's
        full metrics, the same metrics over every held-out prediction together
        (``pooled``; `astrozoo.statistics.accuracy_interval` gives a
        classifier's interval there), and every pooled example's prediction from
        the fold that held it out (``held_out``: arrays ``ids``, ``fold``, ``true``
        and ``predicted``, the class probabilities or the regressor's values;
        `held_out_table` tabulates them).
        Examples that every seed gets wrong are the ones to check for a wrong label.

    Example (needs the data; about 4 minutes on 2 cores):
        >>> from astrozoo.training import cross_validate
        >>> result = cross_validate("sdss-mlp", folds=4)  # doctest: +SKIP
        >>> print(f"{result['mean']:.4f} +- {result['std']:.4f}")  # doctest: +SKIP
        0.9672 +- 0.0028
    """
    if name not in RECIPES:
        raise ModelNotFoundError.for_name(name, RECIPES)
    if not 0.0 < training_fraction <= 1.0:
        raise ValueError(f"training_fraction must be in (0, 1]. Received: {training_fraction!r}")
    fold_indices = _fold_indices(folds, only_folds)
    recipe = RECIPES[name]
    splits = recipe.dataset.load_splits(data_dir)
    raw = {"pooled": concatenate_splits(splits["train"], splits["validation"])}
    if EXTRA_TRAIN in splits:
        raw[EXTRA_TRAIN] = splits[EXTRA_TRAIN]
    # What a recipe learns from its training data (fit_arguments) is learnt again inside each fold, so
    # the held-out part never informs it; other recipes prepare every example once.
    in_folds = recipe.fit_arguments is not None
    source = raw if in_folds or recipe.prepare is None else recipe.prepare(raw, overrides)
    pooled = raw["pooled"]
    strata = _strata(pooled.y)
    per_fold, held_out = [], []
    for fold, held in enumerate(stratified_folds(strata, folds, seed=SPLIT_SEED)):
        if fold not in fold_indices:
            continue
        rest = np.setdiff1d(np.arange(len(pooled)), held)
        rest = rest[subsample(strata[rest], training_fraction)]
        inner = rest[stratified_folds(strata[rest], INNER_FOLDS, seed=SPLIT_SEED + 1)[0]]
        train = np.setdiff1d(rest, inner)
        parts = {"train": _take(source["pooled"], train), "validation": _take(source["pooled"], inner),
                 "held": _take(source["pooled"], held)}  # fmt: skip
        if EXTRA_TRAIN in source:  # trained on in every fold, never held out
            extra = source[EXTRA_TRAIN]
            parts[EXTRA_TRAIN] = _take(extra, subsample(_strata(extra.y), training_fraction))
        fold_overrides = overrides
        if in_folds:
            parts, fold_overrides = prepared(recipe, parts, overrides)
        held_part = parts.pop("held")
        keras.utils.set_random_seed(seed + fold)
        fold_splits = with_extra_training(parts)
        model = fit_members(recipe, fold_splits, epochs or recipe.epochs, verbose, members, fold_overrides)
        predicted, metrics = predict_and_score(model, held_part)
        per_fold.append(metrics)
        held_out.append((fold, held, predicted))
        if on_fold is not None:
            on_fold(fold, per_fold[-1])
    held = {
        "ids": np.concatenate([pooled.ids[idx] for _, idx, _ in held_out]),
        "fold": np.concatenate([np.full(len(idx), fold) for fold, idx, _ in held_out]),
        "true": np.concatenate([pooled.y[idx] for _, idx, _ in held_out]),
        "predicted": np.concatenate([predicted for _, _, predicted in held_out]),
    }
    settings = {
        "model": name, "folds": folds, "members": members or recipe.members,
        "overrides": dict(overrides or {}), "training_fraction": training_fraction, "seed": seed,
        "epochs": epochs or recipe.epochs, "headline": recipe.headline,
        "class_names": list(spec(model).class_names),
    }  # fmt: skip
    return summarized(settings, fold_indices, per_fold, held)


def _fold_indices(folds: int, only_folds: Sequence[int] | None) -> list[int]:
    """The sorted folds to run: all ``folds`` of them, or the valid, distinct ``only_folds``.

    Example:
        >>> _fold_indices(3, None), _fold_indices(3, [2, 0])
        ([0, 1, 2], [0, 2])
        >>> _fold_indices(3, [3])
        Traceback (most recent call last):
        ...
        astrozoo.errors.ConfigError: only_folds must hold fold numbers from 0 to 2 (folds=3). Received: [3]
    """
    if only_folds is None:
        return list(range(folds))
    chosen = sorted({int(fold) for fold in only_folds})
    if not chosen or chosen[0] < 0 or chosen[-1] >= folds:
        raise ConfigError(
            f"only_folds must hold fold numbers from 0 to {folds - 1} (folds={folds}). "
            f"Received: {list(only_folds)}"
        )
    return chosen


def subsample(labels, fraction: float, seed: int = SPLIT_SEED + 2) -> np.ndarray:
    """A stratified ``fraction`` of the indices of ``labels``, the same ones for the same labels and seed.

    Each class keeps ``round(fraction * count)`` of its examples (at least one); a smaller
    fraction keeps a subset of what a larger one keeps, so the points of a learning curve
    differ only by the examples added.

    Args:
        labels: class (or stratum) of each example.
        fraction: in (0, 1]; 1 keeps every index.
        seed: seed of each class's shuffling.

    Returns:
        The kept indices, sorted.

    Example:
        >>> labels = ["a"] * 8 + ["b"] * 4
        >>> half = subsample(labels, 0.5)
        >>> [labels[i] for i in half].count("a"), [labels[i] for i in half].count("b")
        (4, 2)
        >>> set(subsample(labels, 0.25).tolist()) <= set(half.tolist())
        True
    """
    labels = np.asarray(labels)
    if fraction >= 1.0:
        return np.arange(len(labels))
    kept = [members[: max(1, round(fraction * len(members)))] for members in shuffled_classes(labels, seed)]
    return np.sort(np.concatenate(kept)) if kept else np.arange(0)


def _take(split: Split, idx: np.ndarray) -> Split:
    return Split(split.x[idx], split.y[idx], split.ids[idx])


def _strata(y: np.ndarray) -> np.ndarray:
    """Class labels as they are; a regression target as its quartile."""
    if np.issubdtype(y.dtype, np.integer):
        return y
    return np.digitize(y, np.quantile(y, [0.25, 0.5, 0.75]))
