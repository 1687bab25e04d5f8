"""A learnt density of light-curve shape against period, to choose between a period and its aliases.

A sparse ground-based light curve (one visit per night) folds almost as well at
a daily alias of its period (frequency ± 1 cycle per day) as at the period
itself: the phases of observations taken at the same hour shift together, so the
folded shape barely changes and the periodogram peaks are nearly level. What
does change is the period the shape is attached to, and pulsating stars keep
shape and period together (the Bailey diagram; Fourier parameters R21, phi31
against period). `PeriodPrior` learns that relation from stars of known period
and adds its log-density to the periodogram power of each candidate period
(see `astrozoo.io.period_search.find_period`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from astrozoo.errors import ConfigError, InputError
from astrozoo.io.periodogram import period_candidates

FEATURES = (
    "log10_period", "log10_amplitude", "R21", "R31", "cos_phi21", "sin_phi21", "cos_phi31", "sin_phi31",
)  # fmt: skip
HARMONICS = 4
MIN_POINTS = 3 * HARMONICS  # a 4-harmonic fit has 9 parameters


def shape_features(t, y, dy, frequency: float) -> np.ndarray | None:
    """Period and Fourier shape of one band folded at ``frequency`` (see `FEATURES`).

    A 4-harmonic Lomb-Scargle model (astropy's ``model_parameters``) gives the
    amplitude ``A_k`` and phase ``phi_k`` of each harmonic. The amplitude is the
    model's peak to peak; ``R_k1 = A_k / A_1`` and ``phi_k1 = phi_k - k phi_1``
    (as cosine and sine, since they wrap) are the usual Fourier shape parameters.

    Args:
        t: observation times (days).
        y: magnitudes or fluxes of one band.
        dy: their uncertainties.
        frequency: the candidate frequency (cycles per day).

    Returns:
        The 8 features, or None when the band has fewer than `MIN_POINTS`
        observations or the fit is singular there.

    Example:
        >>> t = np.linspace(0, 30, 90)
        >>> y = np.sin(2 * np.pi * t / 0.5) + 0.5 * np.sin(4 * np.pi * t / 0.5)
        >>> features = shape_features(t, y, np.full(90, 0.01), 2.0)
        >>> [round(float(v), 2) for v in features[:3]]  # log10 P, log10 peak to peak, R21
        [-0.3, 0.41, 0.5]
    """
    from astropy.timeseries import LombScargle  # noqa: PLC0415 (astropy.timeseries imports slowly)

    if len(t) < MIN_POINTS:
        return None
    periodogram = LombScargle(t, y, dy, nterms=HARMONICS)
    try:
        parameters = periodogram.model_parameters(frequency)  # offset, then (sin, cos) per harmonic
    except np.linalg.LinAlgError:
        return None
    amplitude = np.hypot(parameters[1::2], parameters[2::2])
    phase = np.arctan2(parameters[2::2], parameters[1::2])
    if amplitude[0] <= 0:
        return None
    model = periodogram.model(t.min() + np.linspace(0, 1 / frequency, 200), frequency)
    phi21, phi31 = phase[1] - 2 * phase[0], phase[2] - 3 * phase[0]
    return np.array([
        -np.log10(frequency), np.log10(max(float(np.ptp(model)), 1e-3)),
        amplitude[1] / amplitude[0], amplitude[2] / amplitude[0],
        np.cos(phi21), np.sin(phi21), np.cos(phi31), np.sin(phi31),
    ])  # fmt: skip


@dataclasses.dataclass(frozen=True)
class PeriodPrior:
    """A Gaussian per class over `FEATURES` of one band, weighted by class frequency.

    Build it with `PeriodPrior.fit` on light curves of known period; it travels
    inside a model's ``period_search`` as `to_config`'s JSON dict.

    Attributes:
        band: the band whose shape is measured, e.g. ``"g"``.
        weight: how much log-density is worth in summed periodogram power: a
            candidate's score is ``power + weight * log_density``.
        classes: one dict per class: ``name``, ``fraction`` (of the stars fitted),
            ``mean`` and ``covariance`` of the features.
    """

    band: str
    weight: float
    classes: tuple

    def __post_init__(self):
        for component in self.classes:
            if set(component) != {"name", "fraction", "mean", "covariance"}:
                raise ConfigError(
                    "Each class of a period prior needs name, fraction, mean and covariance. "
                    f"Received: {sorted(component)}"
                )

    @classmethod
    def fit(
        cls,
        light_curves: Sequence,
        periods: Sequence[float],
        labels: Sequence[str],
        search: dict | None = None,
        band: str = "g",
        weight: float = 0.02,
        ridge: float = 1e-4,
        tolerance: float = 0.01,
        found: Sequence[Sequence[float]] | None = None,
    ) -> PeriodPrior:
        """Learns the density from light curves folded near their known periods.

        Each light curve's shape is measured at every peak of the search
        (`astrozoo.io.periodogram.period_candidates` with the ``search`` settings)
        within ``tolerance`` of its known period: where the search counts as right,
        the period itself and its yearly aliases, whose folded shapes differ. Where
        no peak is that close, at the highest peak of a search within the
        tolerance. (Over a decade of observations, even 0.2% of period, Stripe 82's
        catalogue against its own light curves for some stars, drifts by a large
        fraction of a cycle and smears the folded shape: the known period itself is
        not where the shape is measured.)

        Args:
            light_curves: TimeSeries from `astrozoo.io.read_lightcurve`.
            periods: each one's known period (days), e.g. from a catalogue.
            labels: each one's class; one Gaussian per class.
            search: `astrozoo.io.period_search.find_period` settings
                (``min_period``, ``max_period``...), as the model will search.
            band: the band to measure.
            weight: see the class attributes.
            ridge: added to the covariances' diagonal, so they stay invertible.
            tolerance: relative distance from the known period within which a peak counts.
            found: each light curve's search peaks (the periods `period_candidates`
                returns with the ``search`` settings), where the caller has them
                already; None searches here.

        Raises:
            InputError: a class has fewer shapes measured (light curves with at
                least `MIN_POINTS` ``band`` observations) than features plus one.
        """
        search = {key: value for key, value in (search or {}).items() if key != "prior"}
        features: dict[str, list] = {}
        for i, (ts, period, label) in enumerate(zip(light_curves, periods, labels, strict=True)):
            peaks = found[i] if found is not None else period_candidates(ts, **search)[0]
            near = [p for p in peaks if abs(p - period) <= tolerance * period]
            if not near:
                window = {"min_period": period * (1 - tolerance), "max_period": period * (1 + tolerance)}
                near = [float(period_candidates(ts, **{**search, **window})[0][0])]  # find_period, no prior
            rows = [band_shape(ts, band, 1.0 / p) for p in near]
            features.setdefault(str(label), []).extend(row for row in rows if row is not None)
        total = sum(len(rows) for rows in features.values())
        classes = []
        for name in sorted(features):
            rows = np.array(features[name])
            if len(rows) <= len(FEATURES):
                raise InputError(
                    f"Fitting a period prior: class {name!r} has {len(rows)} shapes measured (light curves "
                    f"with at least {MIN_POINTS} {band!r} observations); expected more than {len(FEATURES)}."
                )
            covariance = np.cov(rows.T) + ridge * np.eye(len(FEATURES))
            classes.append({
                "name": name, "fraction": len(rows) / total,
                "mean": rows.mean(axis=0).tolist(), "covariance": covariance.tolist(),
            })  # fmt: skip
        return cls(band=band, weight=float(weight), classes=tuple(classes))

    def log_density(self, features: np.ndarray) -> float:
        """The mixture's log-density at one candidate's `FEATURES`."""
        from scipy.stats import multivariate_normal  # noqa: PLC0415

        terms = [
            np.log(c["fraction"]) + multivariate_normal(c["mean"], c["covariance"]).logpdf(features)
            for c in self.classes
        ]
        return float(np.logaddexp.reduce(terms))

    def to_config(self) -> dict:
        """A JSON-ready dict; `from_config` reverses it."""
        return {"band": self.band, "weight": self.weight, "classes": [dict(c) for c in self.classes]}

    @classmethod
    def from_config(cls, config: dict) -> PeriodPrior:
        """Rebuilds a prior from `to_config`'s dict (e.g. a model's ``period_search["prior"]``)."""
        unknown = set(config) - {"band", "weight", "classes"}
        if unknown:
            raise ConfigError(f"Unknown period prior settings {sorted(unknown)}. Received: {config}")
        return cls(band=config["band"], weight=float(config["weight"]), classes=tuple(config["classes"]))


def band_shape(ts, band: str, frequency: float) -> np.ndarray | None:
    """`shape_features` of the ``band`` observations of a `read_lightcurve` TimeSeries (magnitudes)."""
    if "mag" not in ts.colnames:
        return None
    keep = np.asarray(ts["band"]).astype(str) == band
    t = ts.time.mjd[keep]
    y = np.asarray(ts["mag"], dtype=np.float64)[keep]
    dy = np.asarray(ts["magerr"], dtype=np.float64)[keep]
    return shape_features(t, y, dy, frequency)
