"""What a model reads, one reader per input kind: an image, a light curve, a table's rows.

`astrozoo.predict`, the training recipes' prepare steps and the `astrozoo.data`
pipelines read their inputs through these functions, so that a model is given at
prediction the arrays it was trained on. `read_model_input` picks the reader a
model's `astrozoo.spec.InputSpec` asks for. Values with a unit (a field of view,
a pixel scale, a period) are `astropy.units.Quantity`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from astrozoo.io.cutouts import read_pixels
from astrozoo.io.lightcurves import lightcurve_to_sequence, read_lightcurve
from astrozoo.io.period_search import find_period
from astrozoo.io.tables import numeric_cells, read_table

if TYPE_CHECKING:
    import astropy.units as u

    from astrozoo.spec import InputSpec


@dataclasses.dataclass(frozen=True)
class ImageInput:
    """An image as an image model reads it.

    Attributes:
        pixels: (H, W, C) float32; NaN where the file had none.
        source: the file read.
    """

    pixels: np.ndarray
    source: str


@dataclasses.dataclass(frozen=True)
class LightCurveInput:
    """A light curve as a recurrent model reads it.

    Attributes:
        sequence: (steps, channels) float32, as `astrozoo.io.lightcurve_to_sequence`
            builds it: time (or phase), magnitude, error, one-hot band, and for a
            folded light curve a last channel of log10(period in days), which
            models that fold read as an input.
        period: the period the light curve was folded at, in days, or None.
        source: the file read (or the light curve's ``meta["path"]``).
    """

    sequence: np.ndarray
    period: u.Quantity | None
    source: str


@dataclasses.dataclass(frozen=True)
class TableRows:
    """A table's rows as a table model reads them.

    Attributes:
        values: (rows, columns) float32; empty cells hold the model's missing
            value, or NaN.
        unreadable: (rows, columns) bool, True where a cell held text that does
            not read as a number (its value is NaN).
        columns: the columns read, in model order.
        source: the file read, or ``"table"``.
    """

    values: np.ndarray
    unreadable: np.ndarray
    columns: tuple[str, ...]
    source: str


def read_image_input(
    path: str | os.PathLike,
    channels: int | None = None,
    field_of_view: u.Quantity | None = None,
    pixel_scale: u.Quantity | None = None,
    eight_bit: bool = False,
    size: Sequence[int] | None = None,
    crop_fraction: float = 1.0,
) -> ImageInput:
    """Reads an image file as an image model sees it (`astrozoo.io.read_pixels`), resized if asked.

    Args:
        path: image file (FITS, JPEG, PNG).
        channels: expected number of channels, or None to accept any.
        field_of_view: side of the field the model was trained on (an angle):
            FITS files whose WCS gives a pixel scale are cut to it; None keeps the
            whole image.
        pixel_scale: the pixel scale the model was trained at (an angle per
            pixel); a file whose WCS says otherwise gets a `PixelScaleWarning`.
        eight_bit: the model was trained on 8-bit colour images (values 0-255).
        size: (height, width) to resize to (`resize_image`), or None to keep the
            file's size, as `astrozoo.predict` does (its models resize themselves).
        crop_fraction: central fraction of each side kept before resizing.

    Returns:
        The pixels, float32.

    Raises:
        InputError: the file cannot be read, has the wrong number of channels, or
            holds other than 0-255 values where ``eight_bit`` asks for them.

    Example:
        >>> import astropy.units as u, numpy as np, tempfile, pathlib
        >>> from astropy.io import fits
        >>> from astropy.wcs import WCS
        >>> wcs = WCS(naxis=2)
        >>> wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        >>> wcs.wcs.cdelt = [-0.0005, 0.0005]  # 1.8 arcsec pixels
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "first.fits"
        >>> fits.PrimaryHDU(np.ones((300, 300), "f4"), header=wcs.to_header()).writeto(path)
        >>> read_image_input(path, channels=1, field_of_view=4.5 * u.arcmin).pixels.shape
        (150, 150, 1)
        >>> read_image_input(path, size=(64, 64)).pixels.shape
        (64, 64, 1)
    """
    pixels = read_pixels(path, channels, _arcsec(field_of_view), _arcsec(pixel_scale), eight_bit=eight_bit)
    if size is not None:
        pixels = resize_image(pixels, size, crop_fraction)
    return ImageInput(pixels, os.fspath(path))


def resize_image(pixels: np.ndarray, size: Sequence[int], crop_fraction: float = 1.0) -> np.ndarray:
    """Central crop and antialiased bilinear resize of one (H, W, C) image, as float32.

    Example:
        >>> resize_image(np.ones((40, 30, 3), "f4"), (16, 16), crop_fraction=0.5).shape
        (16, 16, 3)
    """
    import tensorflow as tf  # noqa: PLC0415 (TensorFlow imports slowly; only resizing needs it)

    if crop_fraction < 1.0:
        h, w = pixels.shape[:2]
        ch, cw = round(h * crop_fraction), round(w * crop_fraction)
        top, left = (h - ch) // 2, (w - cw) // 2
        pixels = pixels[top : top + ch, left : left + cw]
    resized = tf.image.resize(pixels, size, method="bilinear", antialias=True)
    return np.asarray(resized, dtype=np.float32)


def read_lightcurve_input(
    source,
    bands: Sequence[str],
    period_search: dict | None = None,
    period: u.Quantity | float | None = None,
    max_length: int | None = None,
) -> LightCurveInput:
    """Reads a light curve as a recurrent model sees it, folded at its period where asked.

    Args:
        source: a light-curve file (`astrozoo.io.read_lightcurve`), or the
            TimeSeries it returned.
        bands: the model's bands, in one-hot order.
        period_search: `astrozoo.io.period_search.find_period` settings (a model's
            ``spec.input.period_search``): the period is searched and the light
            curve folded at it.
        period: fold at this period instead (a time Quantity, or days), e.g. one
            searched before or known from a catalogue.
        max_length: keep at most this many observations (the first ones in time).

    Returns:
        The sequence and the period it was folded at (None when not folded).

    Raises:
        InputError: the file cannot be read, or no observation falls in ``bands``.
        ValueError: both ``period_search`` and ``period`` are given.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "star.csv"
        >>> rows = "".join(f"{50000 + 0.37 * i},{17 + (i % 3) / 10},0.02,g\\n" for i in range(12))
        >>> _ = path.write_text("time,mag,magerr,band\\n" + rows)
        >>> folded = read_lightcurve_input(path, ["g"], period=0.5)
        >>> folded.sequence.shape, folded.period
        ((12, 5), <Quantity 0.5 d>)
        >>> read_lightcurve_input(path, ["g"]).period is None
        True
    """
    import astropy.units as u  # noqa: PLC0415 (astropy imports slowly)

    if period_search is not None and period is not None:
        raise ValueError(
            "Expected period_search (to search the period) or period (to fold at it), not both. "
            f"Received: period_search={period_search!r}, period={period!r}"
        )
    ts = read_lightcurve(source) if isinstance(source, str | os.PathLike) else source
    days = None
    if period_search is not None:
        days = find_period(ts, **period_search)
    elif period is not None:
        days = float(period.to_value(u.day)) if isinstance(period, u.Quantity) else float(period)
    sequence = lightcurve_to_sequence(ts, bands, max_length, period=days)
    named = isinstance(source, str | os.PathLike)
    origin = os.fspath(source) if named else ts.meta.get("path", "light curve")
    return LightCurveInput(sequence, None if days is None else days * u.day, origin)


def read_table_rows(
    table, columns: Sequence[str], missing_value: float | None = None, source: str | None = None
) -> TableRows:
    """Reads the named columns of a table's rows as a table model sees them (`astrozoo.io.numeric_cells`).

    Args:
        table: a table file (`astrozoo.io.read_table`) or an `astropy.table.Table`.
        columns: the columns to read, in model order (as the table names them).
        missing_value: value written for empty cells (NaN by default).
        source: the name errors give the table; by default the file, or ``"table"``.

    Raises:
        MissingColumnsError: a column is missing (an `InputError`).
        InputError: the file cannot be read, or a column holds no number at all.

    Example:
        >>> from astropy.table import Table
        >>> rows = read_table_rows(Table({"r": ["17.5", "oops"], "g": [18.0, 18.5]}), ["g", "r"])
        >>> rows.values.tolist(), rows.unreadable[:, 1].tolist()
        ([[18.0, 17.5], [18.5, nan]], [False, True])
    """
    if isinstance(table, str | os.PathLike):
        source = source or os.fspath(table)
        table = read_table(table)
    source = source or "table"
    values, unreadable = numeric_cells(table, columns, source, missing_value)
    return TableRows(values, unreadable, tuple(columns), source)


def read_model_input(
    path: str | os.PathLike, expected: InputSpec
) -> ImageInput | LightCurveInput | TableRows:
    """Reads a file as the model whose `astrozoo.spec.InputSpec` is ``expected`` reads it.

    Images keep their size (the models resize themselves); light curves of models
    that fold them are folded at the period ``expected.period_search`` finds.

    Example:
        >>> import astrozoo, pathlib
        >>> star = pathlib.Path(astrozoo.__file__).parent / "demo_data" / "rrlyrae_ab.csv"
        >>> folded = read_model_input(star, astrozoo.resolve_spec("rrlyrae-gru").input)
        >>> folded.sequence.shape[1], round(float(folded.period.value), 2)
        (9, 0.58)
    """
    if expected.kind == "lightcurve":
        return read_lightcurve_input(path, expected.bands, period_search=expected.period_search or None)
    if expected.kind == "table":
        return read_table_rows(path, expected.columns, expected.missing_value)
    return read_image_input(
        path, expected.shape[-1], expected.field_of_view, expected.pixel_scale, eight_bit=expected.eight_bit
    )


def _arcsec(angle: u.Quantity | None) -> float | None:
    """An angle in arcsec as a float, for the pixel-level readers."""
    import astropy.units as u  # noqa: PLC0415

    if angle is None:
        return None
    if not isinstance(angle, u.Quantity):
        raise TypeError(
            f"Expected an angle as an astropy Quantity (e.g. 270 * u.arcsec). Received: {angle!r}"
        )
    return float(angle.to_value(u.arcsec))
