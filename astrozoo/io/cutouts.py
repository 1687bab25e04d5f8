"""Cutouts: around sky positions keeping the WCS, or the central field a model was trained on."""

from __future__ import annotations

import os
import warnings

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.images import ImageMeta, PixelScaleWarning, read_image


def cutout(path: str | os.PathLike, position, size, hdu: int | str | None = None, fill_value=np.nan):
    """Cuts a square or rectangular region around a sky position out of a FITS image.

    Uses `astropy.nddata.Cutout2D`; the returned meta carries the cutout's WCS,
    so its pixels still map to the sky. Regions running off the image edge are
    filled with ``fill_value`` (and flagged in ``meta.mask``).

    Args:
        path: FITS image with a celestial WCS.
        position: an `astropy.coordinates.SkyCoord`.
        size: a Quantity in angular units (``30 * u.arcsec``) or pixels
            (``64 * u.pix``), or a pair of them (height, width).
        hdu: HDU index or name, as for `read_image`.
        fill_value: value for pixels outside the image.

    Returns:
        ``(pixels, meta)`` as `read_image` returns them, for the cutout.

    Raises:
        InputError: the image has no celestial WCS or the position is outside it.

    Example:
        >>> import astropy.units as u
        >>> from astropy.coordinates import SkyCoord
        >>> from astropy.io import fits
        >>> from astropy.wcs import WCS
        >>> import numpy as np, tempfile, pathlib
        >>> wcs = WCS(naxis=2)
        >>> wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        >>> wcs.wcs.crval, wcs.wcs.crpix, wcs.wcs.cdelt = [150.0, 2.0], [50.5, 50.5], [-0.0005, 0.0005]
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "field.fits"
        >>> fits.PrimaryHDU(np.ones((100, 100), "f4"), header=wcs.to_header()).writeto(path)
        >>> pixels, meta = cutout(path, SkyCoord(150.0, 2.0, unit="deg"), 18 * u.arcsec)
        >>> pixels.shape, round(meta.pixel_scale_arcsec, 2)
        ((10, 10, 1), 1.8)
    """
    from astropy.nddata import NoOverlapError  # noqa: PLC0415

    pixels, meta = read_image(path, hdu=hdu)
    if meta.wcs is None:
        raise InputError(
            f"{os.fspath(path)!r}: no celestial WCS in the header, so no sky cutout is possible."
        )
    try:
        data, wcs = _cut_channels(pixels, position, size, meta.wcs, fill_value)
    except NoOverlapError:
        raise InputError(
            f"{os.fspath(path)!r}: position {position.to_string('hmsdms')} is outside the image."
        ) from None
    except ValueError as err:
        raise InputError(f"{os.fspath(path)!r}: cannot cut out {size!r} at {position}: {err}") from None
    cut = ImageMeta(
        path=meta.path, hdu=meta.hdu, header=meta.header, wcs=wcs,
        pixel_scale_arcsec=meta.pixel_scale_arcsec, unit=meta.unit, band=meta.band,
        mask=~np.isfinite(data),
    )  # fmt: skip
    return data, cut


def central_field(pixels: np.ndarray, meta: ImageMeta, field_arcsec: float) -> np.ndarray:
    """The central ``field_arcsec`` x ``field_arcsec`` square of an image, by its pixel scale.

    A model trained on cutouts of a fixed angular size should see that size:
    a larger cutout shrunk to the model's input would show every source too
    small. The side in pixels is ``round(field_arcsec / meta.pixel_scale_arcsec)``;
    an image smaller than that is padded with NaN (which models treat as
    blank sky). Uses `astropy.nddata.Cutout2D` in pixel coordinates.

    Args:
        pixels: (H, W, C) pixels from `read_image`.
        meta: their `ImageMeta`; without a pixel scale (no WCS, JPEG, PNG) the
            pixels are returned unchanged.
        field_arcsec: side of the square field, in arcsec.

    Returns:
        The central field, (N, N, C) float32, or ``pixels`` unchanged.

    Example:
        >>> import numpy as np
        >>> from astrozoo.io import ImageMeta
        >>> meta = ImageMeta(path="first.fits", pixel_scale_arcsec=1.8)
        >>> central_field(np.ones((300, 300, 1), "f4"), meta, 270.0).shape
        (150, 150, 1)
        >>> padded = central_field(np.ones((100, 100, 1), "f4"), meta, 270.0)
        >>> padded.shape, int(np.isfinite(padded).sum())
        ((150, 150, 1), 10000)
    """
    if not meta.pixel_scale_arcsec:
        return pixels
    side = max(1, round(float(field_arcsec) / meta.pixel_scale_arcsec))
    height, width = pixels.shape[:2]
    if (height, width) == (side, side):
        return pixels
    centre = ((width - 1) / 2.0, (height - 1) / 2.0)  # (x, y), as Cutout2D wants it
    return _cut_channels(pixels, centre, side)[0]


