"""Recipes of rrlyrae-gru and rrlyrae-lstm: RRab / RRc from folded SDSS Stripe 82 light curves."""

from __future__ import annotations

import json

from astrozoo import builders
from astrozoo.datasets import Split, rrlyrae_s82
from astrozoo.io import read_lightcurve
from astrozoo.io.period_prior import PeriodPrior
from astrozoo.training.fitting import balanced_class_weights
from astrozoo.training.recipes.base import Recipe, build_with, fit_with
from astrozoo.training.recipes.inputs import RR_LYRAE_PERIODS, folded_lightcurves, search_peaks


def _rrlyrae_cv_limitation(pooled: str, interval: str, errors: str) -> str:
    """The card sentence giving an rrlyrae model's 4-fold cross-validation."""
    return (
        "A 4-fold cross-validation of the training and validation stars (the period prior learnt again "
        f"inside each fold) scored {pooled} ({interval}); {errors}."
    )


RR_LYRAE_LIMITATIONS = (
    "The period comes from a Lomb-Scargle search between 0.2 and 1.2 days whose peaks are ranked with a "
    "prior on light-curve shape against period, learnt from the training stars "
    "(astrozoo.io.period_prior). In a 4-fold cross-validation of the 322 training and validation stars "
    "it found 313 periods within 1% of Sesar et al.'s (302 without the prior); the others fold at a "
    "daily alias.",
    "The prior knows Stripe 82 RR Lyrae only: a light curve of another kind of variable is ranked "
    "against RR Lyrae shapes, and its period may come out as an alias that looks like one.",
    "Stripe 82 sampling (about 10 years, tens of epochs per band); sparser data are untested.",
    "The networks do no better than two numbers: a logistic regression on log10 of the found period and of "
    "the light-curve scatter scored 318/322 in a 4-fold cross-validation of the training and validation "
    "stars (two fold seeds; periods from the shipped prior, which saw the training stars, so a little "
    "optimistic), and on the period alone 317 and 319. With Sesar et al.'s periods it scored 321/322: the "
    "period search, more than the classifier, limits these models.",
)


# The prior's weight against the search's power, chosen by an inner cross-validation inside each training
# part (experiments/rrlyrae-period-search/NOTES.md).
RR_LYRAE_PRIOR_WEIGHT = 0.02


def _rrlyrae_period_search(train: Split) -> dict:
    """``fit_arguments``: the period search, with a `PeriodPrior` learnt from the training stars' periods."""
    search = json.dumps(RR_LYRAE_PERIODS, sort_keys=True)
    prior = PeriodPrior.fit(
        [read_lightcurve(path) for path in train.x],
        rrlyrae_s82.catalogue_periods(train.x),
        [rrlyrae_s82.CLASSES[label] for label in train.y],
        search=RR_LYRAE_PERIODS,
        weight=RR_LYRAE_PRIOR_WEIGHT,
        found=[search_peaks(path, search)[0] for path in train.x],
    )
    return {"period_search": {**RR_LYRAE_PERIODS, "prior": prior.to_config()}}


def _rrlyrae(cell, head_summary=False):
    """The ``build_and_fit`` of a bidirectional recurrent network (``cell``) on folded light curves."""

    def build_and_fit(splits, epochs, verbose, overrides=None):
        model = build_with(builders.recurrent, dict(
            class_names=rrlyrae_s82.CLASSES, bands=rrlyrae_s82.BANDS, cell=cell, units=(64, 64),
            bidirectional=True, dropout=0.1, dense_units=(32,), noise_stddev=0.02,
            period_search=RR_LYRAE_PERIODS, append_scatter=True, head_summary=head_summary,
            input_info={"units": "mag"},  # + the period prior
        ), overrides)  # fmt: skip
        weights = balanced_class_weights(splits["train"].y, 2)
        return fit_with(
            model, splits, epochs, verbose, overrides, batch_size=16, patience=20, class_weight=weights
        )

    return build_and_fit


RRLYRAE_GRU = Recipe(
    "rrlyrae-gru",
    rrlyrae_s82,
    _rrlyrae("gru"),
    epochs=150,
    prepare=folded_lightcurves,
    fit_arguments=_rrlyrae_period_search,
    description="RRab / RRc from an SDSS ugriz light curve folded at its Lomb-Scargle period (GRU).",
    limitations=(
        *RR_LYRAE_LIMITATIONS,
        _rrlyrae_cv_limitation(
            "317/322 = 0.984", "95% interval 0.964-0.993", "all 5 errors are RRc stars called RRab"
        ),
        "Rerun later with seeds 0 and 1 (318/322 and 316/322), every error of that cross-validation "
        "was an RRc star with a catalogue period of 0.39-0.43 days, where RRc and RRab periods "
        "overlap, though their amplitudes mostly do not: in all 379 files, 12 of the 13 RRc stars of "
        "0.38-0.44 days have a light-curve scatter (the RMS of all magnitudes about their band's "
        "mean) of 0.10-0.16 mag (one 0.26, widened by noisy u-band points), and 45 of the 46 RRab "
        "stars of 0.43-0.50 days 0.19 mag or more (one 0.13). "
        "Treat an RRab answer for a low-amplitude star near 0.4 days with caution.",
    ),
)

# head_summary: the head also sees each curve's channel means (period, scatter), the Bailey diagram the LSTM
# otherwise had to carry through its state (experiments/rrlyrae-lstm/NOTES.md).
RRLYRAE_LSTM = Recipe(
    "rrlyrae-lstm",
    rrlyrae_s82,
    _rrlyrae("lstm", head_summary=True),
    epochs=150,
    prepare=folded_lightcurves,
    fit_arguments=_rrlyrae_period_search,
    description="RRab / RRc from an SDSS ugriz light curve folded at its Lomb-Scargle period (LSTM).",
    limitations=(
        *RR_LYRAE_LIMITATIONS,
        _rrlyrae_cv_limitation(
            "316/322 = 0.981",
            "95% interval 0.960-0.991; 318/322 with seed 1",
            "4 of its 6 errors are RRc stars called RRab",
        ),
        "Its errors in that cross-validation (seeds 0 and 1), one RRc star of 0.31 days aside, sit "
        "where RRc and RRab periods overlap, 0.39-0.46 days: RRc stars called RRab, and two "
        "low-amplitude RRab stars (light-curve scatter, the RMS of all magnitudes about their band's "
        "mean, 0.13 and 0.19 mag; 12 of the 13 RRc stars of 0.38-0.44 days have 0.10-0.16) called "
        "RRc.",
    ),
)
