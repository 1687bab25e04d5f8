"""Serializable Keras layers for preprocessing and augmentation.

Every layer is registered under the ``astrozoo`` package so that it travels with
a model's config and nothing has to be re-applied by hand at inference time.
"""

from astrozoo.layers.augmentation import DihedralAverage, DihedralViews, RandomDihedral
from astrozoo.layers.calibration import LogitAdjustment, TemperatureScaling
from astrozoo.layers.equivariant import (
    DihedralBatchNormalization,
    DihedralConv2D,
    DihedralLiftConv2D,
    DihedralPooling,
)
from astrozoo.layers.image import ImagePreprocessing
from astrozoo.layers.sequence import LightCurvePreprocessing
from astrozoo.layers.tabular import TabularFeatures

__all__ = [
    "DihedralAverage",
    "DihedralBatchNormalization",
    "DihedralConv2D",
    "DihedralLiftConv2D",
    "DihedralPooling",
    "DihedralViews",
    "ImagePreprocessing",
    "LightCurvePreprocessing",
    "LogitAdjustment",
    "RandomDihedral",
    "TabularFeatures",
    "TemperatureScaling",
]
