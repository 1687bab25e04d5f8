"""Reading light curves (multi-band CSV, Kepler/K2/TESS FITS) and turning them into sequences.

The period search lives in `astrozoo.io.period_search`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.discover import FITS_SUFFIXES, has_suffix
from astrozoo.io.limits import MAX_LIGHTCURVE_POINTS
from astrozoo.io.tables import read_text

CSV_COLUMNS = ("time", "mag", "magerr", "band")
ALERCE_COLUMNS = ("mjd", "magpsf", "sigmapsf", "fid")
ALERCE_BANDS = {1: "g", 2: "r", 3: "i"}
FLUX_COLUMNS = ("PDCSAP_FLUX", "SAP_FLUX", "FLUX")
NO_DATA_MAGNITUDE = 50.0
"""A magnitude or magnitude error this large (in absolute value) is a no-data flag, not a measurement.

Stripe 82's light curves mark missing points with magerr 99.999 (and mag 99.7, 100, or a limit such as
23.6); measured points there reach mag 26.8 and magerr 7.6. Other surveys use 99, 99.99 or -99."""


class NoDataWarning(UserWarning):
    """Observations with no data were dropped: an empty cell, or a magnitude or error that is a
    no-data flag (e.g. 99.999)."""


def read_lightcurve(path: str | os.PathLike):
    """Reads a light curve as an `astropy.timeseries.TimeSeries`, sorted by time.

    Supported: magnitude tables with columns ``time`` (MJD), ``mag``, ``magerr``,
    ``band`` (any letter case), as CSV (the Stripe 82 files) or as a FITS binary
    table; and light-curve FITS tables with ``TIME`` and ``PDCSAP_FLUX`` or
    ``SAP_FLUX`` (Kepler, K2, TESS), where cadences flagged in ``QUALITY`` or
    with non-finite flux are dropped.

    Returns:
        A TimeSeries with ``mag``/``magerr`` (CSV) or ``flux``/``flux_err``
        (FITS) and ``band`` columns.

    Observations with an empty time, mag or magerr cell, or a no-data flag
    (`NO_DATA_MAGNITUDE`), are dropped with a `NoDataWarning` that counts them.

    Raises:
        InputError: missing file, missing columns, no valid observation, more
            than `astrozoo.io.limits.MAX_LIGHTCURVE_POINTS` observations, or a
            file over the input budget.

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

    text = read_text(path)  # within the input budget, however well the file is compressed
    try:
        table = Table.read(text.splitlines(), format="ascii.csv")
    except Exception as err:  # noqa: BLE001 (astropy's ascii readers raise many kinds)
        raise InputError(f"{str(path)!r}: not a readable CSV light curve ({err}).") from None
    if all(c in table.colnames for c in ALERCE_COLUMNS) and _magnitude_columns(table.colnames) is None:
        objects = _alerce_objects(table, path)
        if len(objects) != 1:
            raise InputError(
                f"{str(path)!r}: ALeRCE detections of {len(objects)} objects; expected one per file "
                "(use read_alerce_detections for a multi-object file)."
            )
        return next(iter(objects.values()))
    return _magnitude_lightcurve(table, path)


def _magnitude_columns(names) -> dict | None:
    """``{"time": actual name, ...}`` when a table has every `CSV_COLUMNS` column (any case)."""
    lower = {name.lower(): name for name in names}
    if all(c in lower for c in CSV_COLUMNS):
        return {c: lower[c] for c in CSV_COLUMNS}
    return None


def _magnitude_lightcurve(table, path: Path):
    """A TimeSeries from a table with time (MJD), mag, magerr and band columns."""
    from astropy.time import Time  # noqa: PLC0415
    from astropy.timeseries import TimeSeries  # noqa: PLC0415

    columns = _magnitude_columns(table.colnames)
    if columns is None:
        missing = [c for c in CSV_COLUMNS if c not in {n.lower() for n in table.colnames}]
        raise InputError(
            f"{str(path)!r}: missing light-curve columns {missing}. Expected columns "
            f"{list(CSV_COLUMNS)}; found {table.colnames}."
        )
    check_points(path, len(table))
    try:
        time, mag, err = (_with_nan(table[columns[c]]) for c in ("time", "mag", "magerr"))
    except (TypeError, ValueError) as error:
        raise InputError(f"{str(path)!r}: non-numeric time, mag or magerr ({error}).") from None
    good = np.isfinite(time) & np.isfinite(mag) & np.isfinite(err)
    if not good.all():
        empty = {"time": time, "mag": mag, "magerr": err}
        counts = ", ".join(f"{n} in {c}" for c, v in empty.items() if (n := int((~np.isfinite(v)).sum())))
        warnings.warn(
            f"{str(path)!r}: dropped {(~good).sum()} of {len(good)} observations with an empty or non-finite "
            f"time, mag or magerr ({counts}).",
            NoDataWarning,
            stacklevel=4,
        )
    flagged = good & ((np.abs(mag) >= NO_DATA_MAGNITUDE) | (np.abs(err) >= NO_DATA_MAGNITUDE) | (err < 0))
    if flagged.any():
        example = f"mag {mag[flagged][0]:g}, magerr {err[flagged][0]:g}"
        warnings.warn(
            f"{str(path)!r}: dropped {flagged.sum()} of {good.sum()} observations whose mag or magerr is a "
            f"no-data flag (|value| >= {NO_DATA_MAGNITUDE:g} or a negative error; e.g. {example}).",
            NoDataWarning,
            stacklevel=4,
        )
        good &= ~flagged
    bands = np.char.strip(np.asarray(table[columns["band"]]).astype(str))
    return TimeSeries(
        time=Time(time[good], format="mjd"),
        data={"mag": mag[good], "magerr": err[good], "band": bands[good]},
    )


