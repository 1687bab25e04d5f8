"""Metrics the model cards report: accuracy, macro-F1, confusion, calibration, photo-z scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.stats import bootstrap
from astropy.utils import NumpyRNGContext

from astrozoo.statistics import (
    BOOTSTRAP_RESAMPLES,
    chance_accuracy,
    chance_probability,
    correct_count,
    per_class_f1,
    percentile_interval,
)


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], 2).tolist()
        [[1, 0], [1, 1]]
    """
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def expected_calibration_error(probabilities, y_true, n_bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence, with equal-width bins.

    Example:
        >>> expected_calibration_error([[0.9, 0.1], [0.2, 0.8]], [0, 1], n_bins=10)
        0.15
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(y_true)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        members = bins == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return round(float(error), 6)


def classification_report(probabilities, y_true, class_names: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class F1, ECE and the confusion matrix, as JSON-ready values."""
    probabilities = np.asarray(probabilities)
    y_true = np.asarray(y_true)
    matrix = confusion_matrix(y_true, probabilities.argmax(axis=1), len(class_names))
    f1 = per_class_f1(matrix)
    return {
        "n": len(y_true),
        "accuracy": round(float(np.trace(matrix) / max(matrix.sum(), 1)), 6),
        "macro_f1": round(float(f1.mean()), 6),
        "f1": {name: round(float(v), 6) for name, v in zip(class_names, f1, strict=True)},
        "expected_calibration_error": expected_calibration_error(probabilities, y_true),
        "confusion_matrix": {"labels": list(class_names), "counts": matrix.tolist()},
    }


def single_answer(report: dict) -> str | None:
    """The class a classifier gave every example of a `classification_report`, or None if it gave several.

    A network that failed to train answers one class whatever its input.

    Example:
        >>> single_answer(classification_report([[0.2, 0.8], [0.4, 0.6]], [0, 1], ["FRI", "FRII"]))
        'FRII'
        >>> single_answer(classification_report([[0.9, 0.1], [0.4, 0.6]], [0, 1], ["FRI", "FRII"])) is None
        True
    """
    matrix = report["confusion_matrix"]
    answered = np.flatnonzero(np.sum(matrix["counts"], axis=0))
    return matrix["labels"][answered[0]] if len(answered) == 1 else None


def not_learned(report: dict, significance: float = 0.01) -> str | None:
    """Why a `classification_report` shows a classifier that learned nothing, or None if it learned.

    A network that failed to train answers one class whatever its input, or
    answers several but no better than guessing (`chance_probability` above
    ``significance``): its probabilities hover near the class fractions.

    Example:
        >>> guess = classification_report([[0.6, 0.4]] * 10 + [[0.4, 0.6]] * 10, [0, 1] * 10, "ab")
        >>> print(not_learned(guess))
        its accuracy 0.500 (10/20) is no better than chance: answers that ignore the input, with the same
        class frequencies, score 0.500 on average and at least this well with probability 0.59
        >>> not_learned(classification_report([[0.6, 0.4], [0.4, 0.6]] * 10, [0, 1] * 10, "ab")) is None
        True
    """
    answer = single_answer(report)
    if answer is not None and report["n"] > 1:
        return f"it answers {answer!r} for all {report['n']} examples"
    probability = chance_probability(report)
    if probability <= significance:
        return None
    correct, total = correct_count(report)
    return (
        f"its accuracy {report['accuracy']:.3f} ({correct}/{total}) is no better than "
        "chance: answers that ignore the input, with the same class frequencies, score "
        f"{chance_accuracy(report):.3f} on average and at least this well with probability {probability:.2g}"
    )


def regression_report(z_pred, z_true, outlier_threshold: float = 0.15) -> dict:
    """Photometric-redshift scores of Δz/(1+z): NMAD and its 95% interval, bias, scatter, outliers.

    NMAD = 1.4826 * median(|dz - median(dz)|); outliers have |dz| > ``outlier_threshold``.
    ``nmad_interval`` is `nmad_interval`'s bootstrap interval.

    Example:
        >>> regression_report([0.1, 0.2, 0.3], [0.1, 0.2, 0.3])["nmad"]
        0.0
    """
    z_pred = np.asarray(z_pred, dtype=np.float64).ravel()
    z_true = np.asarray(z_true, dtype=np.float64).ravel()
    dz = (z_pred - z_true) / (1.0 + z_true)
    report = {
        "n": len(dz),
        "nmad": round(nmad(dz), 6),
        "bias": round(float(np.mean(dz)), 6),
        "sigma": round(float(np.std(dz)), 6),
        "outlier_fraction": round(float(np.mean(np.abs(dz) > outlier_threshold)), 6),
        "rmse": round(float(np.sqrt(np.mean((z_pred - z_true) ** 2))), 6),
    }
    if len(dz):
        low, high = nmad_interval(dz)
        interval = {"low": round(low, 6), "high": round(high, 6)}
        report["nmad_interval"] = {**interval, "confidence": 0.95, "resamples": BOOTSTRAP_RESAMPLES}
    return report


def report_for(predicted, truth, class_names: Sequence[str]) -> dict:
    """A `classification_report` of class probabilities, or (no ``class_names``) a `regression_report`.

    Args:
        predicted: a model's outputs, shape ``(n, classes)`` or, for a regressor, ``(n, 1)``.
        truth: class indices, or true values.
        class_names: the classes in output order; empty for a regressor.

    Example:
        >>> report_for(np.array([[0.9, 0.1], [0.3, 0.7]]), np.array([0, 0]), ["FRI", "FRII"])["accuracy"]
        0.5
        >>> report_for(np.array([[0.1], [0.2]]), np.array([0.1, 0.2]), [])["nmad"]
        0.0
    """
    if class_names:
        return classification_report(predicted, truth, class_names)
    return regression_report(np.asarray(predicted)[:, 0], truth)


def nmad(dz) -> float:
    """The normalized median absolute deviation, 1.4826 * median(|dz - median(dz)|).

    Example:
        >>> round(nmad([-0.02, -0.01, 0.0, 0.01, 0.02]), 6)
        0.014826
    """
    dz = np.asarray(dz, dtype=np.float64)
    return float(1.4826 * np.median(np.abs(dz - np.median(dz))))


def nmad_interval(
    dz, confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """A percentile bootstrap interval of the NMAD of ``dz`` (`astropy.stats.bootstrap`).

    The objects are resampled with replacement ``resamples`` times under a fixed
    ``seed``, so the same predictions always give the same interval. With a few
    hundred test objects the interval is about ten percent of the NMAD wide: read
    a photo-z model's NMAD, and its distance to a target, with it.

    Example:
        >>> dz = np.random.default_rng(1).normal(0.0, 0.015, 750)
        >>> low, high = nmad_interval(dz)
        >>> bool(low < nmad(dz) < high), round(high - low, 4)
        (True, 0.0023)
    """
    with NumpyRNGContext(seed):
        values = bootstrap(np.asarray(dz, dtype=np.float64), bootnum=resamples, bootfunc=nmad)
    return percentile_interval(values, confidence)
