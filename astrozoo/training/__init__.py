"""Reproducible training of the zoo models (`astrozoo train NAME`), cross-validation (`astrozoo cv`).

Attributes are imported on first use, so that `astrozoo.training.metrics` loads
without Keras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from astrozoo.lazy import lazy_attributes

_LAZY = {
    "RECIPES": "astrozoo.training.reproduce",
    "adjust_logits": "astrozoo.training.logit_adjustment",
    "balanced_class_weights": "astrozoo.training.fitting",
    "calibrate": "astrozoo.training.calibration",
    "classification_report": "astrozoo.training.metrics",
    "cross_validate": "astrozoo.training.crossval",
    "ensure_learned": "astrozoo.training.fitting",
    "fit": "astrozoo.training.fitting",
    "logit_adjustment_for": "astrozoo.training.logit_adjustment",
    "pool_fold_runs": "astrozoo.training.fold_pooling",
    "refresh_card": "astrozoo.training.reproduce",
    "regression_report": "astrozoo.training.metrics",
    "stratified_folds": "astrozoo.training.crossval",
    "train": "astrozoo.training.reproduce",
}

if TYPE_CHECKING:
    from astrozoo.training.calibration import calibrate
    from astrozoo.training.crossval import cross_validate, stratified_folds
    from astrozoo.training.fitting import balanced_class_weights, ensure_learned, fit
    from astrozoo.training.fold_pooling import pool_fold_runs
    from astrozoo.training.logit_adjustment import adjust_logits, logit_adjustment_for
    from astrozoo.training.metrics import classification_report, regression_report
    from astrozoo.training.reproduce import RECIPES, refresh_card, train

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

__all__ = [
    "RECIPES",
    "adjust_logits",
    "balanced_class_weights",
    "calibrate",
    "classification_report",
    "cross_validate",
    "ensure_learned",
    "fit",
    "logit_adjustment_for",
    "pool_fold_runs",
    "refresh_card",
    "regression_report",
    "stratified_folds",
    "train",
]
