"""Reproducible training of the zoo models (`astrozoo train NAME`), cross-validation (`astrozoo cv`)."""

from astrozoo.training.calibration import calibrate
from astrozoo.training.crossval import cross_validate, stratified_folds
from astrozoo.training.fitting import balanced_class_weights, ensure_learned, fit
from astrozoo.training.metrics import classification_report, regression_report
from astrozoo.training.train import RECIPES, train

__all__ = [
    "RECIPES",
    "balanced_class_weights",
    "calibrate",
    "classification_report",
    "cross_validate",
    "ensure_learned",
    "fit",
    "regression_report",
    "stratified_folds",
    "train",
]
