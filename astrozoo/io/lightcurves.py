"""Reading light curves (multi-band CSV, Kepler/K2/TESS FITS) and turning them into sequences."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.discover import FITS_SUFFIXES, has_suffix

CSV_COLUMNS = ("time", "mag", "magerr", "band")
FLUX_COLUMNS = ("PDCSAP_FLUX", "SAP_FLUX", "FLUX")


def read_lightcurve(path: str | os.PathLike):
    """Reads a light curve as an `astropy.timeseries.TimeSeries`, sorted by time.

    Supported: CSV with columns ``time`` (MJD), ``mag``, ``magerr``, ``band``
    (the Stripe 82 files), and light-curve FITS tables with ``TIME`` and
    ``PDCSAP_FLUX`` or ``SAP_FLUX`` (Kepler, K2, TESS), where cadences flagged in
    ``QUALITY`` or with non-finite flux are dropped.

    Returns:
        A TimeSeries with ``mag``/``magerr`` (CSV) or ``flux``/``flux_err``
        (FITS) and ``band`` columns.

    Raises:
        InputError: missing file, missing columns, or no valid observation.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "star.csv"
        >>> _ = p.write_text("time,mag,magerr,band\\n51081.3,17.2,0.01,g\\n51080.1,17.4,0.01,r\\n")
        >>> ts = read_lightcurve(p)
        >>> [str(band) for band in ts["band"]], len(ts)
        (['r', 'g'], 2)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected a light-curve file).")
    if has_suffix(path, FITS_SUFFIXES):
        ts = _read_fits_lightcurve(path)
    else:
        ts = _read_csv_lightcurve(path)
    if len(ts) == 0:
        raise InputError(f"{str(path)!r}: no valid observation in the light curve.")
    ts.sort("time")
    ts.meta["path"] = str(path)
    return ts


def _read_csv_lightcurve(path: Path):
    from astropy.table import Table  # noqa: PLC0415
    from astropy.time import Time  # noqa: PLC0415
    from astropy.timeseries import TimeSeries  # noqa: PLC0415

    try:
        table = Table.read(path, format="ascii.csv")
    except Exception as err:  # noqa: BLE001 (astropy's ascii readers raise many kinds)
        raise InputError(f"{str(path)!r}: not a readable CSV light curve ({err}).") from None
    missing = [c for c in CSV_COLUMNS if c not in table.colnames]
    if missing:
        raise InputError(
            f"{str(path)!r}: missing light-curve columns {missing}. Expected columns "
            f"{list(CSV_COLUMNS)}; found {table.colnames}."
        )
    try:
        time = np.asarray(table["time"], dtype=np.float64)
        mag = np.asarray(table["mag"], dtype=np.float64)
        err = np.asarray(table["magerr"], dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"{str(path)!r}: non-numeric time, mag or magerr ({error}).") from None
    good = np.isfinite(time) & np.isfinite(mag) & np.isfinite(err)
    bands = np.asarray(table["band"]).astype(str)
    return TimeSeries(
        time=Time(time[good], format="mjd"),
        data={"mag": mag[good], "magerr": err[good], "band": bands[good]},
    )


def _read_fits_lightcurve(path: Path):
    from astropy.io import fits  # noqa: PLC0415
    from astropy.time import Time  # noqa: PLC0415
    from astropy.timeseries import TimeSeries  # noqa: PLC0415

    try:
        with fits.open(path, memmap=False) as hdul:
            hdu = next((h for h in hdul if isinstance(h, fits.BinTableHDU)), None)
            if hdu is None or "TIME" not in hdu.columns.names:
                raise InputError(
                    f"{str(path)!r}: no binary table with a TIME column (expected a light-curve FITS)."
                )
            names = hdu.columns.names
            flux_name = next((n for n in FLUX_COLUMNS if n in names), None)
            if flux_name is None:
                raise InputError(
                    f"{str(path)!r}: no flux column; expected one of {list(FLUX_COLUMNS)}, found {names}."
                )
            data = hdu.data
            time = np.asarray(data["TIME"], dtype=np.float64)
            flux = np.asarray(data[flux_name], dtype=np.float64)
            err_name = flux_name + "_ERR"
            flux_err = (
                np.asarray(data[err_name], dtype=np.float64) if err_name in names else np.zeros_like(flux)
            )
            quality = np.asarray(data["QUALITY"]) if "QUALITY" in names else np.zeros(len(time), int)
            header, primary = hdu.header, hdul[0].header
    except InputError:
        raise
    except (OSError, ValueError, TypeError, EOFError, KeyError) as err:
        raise InputError(
            f"{str(path)!r}: not a readable light-curve FITS ({type(err).__name__}: {err})."
        ) from None
    good = np.isfinite(time) & np.isfinite(flux) & (quality == 0) & (flux != 0)
    offset = float(header.get("BJDREFI", 0)) + float(header.get("BJDREFF", 0))
    band = str(primary.get("TELESCOP") or header.get("TELESCOP") or "flux").lower()
    ts = TimeSeries(
        time=Time(time[good] + offset, format="jd", scale=str(header.get("TIMESYS", "tdb")).lower()),
        data={"flux": flux[good], "flux_err": flux_err[good], "band": np.full(good.sum(), band)},
    )
    ts.meta["flux_column"] = flux_name
    return ts


def lightcurve_to_sequence(ts, bands: Sequence[str], max_length: int | None = None) -> np.ndarray:
    """Turns a light curve into the (steps, 3 + len(bands)) array recurrent models read.

    Channels: days since the first observation, magnitude (flux is converted to
    magnitudes relative to its median, ``-2.5 log10(f / median f)``), its error,
    and a one-hot code of ``bands``. Observations in other bands are dropped.

    Args:
        ts: a TimeSeries from `read_lightcurve`.
        bands: the model's bands, in one-hot order. A single-band model accepts
            a single-band light curve whatever its band is called.
        max_length: keep at most this many observations (the first ones).

    Raises:
        InputError: no observation falls in ``bands``.
    """
    source = ts.meta.get("path", "light curve")
    band = np.asarray(ts["band"]).astype(str)
    if len(bands) == 1 and len(set(band)) == 1:
        band = np.full(len(band), bands[0])
    keep = np.isin(band, list(bands))
    if not keep.any():
        raise InputError(
            f"{source!r}: no observation in the model's bands {list(bands)}; found bands {sorted(set(band))}."
        )
    time, band = ts.time.mjd[keep], band[keep]
    if "mag" in ts.colnames:
        value = np.asarray(ts["mag"], dtype=np.float64)[keep]
        error = np.asarray(ts["magerr"], dtype=np.float64)[keep]
    else:
        flux = np.asarray(ts["flux"], dtype=np.float64)[keep]
        flux_err = np.asarray(ts["flux_err"], dtype=np.float64)[keep]
        positive = flux > 0
        if not positive.any():
            raise InputError(f"{source!r}: no positive flux to convert to magnitudes.")
        time, band, flux, flux_err = time[positive], band[positive], flux[positive], flux_err[positive]
        value = -2.5 * np.log10(flux / np.median(flux))
        error = 2.5 / np.log(10) * np.abs(flux_err / flux)
    onehot = (band[:, np.newaxis] == np.asarray(bands)[np.newaxis, :]).astype(np.float64)
    sequence = np.column_stack([time - time.min(), value, error, onehot]).astype(np.float32)
    return sequence[:max_length] if max_length else sequence
