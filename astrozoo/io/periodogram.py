"""Multi-harmonic Lomb-Scargle periodograms: the power at many frequencies, and a light curve's peaks."""

from __future__ import annotations

import numpy as np

from astrozoo.errors import InputError

PERIOD_RANGE = (0.05, 20.0)  # days: the default search of `period_candidates` and `find_period`
MAX_ELEMENTS = 4_000_000  # design-matrix elements per chunk of frequencies (~32 MB)


def multiharmonic_power(t, y, dy, frequency, nterms: int) -> np.ndarray:
    """The ``nterms``-harmonic Lomb-Scargle power, as astropy's ``method="chi2"`` computes it.

    The same sums as `astropy.timeseries.LombScargle` with ``nterms`` Fourier terms,
    a floating mean, centred data and the "standard" normalization (1 - chi2 /
    chi2 of a constant), but the least-squares fits of all frequencies are
    solved together with NumPy's stacked ``matmul`` and ``linalg.solve`` instead of
    one frequency at a time in Python: about three times faster on the thousand or so
    frequencies that `astrozoo.io.period_search.find_period`'s second pass
    examines, and equal to astropy's result to rounding.

    Args:
        t: observation times.
        y: magnitudes or fluxes.
        dy: their uncertainties.
        frequency: frequencies (1 / unit of ``t``), any spacing.
        nterms: Fourier terms of the model.

    Returns:
        The power at each frequency, between 0 and 1.

    Raises:
        numpy.linalg.LinAlgError: the fit is singular at some frequency (too few
            points for ``nterms``, or points bunched in phase), as astropy raises.

    Example:
        >>> from astropy.timeseries import LombScargle
        >>> rng = np.random.default_rng(0)
        >>> t = np.sort(rng.uniform(0, 100, 80))
        >>> y = np.sin(2 * np.pi * t / 0.6) ** 3 + rng.normal(0, 0.1, 80)
        >>> dy = np.full(80, 0.1)
        >>> frequency = np.linspace(1.5, 1.8, 50)
        >>> expected = LombScargle(t, y, dy, nterms=4).power(frequency, method="chi2")
        >>> bool(np.allclose(multiharmonic_power(t, y, dy, frequency, 4), expected, rtol=1e-9, atol=1e-12))
        True
    """
    t, y, dy = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(t, y, dy))
    frequency = np.asarray(frequency, dtype=np.float64)
    w = dy**-2.0
    w /= w.sum()
    yw = (y - np.dot(w, y)) / dy
    chi2_ref = np.dot(yw, yw)
    chunk = max(1, MAX_ELEMENTS // max(1, len(t) * (2 * nterms + 1)))
    power = np.concatenate(
        [_model_chi2(t, dy, yw, frequency[i : i + chunk], nterms) for i in range(0, len(frequency), chunk)]
    )
    return power / chi2_ref


def _model_chi2(t, dy, yw, frequency, nterms):
    """chi2 explained by the model, XTy . (XTX)^-1 XTy, for each frequency."""
    columns = [np.broadcast_to(1.0 / dy, (len(frequency), len(t)))]
    for i in range(1, nterms + 1):
        phase = (2 * np.pi * i * frequency)[:, None] * t  # astropy's order of operations
        columns += [np.sin(phase) / dy, np.cos(phase) / dy]
    x = np.stack(columns, axis=-1)  # (frequencies, times, parameters)
    xt = x.transpose(0, 2, 1)
    xty = xt @ yw  # (frequencies, parameters)
    return np.einsum("fp,fp->f", xty, np.linalg.solve(xt @ x, xty[..., None])[..., 0])


def period_candidates(
    ts,
    min_period: float = PERIOD_RANGE[0],
    max_period: float = PERIOD_RANGE[1],
    samples_per_peak: int = 5,
    candidates: int = 10,
    harmonics: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct peaks of a light curve's multi-harmonic periodogram, highest first.

    The first pass sums a single-harmonic Lomb-Scargle periodogram of each band
    (nifty-ls's non-uniform FFT through astropy's ``method="fastnifty"``; on the
    379 Stripe 82 RR Lyrae it finds the same periods as astropy's own ``"fast"``)
    on a grid of ``samples_per_peak`` points per peak width, and keeps its
    ``candidates`` highest peaks. The second sums a ``harmonics``-term
    periodogram of each band (`astrozoo.io.periodogram.multiharmonic_power`) on a
    grid ten times finer around each of them and their daily aliases (± 1 and 2
    cycles per day). Peaks closer than two coarse steps count as one.

    Args:
        ts: a TimeSeries from `astrozoo.io.read_lightcurve` (``mag`` or ``flux``, and ``band``).
        min_period: shortest period searched, days.
        max_period: longest period searched, days.
        samples_per_peak: grid oversampling of the first pass.
        candidates: peaks kept by each pass.
        harmonics: Fourier terms of the second pass's model.

    Returns:
        ``(periods, power)``: up to ``candidates`` periods (days) and their summed power.

    Raises:
        InputError: fewer than 6 observations.
    """
    import nifty_ls  # noqa: F401, PLC0415 (importing it gives astropy's LombScargle method="fastnifty")
    from astropy.timeseries import LombScargle  # noqa: PLC0415

    t = ts.time.mjd
    y, dy = _values(ts)
    bands = np.asarray(ts["band"]).astype(str)
    baseline = max(float(np.ptp(t)), 1e-3)
    step = 1.0 / (samples_per_peak * baseline)
    grid = np.arange(1.0 / max_period, 1.0 / min_period, step)
    groups = [bands == b for b in dict.fromkeys(bands) if (bands == b).sum() >= 6]
    if not groups and len(t) >= 6:  # a few points per band: treat them as one series
        groups = [np.ones(len(t), bool)]
    if not groups:
        raise InputError(
            f"{ts.meta.get('path', 'light curve')!r}: {len(t)} observations are too few to search a "
            "period (expected at least 6)."
        )

    def band_power(m, frequency, nterms, regular_grid):
        # A K-term model has 2K + 1 parameters: a sparse band gets as many terms as its points allow,
        # and fewer where its design matrix is singular (points bunched in phase at some frequency).
        for k in range(max(1, min(nterms, (int(m.sum()) - 1) // 3)), 0, -1):
            try:
                if regular_grid:  # the first pass: nifty-ls's FFT needs an evenly spaced grid
                    return LombScargle(t[m], y[m], dy[m], nterms=k).power(frequency, method="fastnifty")
                return multiharmonic_power(t[m], y[m], dy[m], frequency, k)
            except np.linalg.LinAlgError:
                continue
        return np.zeros(len(frequency))

    def summed_power(frequency, nterms, regular_grid=False):
        return sum(band_power(m, frequency, nterms, regular_grid) for m in groups)

    coarse = summed_power(grid, 1, regular_grid=True)
    best = _highest_peaks(coarse, candidates)
    centres = {float(grid[i]) + alias for i in best for alias in (0.0, -1.0, 1.0, -2.0, 2.0)}
    centres = sorted(f for f in centres if grid[0] - step <= f <= grid[-1] + step)
    fine = np.concatenate([f + np.linspace(-step, step, 21) for f in centres])
    fine = fine[fine > 0]
    power = summed_power(fine, harmonics)
    peaks: list[int] = []
    for i in np.argsort(-power, kind="stable"):  # the first of equal powers, as argmax
        if all(abs(fine[i] - fine[j]) > 2 * step for j in peaks):
            peaks.append(int(i))
            if len(peaks) == candidates:
                break
    return 1.0 / fine[peaks], power[peaks]


def _highest_peaks(power: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` highest local maxima of ``power`` (its maximum if it has none)."""
    peaks = np.flatnonzero((power[1:-1] > power[:-2]) & (power[1:-1] >= power[2:])) + 1
    if not len(peaks):
        return np.array([int(np.argmax(power))])
    return peaks[np.argsort(power[peaks])[::-1][:count]]


def _values(ts) -> tuple[np.ndarray, np.ndarray]:
    if "mag" in ts.colnames:
        return np.asarray(ts["mag"], dtype=np.float64), np.asarray(ts["magerr"], dtype=np.float64)
    flux = np.asarray(ts["flux"], dtype=np.float64)
    return flux, np.asarray(ts["flux_err"], dtype=np.float64)
