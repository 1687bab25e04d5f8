"""One recipe per zoo model: its dataset, architecture and training settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras

from astrozoo import builders
from astrozoo.datasets import Split, ogle3, photoz_mgs, sdss_dr14
from astrozoo.training.fitting import balanced_class_weights, fit


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one zoo model is trained.

    Attributes:
        name: the zoo name.
        dataset: the `astrozoo.datasets` module it is trained on.
        build_and_fit: ``(splits, epochs, verbose) -> model``; uses train and validation only.
        epochs: default maximum number of epochs (early stopping usually ends sooner).
        description: one line for the model card and `astrozoo list`.
        limitations: known limitations for the model card.
        headline: the test metric `astrozoo list` shows.
    """

    name: str
    dataset: object
    build_and_fit: Callable[[dict[str, Split], int, int], keras.Model]
    epochs: int
    description: str
    limitations: tuple[str, ...] = ()
    headline: str = "accuracy"


def _sdss_mlp(splits, epochs, verbose):
    model = builders.mlp(
        sdss_dr14.FEATURES, class_names=sdss_dr14.CLASSES,
        colours=[("u", "g"), ("g", "r"), ("r", "i"), ("i", "z")],
        hidden_units=(128, 128, 64), dropout=0.1, noise_stddev=0.02,
        input_info={"units": "mag"}, adapt_data=splits["train"].x,
    )  # fmt: skip
    fit(model, splits["train"], splits["validation"], epochs, batch_size=64, patience=25, verbose=verbose)
    return model


def _photoz_mlp(splits, epochs, verbose):
    model = builders.mlp(
        photoz_mgs.FEATURES, task="regression", target_names=["redshift"],
        colours=[("u", "g"), ("g", "r"), ("r", "i"), ("i", "z")],
        hidden_units=(128, 128, 64), dropout=0.0, batch_norm=False, noise_stddev=0.01,
        input_info={"units": "mag"}, adapt_data=splits["train"].x,
    )  # fmt: skip
    fit(model, splits["train"], splits["validation"], epochs, batch_size=64, patience=30, verbose=verbose)
    return model


def _ogle_mlp(splits, epochs, verbose):
    model = builders.mlp(
        ogle3.FEATURES, class_names=ogle3.CLASSES, colours=[("V", "I")], log_features=["P_1", "A_1"],
        missing_value=ogle3.MISSING, hidden_units=(128, 128, 64), dropout=0.1, noise_stddev=0.02,
        input_info={"units": "mag, days"}, adapt_data=splits["train"].x,
    )  # fmt: skip
    weights = balanced_class_weights(splits["train"].y, len(ogle3.CLASSES), power=0.5)
    fit(model, splits["train"], splits["validation"], epochs, batch_size=512, patience=8,
        class_weight=weights, verbose=verbose)  # fmt: skip
    return model


RECIPES = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "sdss-mlp",
            sdss_dr14,
            _sdss_mlp,
            epochs=300,
            description="STAR / GALAXY / QSO from SDSS ugriz magnitudes alone (no redshift).",
            limitations=(
                "Trained on SDSS DR14 spectroscopic targets: the magnitude range and colours of "
                "objects SDSS chose to observe spectroscopically, not a complete photometric sample.",
                "Uses magnitudes only; morphology (PSF vs model magnitudes) would help separate "
                "compact galaxies from stars.",
            ),
        ),
        Recipe(
            "photoz-mlp",
            photoz_mgs,
            _photoz_mlp,
            epochs=500,
            description="Photometric redshift of SDSS Main Galaxy Sample galaxies from ugriz magnitudes.",
            headline="nmad",
            limitations=(
                "Valid for the SDSS Main Galaxy Sample (r < 17.77, z < 0.3); it extrapolates badly "
                "to fainter or higher-redshift galaxies.",
            ),
        ),
        Recipe(
            "ogle-mlp",
            ogle3,
            _ogle_mlp,
            epochs=60,
            description="OGLE-III variable-star type from catalogue period, amplitude, magnitudes and "
            "Fourier parameters.",
            headline="macro_f1",
            limitations=(
                "Classes are very imbalanced (LPV ~86%, RCB < 0.01%): read per-class F1, not accuracy.",
                "Fourier parameters are missing (-99.99) for most LPVs; the model sees missing-value flags.",
                "OGLE-III fields (LMC, SMC, Galactic bulge) and I/V photometry only.",
            ),
        ),
    )
}