def _with_nan(column) -> np.ndarray:
    """A column as float64 with NaN in its empty (masked) cells, which ``np.asarray`` would fill with 0."""
    values = np.array(np.ma.getdata(column), dtype=np.float64)
    values[np.ma.getmaskarray(column)] = np.nan
    return values


def check_points(source: str | os.PathLike, points: int) -> None:
    """Refuses a light curve of more than `MAX_LIGHTCURVE_POINTS` observations.

    Example:
        >>> check_points("star.csv", 300)  # nothing happens
    """
    if points > MAX_LIGHTCURVE_POINTS:
        raise InputError(
            f"{os.fspath(source)!r}: {points} observations, more than the {MAX_LIGHTCURVE_POINTS} astrozoo "
            "reads in one light curve (the period search's cost grows with them); bin it, or split it "
            "into seasons, first."
        )


def _read_fits_lightcurve(path: Path):
    from astropy.io import fits  # noqa: PLC0415
    from astropy.time import Time  # noqa: PLC0415
    from astropy.timeseries import TimeSeries  # noqa: PLC0415

    try:
        with fits.open(path, memmap=False) as hdul:
            hdu = next((h for h in hdul if isinstance(h, fits.BinTableHDU)), None)
            if hdu is not None and _magnitude_columns(hdu.columns.names):
                from astropy.table import Table  # noqa: PLC0415

                return _magnitude_lightcurve(Table(hdu.data), path)
            if hdu is None or "TIME" not in hdu.columns.names:
                raise InputError(
                    f"{str(path)!r}: no binary table with a TIME column (expected a light-curve FITS) "
                    f"or with columns {list(CSV_COLUMNS)}."
                )
            names = hdu.columns.names
            flux_name = next((n for n in FLUX_COLUMNS if n in names), None)
            if flux_name is None:
                raise InputError(
                    f"{str(path)!r}: no flux column; expected one of {list(FLUX_COLUMNS)}, found {names}."
                )
            check_points(path, hdu.header.get("NAXIS2", 0))
            data = hdu.data
            time = np.asarray(data["TIME"], dtype=np.float64)
            flux = np.asarray(data[flux_name], dtype=np.float64)
            if flux.ndim != 1:
                raise InputError(
                    f"{str(path)!r}: column {flux_name} holds {flux.shape[1:]} pixels per cadence: this is a "
                    "target-pixel file, not a light curve (expected one flux value per cadence)."
                )
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


def read_alerce_detections(path: str | os.PathLike) -> dict:
    """Reads an ALeRCE detections CSV (``oid`` or ``objectId``, ``mjd``, ``magpsf``, ``sigmapsf``, ``fid``).

    Returns:
        ``{object id: TimeSeries}`` with ``mag``, ``magerr`` and ``band``
        (``fid`` 1, 2, 3 = ZTF g, r, i), each sorted by time.

    Raises:
        InputError: missing file or columns.
    """
    from astropy.table import Table  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected ALeRCE detections CSV).")
    try:
        table = Table.read(path, format="ascii.csv")
    except Exception as err:  # noqa: BLE001 (astropy's ascii readers raise many kinds)
        raise InputError(f"{str(path)!r}: not a readable CSV ({err}).") from None
    return _alerce_objects(table, path)


