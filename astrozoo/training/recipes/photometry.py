"""Recipes of the photometric catalogue models: sdss-mlp (classes) and photoz-mlp (redshift)."""

from __future__ import annotations

import keras

from astrozoo import builders
from astrozoo.datasets import photoz_mgs, sdss_dr14
from astrozoo.training.recipes.base import Recipe, build_with, fit_with


def _sdss_mlp(splits, epochs, verbose, overrides=None):
    """sdss-mlp's ``build_and_fit``: an MLP on ugriz magnitudes and their colours."""
    # Width and training settings chosen by cross-validation: experiments/sdss-mlp/NOTES.md.
    model = build_with(builders.mlp, dict(
        features=sdss_dr14.FEATURES, class_names=sdss_dr14.CLASSES,
        colours=[("u", "g"), ("g", "r"), ("r", "i"), ("i", "z")],
        hidden_units=(256, 256, 128), dropout=0.1, noise_stddev=0.02,
        input_info={"units": "mag"}, adapt_data=splits["train"].x,
    ), overrides)  # fmt: skip
    return fit_with(model, splits, epochs, verbose, overrides, batch_size=64, patience=25)


def _photoz_mlp(splits, epochs, verbose, overrides=None):
    """photoz-mlp's ``build_and_fit``: one MLP regressing redshift on ugriz magnitudes and colours."""
    # A Huber loss with a small delta suits NMAD, the headline metric (experiments/photoz-mlp/NOTES.md).
    model = build_with(builders.mlp, dict(
        features=photoz_mgs.FEATURES, task="regression", target_names=["redshift"],
        colours=[("u", "g"), ("g", "r"), ("r", "i"), ("i", "z")],
        hidden_units=(512, 512, 256), dropout=0.0, batch_norm=False, noise_stddev=0.0,
        input_info={"units": "mag"}, adapt_data=splits["train"].x,
    ), overrides)  # fmt: skip
    return fit_with(model, splits, epochs, verbose, overrides, batch_size=32, patience=40,
                    weight_averaging=0.99, loss=keras.losses.Huber(delta=0.01))  # fmt: skip


SDSS_MLP = Recipe(
    "sdss-mlp",
    sdss_dr14,
    _sdss_mlp,
    epochs=300,
    description="STAR / GALAXY / QSO from SDSS ugriz magnitudes alone (no redshift).",
    limitations=(
        "Trained on SDSS DR14 spectroscopic targets: the magnitude range and colours of "
        "objects SDSS chose to observe spectroscopically, not a complete photometric sample.",
        "Uses magnitudes only; morphology (PSF vs model magnitudes) would help separate "
        "compact galaxies from stars: in a 4-fold cross-validation of train+validation with three "
        "seeds, 177 of 6819 objects (2.6%) were misclassified by all three networks, 79 of them "
        "galaxies called stars.",
        "Checked on galaxies it never saw, with another photometry: of the 5000 SDSS Main Galaxy "
        "Sample galaxies in photoz_mgs (`astrozoo predict sdss-mlp SDSS_MGS.train`), it calls 4899 "
        "(98.0%) GALAXY, 94 STAR and 7 QSO (574 of the 594 test-split galaxies, 96.6%, are called "
        "GALAXY). Those called STAR are blue galaxies at low redshift (median z 0.030 and g-r 0.45, "
        "against 0.093 and 0.83 for the rest).",
        "Limited by the number of labelled objects: a 4-fold cross-validation of the training and "
        "validation objects, trained on a quarter, a half and all of each fold's 5114, scored 0.959, "
        "0.964 and 0.968, each doubling removing about an eighth of the errors. Training on a larger "
        "spectroscopic sample should help more than any change of network tried.",
    ),
)

# 5 networks averaged: they beat one in a cross-validation (experiments/photoz-mlp/NOTES.md).
PHOTOZ_MLP = Recipe(
    "photoz-mlp",
    photoz_mgs,
    _photoz_mlp,
    epochs=600,
    members=5,
    description="Photometric redshift of SDSS Main Galaxy Sample galaxies from ugriz magnitudes; "
    "5 MLPs averaged.",
    headline="nmad",
    limitations=(
        "Valid for the SDSS Main Galaxy Sample (r < 17.77, z < 0.3); it extrapolates badly "
        "to fainter or higher-redshift galaxies.",
        "Checked on galaxies it never saw, with another photometry: the 3782 sdss_dr14 galaxies with "
        "r < 17.77 and 0 < z < 0.3 give NMAD 0.0152 (95% interval 0.0146-0.0158), no outliers and a "
        "bias of +0.0049 in dz/(1+z), against NMAD 0.0146 and bias +0.0001 on the test split. "
        "Magnitudes measured another way shift its redshifts: check the bias on a sample of your "
        "own.",
        "Limited by the number of labelled galaxies: a 4-fold cross-validation of the training and "
        "validation galaxies, trained on a quarter, a half and all of each fold's ~3190, gave NMAD "
        "0.0156, 0.0151 and 0.0143. A larger spectroscopic training sample should lower it further.",
    ),
)
