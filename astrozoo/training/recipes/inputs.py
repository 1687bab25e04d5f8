"""``prepare`` steps: read a dataset's files into model inputs, exactly as `astrozoo predict` reads them."""

from __future__ import annotations

import functools
import json

import numpy as np

from astrozoo.data import load_images, uncropped_size
from astrozoo.datasets import Split, rrlyrae_s82
from astrozoo.io import (
    LightCurveInput,
    pad_sequences,
    read_lightcurve,
    read_lightcurve_input,
    sequence_channels,
)
from astrozoo.io.model_inputs import resize_image
from astrozoo.io.period_search import choose_period, period_candidates

# The rrlyrae recipes' Lomb-Scargle search range, and the fold used when no fitted search is given.
RR_LYRAE_PERIODS = {"min_period": 0.2, "max_period": 1.2}


def images(image_size, channels, crop_fraction=1.0, field_of_view_arcsec=None):
    """A ``prepare`` step: read whole image files, leaving the crop to the model (see `load_images`).

    Overridden ``image_size`` or ``crop_fraction`` change how far the files are shrunk.
    """

    def prepare(splits, overrides=None):
        overrides = overrides or {}
        size = overrides.get("image_size", image_size)
        crop = overrides.get("crop_fraction", crop_fraction)

        def read(x):
            if isinstance(x, np.ndarray) and x.dtype.kind == "f":  # images already in memory
                return np.stack([resize_image(image, uncropped_size(size, crop)) for image in x])
            return load_images(x, size, crop, channels, field_of_view_arcsec)

        return {name: Split(read(split.x), split.y, split.ids) for name, split in splits.items()}

    return prepare


@functools.cache
def search_peaks(path: str, search: str) -> tuple[np.ndarray, np.ndarray]:
    """`period_candidates` of one light-curve file (``search``: its settings as JSON, without a prior).

    Cached: the prior's fit and the folding of the same training stars, and every fold of
    ``astrozoo cv``, then search each star once.
    """
    return period_candidates(read_lightcurve(path), **json.loads(search))


@functools.cache
def folded_sequence(path: str, search: str) -> LightCurveInput:
    """One light-curve file folded at the period its search picks (``search``: JSON, with a prior)."""
    settings = json.loads(search)
    prior = settings.pop("prior", None)
    ts = read_lightcurve(path)
    periods, power = search_peaks(path, json.dumps(settings, sort_keys=True))
    return read_lightcurve_input(ts, rrlyrae_s82.BANDS, period=choose_period(ts, periods, power, prior))


def folded_lightcurves(splits, overrides=None):
    """A ``prepare`` step: fold each light curve at the period its search finds, as predict does; pad."""
    search = json.dumps((overrides or {}).get("period_search", RR_LYRAE_PERIODS), sort_keys=True)
    sequences = {
        name: [folded_sequence(p, search).sequence for p in split.x] for name, split in splits.items()
    }
    longest = max(len(s) for group in sequences.values() for s in group)
    channels = sequence_channels(rrlyrae_s82.BANDS, folded=True)
    return {
        name: Split(pad_sequences(sequences[name], longest, channels), split.y, split.ids)
        for name, split in splits.items()
    }