def _alerce_objects(table, path: Path) -> dict:
    from astropy.time import Time  # noqa: PLC0415
    from astropy.timeseries import TimeSeries  # noqa: PLC0415

    id_column = next((c for c in ("oid", "objectId") if c in table.colnames), None)
    missing = [c for c in ALERCE_COLUMNS if c not in table.colnames] + ([] if id_column else ["oid"])
    if missing:
        raise InputError(f"{str(path)!r}: missing ALeRCE columns {missing}; found {table.colnames}.")
    objects = {}
    ids = np.asarray(table[id_column]).astype(str)
    for oid in dict.fromkeys(ids):
        rows = table[ids == oid]
        mag = np.asarray(rows["magpsf"], dtype=np.float64)
        err = np.asarray(rows["sigmapsf"], dtype=np.float64)
        time = np.asarray(rows["mjd"], dtype=np.float64)
        good = np.isfinite(mag) & np.isfinite(err) & np.isfinite(time)
        bands = np.array([ALERCE_BANDS.get(int(f), f"fid{int(f)}") for f in rows["fid"]])
        ts = TimeSeries(
            time=Time(time[good], format="mjd"),
            data={"mag": mag[good], "magerr": err[good], "band": bands[good]},
        )
        ts.sort("time")
        ts.meta["path"], ts.meta["object"] = f"{path}:{oid}", oid
        objects[oid] = ts
    return objects


def lightcurve_to_sequence(
    ts, bands: Sequence[str], max_length: int | None = None, period: float | None = None
) -> np.ndarray:
    """Turns a light curve into the (steps, 3 + len(bands)) array recurrent models read.

    Channels: days since the first observation, magnitude (flux is converted to
    magnitudes relative to its median, ``-2.5 log10(f / median f)``), its error,
    and a one-hot code of ``bands``. Observations in other bands are dropped.

    Args:
        ts: a TimeSeries from `read_lightcurve`.
        bands: the model's bands, in one-hot order. A single-band model accepts
            a single-band light curve whatever its band is called.
        max_length: keep at most this many observations (the first ones in time).
        period: if given (days), the time channel becomes the phase in [0, 1),
            observations are ordered by phase (a folded light curve), and a last
            channel holds log10(period).

    Raises:
        InputError: no observation falls in ``bands``.
    """
    source = ts.meta.get("path", "light curve")
    band = np.asarray(ts["band"]).astype(str)
    if len(bands) == 1 and len(set(band)) == 1:
        band = np.full(len(band), bands[0])
    keep = np.isin(band, list(bands))
    if not keep.any():
        found = sorted({str(b) for b in band})
        other_case = [b for b in found if b.lower() in {m.lower() for m in bands}]
        hint = (
            f" Band names are case-sensitive (Johnson-Cousins U, R, I are not SDSS u, r, i): if {other_case} "
            "are the model's bands, write them as it names them."
            if other_case
            else ""
        )
        raise InputError(
            f"{source!r}: no observation in the model's bands {list(bands)}; found bands {found}.{hint}"
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
    order = np.argsort(time, kind="stable")[:max_length]  # the first observations in time
    time, value, error, band = time[order], value[order], error[order], band[order]
    onehot = (band[:, np.newaxis] == np.asarray(bands)[np.newaxis, :]).astype(np.float64)
    clock = np.mod(time, period) / period if period else time - time[0]
    sequence = np.column_stack([clock, value, error, onehot])
    if period:
        sequence = np.column_stack([sequence, np.full(len(sequence), np.log10(period))])
        sequence = sequence[np.argsort(clock, kind="stable")]
    return sequence.astype(np.float32)


def sequence_channels(bands: Sequence[str], folded: bool = False) -> int:
    """How many channels `lightcurve_to_sequence` gives a light curve in ``bands`` (folded or not).

    Example:
        >>> sequence_channels(list("ugriz"), folded=True)
        9
    """
    return 3 + len(bands) + int(folded)


def pad_sequences(
    sequences: Sequence[np.ndarray], length: int | None = None, channels: int | None = None
) -> np.ndarray:
    """Stacks (steps, channels) sequences into one float32 batch, padded at the end with all-zero steps.

    The recurrent models mask all-zero steps, so a padded light curve reads as the
    light curve itself.

    Args:
        sequences: `lightcurve_to_sequence` arrays, all with the same channels.
        length: steps of the batch; by default the longest sequence's.
        channels: channels of the batch; by default the sequences' (needed when
            there is none).

    Raises:
        ValueError: a sequence is longer than ``length``, or there is no sequence
            and no ``channels``.

    Example:
        >>> batch = pad_sequences([np.ones((2, 4)), np.ones((3, 4))])
        >>> batch.shape, batch[0, 2].tolist()
        ((2, 3, 4), [0.0, 0.0, 0.0, 0.0])
    """
    if channels is None:
        if not len(sequences):
            raise ValueError("Expected at least one sequence, or channels for an empty batch. Received: none")
        channels = sequences[0].shape[1]
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else length
    if longest > length:
        raise ValueError(f"Expected sequences of at most {length} steps. Received: one of {longest} steps")
    batch = np.zeros((len(sequences), length, channels), dtype=np.float32)
    for i, sequence in enumerate(sequences):
        batch[i, : len(sequence)] = sequence
    return batch
