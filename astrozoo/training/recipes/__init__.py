"""One recipe per zoo model: its dataset, architecture and training settings, declared in its family's module.

`base` holds the machinery every recipe shares, `inputs` the steps that read dataset
files; each family module (`photometry`, `ogle`, `radio`, `rrlyrae`, `galaxies`)
declares its models' recipes and their card prose. What each setting was compared
against is in ``experiments/<model>/NOTES.md``.

Example:
    >>> from astrozoo.training.recipes import RECIPES
    >>> RECIPES["radio-cnn"].dataset.NAME, RECIPES["photoz-mlp"].members
    ('mirabest', 5)
"""

from __future__ import annotations

from astrozoo.training.recipes import galaxies, ogle, photometry, radio, rrlyrae
from astrozoo.training.recipes.base import Recipe, build_with, fit_members, fit_with, prepared

RECIPES = {
    recipe.name: recipe
    for recipe in (
        photometry.SDSS_MLP,
        photometry.PHOTOZ_MLP,
        ogle.OGLE_MLP,
        radio.RADIO_CNN,
        rrlyrae.RRLYRAE_GRU,
        rrlyrae.RRLYRAE_LSTM,
        galaxies.GALAXY_RESNET,
        galaxies.RINGS_RESNET,
    )
}

__all__ = ["RECIPES", "Recipe", "build_with", "fit_members", "fit_with", "prepared"]