def _cut_channels(pixels: np.ndarray, position, size, wcs=None, fill_value=np.nan):
    """`astropy.nddata.Cutout2D` of every channel of (H, W, C) pixels: ``(float32 cutout, its WCS)``."""
    from astropy.nddata import Cutout2D  # noqa: PLC0415

    pieces = [
        Cutout2D(pixels[..., c], position, size, wcs=wcs, mode="partial", fill_value=fill_value, copy=True)
        for c in range(pixels.shape[-1])
    ]
    return np.stack([piece.data for piece in pieces], axis=-1).astype(np.float32), pieces[-1].wcs


def read_pixels(
    path: str | os.PathLike,
    channels: int | None = None,
    field_of_view_arcsec: float | None = None,
    pixel_scale_arcsec: float | None = None,
    eight_bit: bool = False,
) -> np.ndarray:
    """Reads an image file as an image model sees it.

    Checks the number of channels, then cuts the central ``field_of_view_arcsec``
    out of images whose WCS gives a pixel scale (see `central_field`); the model
    itself then crops and resizes. `astrozoo.predict` and the training loaders
    (`astrozoo.data.load_images`, `astrozoo.data.image_dataset`) read files
    through this function, so training and prediction see the same field.
    An image over the input budget (`astrozoo.io.limits`) is read only around
    that field where it can be (see `read_image`).

    Args:
        path: image file (FITS, JPEG, PNG).
        channels: expected number of channels, or None to accept any.
        field_of_view_arcsec: side of the field the model was trained on, or None
            to keep the whole image.
        pixel_scale_arcsec: pixel scale the model was trained at; a file whose
            WCS says otherwise (by more than 5%) gets a `PixelScaleWarning`.
        eight_bit: the model was trained on 8-bit colour images (0-255): a FITS
            file with values outside that range (fluxes, say) is refused rather
            than shown to the model as if it were one.

    Returns:
        (H, W, C) float32 pixels; NaN where the file had none.

    Raises:
        InputError: the file cannot be read, has the wrong number of channels, or
            holds other than 0-255 values where ``eight_bit`` asks for them.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> from astropy.io import fits
        >>> from astropy.wcs import WCS
        >>> wcs = WCS(naxis=2)
        >>> wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        >>> wcs.wcs.cdelt = [-0.0005, 0.0005]  # 1.8 arcsec pixels
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "first.fits"
        >>> fits.PrimaryHDU(np.ones((300, 300), "f4"), header=wcs.to_header()).writeto(path)
        >>> read_pixels(path, channels=1, field_of_view_arcsec=270.0).shape
        (150, 150, 1)
    """
    pixels, meta = read_image(path, field_arcsec=field_of_view_arcsec)
    if channels is not None and pixels.shape[-1] != channels:
        raise InputError(
            f"{os.fspath(path)!r}: expected a {channels}-channel image; "
            f"this image has {pixels.shape[-1]} channel(s) (shape {pixels.shape})."
        )
    if eight_bit and meta.header is not None:
        _check_eight_bit(pixels, meta)
    found = meta.pixel_scale_arcsec
    if pixel_scale_arcsec and found and abs(found / pixel_scale_arcsec - 1.0) > 0.05:
        warnings.warn(
            f"{os.fspath(path)!r}: pixel scale {found:.3g} arcsec, the model was trained at "
            f"{pixel_scale_arcsec:g} arcsec; the image is resampled to the model's grid, but its "
            "resolution differs from the training data's.",
            PixelScaleWarning,
            stacklevel=2,
        )
    if field_of_view_arcsec:
        pixels = central_field(pixels, meta, field_of_view_arcsec)
    return pixels


def _check_eight_bit(pixels: np.ndarray, meta: ImageMeta) -> None:
    finite = pixels[np.isfinite(pixels)]
    low, high = float(finite.min()), float(finite.max())
    if low < -0.5 or high > 255.5:
        unit = f" ({meta.unit})" if meta.unit else ""
        raise InputError(
            f"{meta.path!r}: the model was trained on 8-bit colour images (values 0-255, as in JPEG "
            f"cutouts); this FITS image holds values from {low:.4g} to {high:.4g}{unit}. Give the survey's "
            "JPEG/PNG cutout, or render the bands to 8-bit colour first (e.g. "
            "astropy.visualization.make_lupton_rgb, reddest band as red)."
        )
