"""Cutouts around sky positions, keeping the WCS."""

from __future__ import annotations

import os

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.images import ImageMeta, read_image


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
    from astropy.nddata import Cutout2D, NoOverlapError  # noqa: PLC0415

    pixels, meta = read_image(path, hdu=hdu)
    if meta.wcs is None:
        raise InputError(
            f"{os.fspath(path)!r}: no celestial WCS in the header, so no sky cutout is possible."
        )
    planes = []
    try:
        for channel in range(pixels.shape[-1]):
            piece = Cutout2D(
                pixels[..., channel], position, size, wcs=meta.wcs, mode="partial", fill_value=fill_value
            )
            planes.append(piece.data)
    except NoOverlapError:
        raise InputError(
            f"{os.fspath(path)!r}: position {position.to_string('hmsdms')} is outside the image."
        ) from None
    except ValueError as err:
        raise InputError(f"{os.fspath(path)!r}: cannot cut out {size!r} at {position}: {err}") from None
    data = np.stack(planes, axis=-1).astype(np.float32)
    cut = ImageMeta(
        path=meta.path, hdu=meta.hdu, header=meta.header, wcs=piece.wcs,
        pixel_scale_arcsec=meta.pixel_scale_arcsec, unit=meta.unit, band=meta.band,
        mask=~np.isfinite(data),
    )  # fmt: skip
    return data, cut
