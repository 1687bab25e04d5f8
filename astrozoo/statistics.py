"""Uncertainty and chance levels of a classifier's scores, read from its confusion matrix alone.

A classification report (`astrozoo.training.metrics.classification_report`,
and a model card's metrics) stores ``{"confusion_matrix": {"counts": ...}}``;
these functions need nothing else, so model cards and training share them.
"""

from __future__ import annotations

import numpy as np
from astropy.stats import binom_conf_interval
from scipy.stats import binom

BOOTSTRAP_RESAMPLES = 2000


def per_class_f1(matrix: np.ndarray) -> np.ndarray:
    """F1 score of each class from a confusion matrix (0 where a class is never seen nor predicted).

    A stack of matrices, shape ``(..., classes, classes)``, gives ``(..., classes)`` scores.
    """
    matrix = np.asarray(matrix)
    tp = np.diagonal(matrix, axis1=-2, axis2=-1).astype(float)
    denominator = matrix.sum(axis=-2) + matrix.sum(axis=-1)  # predicted + true counts
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def macro_f1_interval(
    report: dict, confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """A percentile bootstrap interval of a classification report's macro-F1.

    Resampling the ``n`` examples with replacement is drawing ``n`` (true,
    predicted) pairs from the confusion matrix, a multinomial draw, so the
    stored matrix is enough. Rare classes move the macro-F1 most: with three
    examples of a class, its F1 alone ranges from 0 to 1 between resamples.

    Example:
        >>> report = {"confusion_matrix": {"counts": [[95, 2], [0, 3]]}}  # macro-F1 0.8698
        >>> [round(v, 3) for v in macro_f1_interval(report)]
        [0.495, 1.0]
    """
    counts = np.asarray(report["confusion_matrix"]["counts"])
    total = int(counts.sum())
    draws = np.random.default_rng(seed).multinomial(total, counts.ravel() / total, size=resamples)
    macro_f1 = per_class_f1(draws.reshape(resamples, *counts.shape)).mean(axis=-1)
    return percentile_interval(macro_f1, confidence)


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` range of bootstrap ``values``.

    Example:
        >>> percentile_interval(np.arange(101), 0.5)
        (25.0, 75.0)
    """
    low, high = np.percentile(values, [50 * (1 - confidence), 50 * (1 + confidence)])
    return float(low), float(high)


def correct_count(report: dict) -> tuple[int, int]:
    """How many examples a classification report got right, and of how many.

    Example:
        >>> correct_count({"confusion_matrix": {"counts": [[1, 0], [1, 0]]}})
        (1, 2)
    """
    counts = np.asarray(report["confusion_matrix"]["counts"], dtype=np.int64)
    return int(np.trace(counts)), int(counts.sum())


def chance_accuracy(report: dict) -> float:
    """The accuracy expected from answers that ignore the input but keep the report's class frequencies.

    With true-class fractions p_k and answered-class fractions q_k this is
    sum_k p_k q_k, the "expected agreement" of Cohen's kappa: 0.5 for any mix of
    answers to a balanced two-class set, the class fraction for a model that
    always answers that class.

    Example:
        >>> chance_accuracy({"confusion_matrix": {"counts": [[1, 1], [1, 1]]}})
        0.5
    """
    counts = np.asarray(report["confusion_matrix"]["counts"], dtype=np.float64)
    total = counts.sum()
    return float(counts.sum(axis=1) @ counts.sum(axis=0) / total**2) if total else 0.0


def chance_probability(report: dict) -> float:
    """How likely answers that ignore the input score at least the report's accuracy.

    The one-sided binomial probability of at least the report's number of correct
    answers among its ``n`` when each is right with probability `chance_accuracy`.
    A small value means the classifier agrees with the labels more than chance
    would; a value near 0.5 or above means it cannot be told apart from guessing.

    Example:
        >>> guess = {"confusion_matrix": {"counts": [[5, 5], [5, 5]]}}  # accuracy 0.5
        >>> round(chance_probability(guess), 3)
        0.588
        >>> chance_probability({"confusion_matrix": {"counts": [[10, 0], [0, 10]]}}) < 1e-5
        True
    """
    correct, total = correct_count(report)
    return float(binom.sf(correct - 1, total, chance_accuracy(report)))


def accuracy_interval(report: dict, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson binomial confidence interval of a classification report's accuracy.

    With tens of test examples the interval is wide: read a model's accuracy,
    and its distance to a target, with it (`astropy.stats.binom_conf_interval`).

    Example:
        >>> low, high = accuracy_interval({"confusion_matrix": {"counts": [[94, 5], [0, 0]]}})  # 94/99
        >>> round(low, 3), round(high, 3)
        (0.887, 0.978)
    """
    low, high = binom_conf_interval(*correct_count(report), confidence, interval="wilson")
    return float(low), float(high)
