"""Reproducible training of the zoo models: `astrozoo train NAME`."""

from astrozoo.training.metrics import classification_report, regression_report
from astrozoo.training.train import RECIPES, train

__all__ = ["RECIPES", "classification_report", "regression_report", "train"]
