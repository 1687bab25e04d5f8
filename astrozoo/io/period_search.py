"""Finding a light curve's period: periodogram peaks, ranked by power or by a learnt prior.

`period_candidates` (`astrozoo.io.periodogram`) searches; `choose_period` ranks
its peaks, with a `astrozoo.io.period_prior.PeriodPrior` where one is given;
`find_period` does both, and is what `astrozoo predict` runs on light curves of
models that read them folded.
"""

from __future__ import annotations

import numpy as np

from astrozoo.io.period_prior import PeriodPrior, band_shape
from astrozoo.io.periodogram import PERIOD_RANGE, period_candidates

__all__ = ["PERIOD_RANGE", "choose_period", "find_period", "period_candidates"]


def find_period(
    ts,
    min_period: float = PERIOD_RANGE[0],
    max_period: float = PERIOD_RANGE[1],
    samples_per_peak: int = 5,
    candidates: int = 10,
    harmonics: int = 4,
    prior: PeriodPrior | dict | None = None,
) -> float:
    """Finds the best period (days) of a light curve with Lomb-Scargle periodograms.

    Two passes (`period_candidates`): a fast single-harmonic periodogram per
    band, summed over bands, proposes the ``candidates`` highest peaks; a
    ``harmonics``-term periodogram on a fine grid around each of them and their
    daily aliases (± 1 and 2 cycles per day) then ranks them. A multi-harmonic
    model fits the true period of a non-sinusoidal variable (an RR Lyrae's
    sawtooth) better than its aliases (harmonics compared on Stripe 82 RR Lyrae:
    experiments/rrlyrae-period-search/NOTES.md).

    With a ``prior`` (`astrozoo.io.period_prior.PeriodPrior`, learnt from stars
    of known period), the candidates are ranked by ``power + prior.weight *
    log-density`` of the light curve's shape folded at each instead: a period and
    its daily aliases fold to nearly the same shape and nearly level peaks, but
    only one of them fits the shape that such stars have at that period.

    Args:
        ts: a TimeSeries from `astrozoo.io.read_lightcurve` (``mag`` or ``flux``, and ``band``).
        min_period: shortest period searched, days.
        max_period: longest period searched, days.
        samples_per_peak: grid oversampling of the first pass.
        candidates: peaks of the first pass examined by the second, and distinct
            peaks of the second that a ``prior`` ranks.
        harmonics: Fourier terms of the second pass's model.
        prior: a `PeriodPrior` or its `PeriodPrior.to_config` dict; None ranks by
            power alone, as do light curves in flux (the prior's shapes are in
            magnitudes) or with too few observations in the prior's band.

    Example:
        >>> import numpy as np
        >>> from astropy.time import Time
        >>> from astropy.timeseries import TimeSeries
        >>> t = np.sort(np.random.default_rng(0).uniform(0, 200, 300))
        >>> mag = 17 + 0.4 * np.sin(2 * np.pi * t / 0.61)
        >>> ts = TimeSeries(time=Time(50000 + t, format="mjd"),
        ...                 data={"mag": mag, "magerr": np.full(300, 0.02), "band": ["g"] * 300})
        >>> round(find_period(ts, 0.2, 2.0), 3)
        0.61
    """
    periods, power = period_candidates(ts, min_period, max_period, samples_per_peak, candidates, harmonics)
    return choose_period(ts, periods, power, prior)


def choose_period(
    ts, periods: np.ndarray, power: np.ndarray, prior: PeriodPrior | dict | None = None
) -> float:
    """The period `find_period` picks among `period_candidates`' peaks.

    Without a ``prior``, the highest peak; with one, the highest ``power +
    prior.weight * log-density`` of the light curve's shape folded at each peak
    (see `find_period`). Searching once and choosing here lets code that needs
    the peaks too (`astrozoo.io.period_prior.PeriodPrior.fit`) skip a second search.

    Args:
        ts: the light curve the peaks were found in.
        periods: `period_candidates`' periods (days), highest peak first.
        power: their power.
        prior: a `PeriodPrior`, its `PeriodPrior.to_config` dict, or None.

    Example:
        >>> import numpy as np
        >>> choose_period(None, np.array([0.61, 0.38]), np.array([0.9, 0.7]))
        0.61
    """
    if prior is None:
        return float(periods[0])
    prior = prior if isinstance(prior, PeriodPrior) else PeriodPrior.from_config(prior)
    scores = []
    for period, peak in zip(periods, power, strict=True):
        features = band_shape(ts, prior.band, 1.0 / period)
        if features is None:  # too few points in the prior's band: the power alone decides
            return float(periods[0])
        scores.append(peak + prior.weight * prior.log_density(features))
    return float(periods[int(np.argmax(scores))])
