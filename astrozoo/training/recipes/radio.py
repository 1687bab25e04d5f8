"""Recipe of radio-cnn: FRI / FRII morphology of FIRST radio galaxies."""

from __future__ import annotations

from astrozoo import builders
from astrozoo.datasets import mirabest
from astrozoo.training.recipes.base import Recipe, build_with, fit_with
from astrozoo.training.recipes.inputs import images

RADIO = {
    "image_size": (64, 64),
    "channels": 1,
    "crop_fraction": 1.0,
    "field_of_view_arcsec": mirabest.FIELD_OF_VIEW_ARCSEC,
}


def _radio_cnn(splits, epochs, verbose, overrides=None):
    """radio-cnn's ``build_and_fit``: a CNN on noise-floored FIRST cutouts."""
    # Every setting here won or held its own in cross-validation: experiments/radio-cnn/NOTES.md.
    model = build_with(builders.cnn, dict(
        class_names=mirabest.CLASSES, channels=1, image_size=RADIO["image_size"], filters=(32, 64, 128, 128),
        kernel_size=3, batch_norm=True, dense_units=(128,), dropout=0.4, noise_floor_sigma=3.0,
        normalize="per_image", augment="dihedral", tta=True,
        input_info={"bands": ["FIRST 1.4 GHz"], "units": "Jy/beam",
                    "pixel_scale_arcsec": mirabest.PIXEL_SCALE_ARCSEC,
                    "field_of_view_arcsec": RADIO["field_of_view_arcsec"]},
    ), overrides)  # fmt: skip
    return fit_with(model, splits, epochs, verbose, overrides, batch_size=32, patience=30)


RADIO_CNN = Recipe(
    "radio-cnn",
    mirabest,
    _radio_cnn,
    epochs=200,
    prepare=images(**RADIO),
    description="FRI / FRII morphology of FIRST 1.4 GHz radio galaxies (MiraBest, confident labels).",
    limitations=(
        "Trained on FIRST (VLA B-array, 1.4 GHz, 5 arcsec beam) cutouts at 1.8 arcsec/pixel: "
        "other surveys, resolutions or pixel scales need retraining or at least checking.",
        "Confident MiraBest labels only; hybrids are not a class; see the 'uncertain' metrics.",
        "Predictions are averaged over the 8 flips and rotations of each image.",
        "Pixels below the image median + 3 robust sigma are set to 0 inside the model (MiraBest's "
        "clipping), so FITS files and MiraBest's 8-bit images give the same class; emission "
        "fainter than that is not seen.",
    ),
)
