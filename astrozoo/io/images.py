"""Reading images: FITS (plain, gzip, tile-compressed, multi-extension), JPEG and PNG."""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.discover import RASTER_SUFFIXES, has_suffix

# Refuse headers claiming more pixels than this before reading any data (1 GiB of float32).
MAX_PIXELS = 1 << 28


class FITSHeaderWarning(UserWarning):
    """A FITS header with non-standard or unprintable cards that was read anyway."""


class PixelScaleWarning(UserWarning):
    """An image whose pixel scale differs from the one a model was trained at."""


@dataclasses.dataclass
class ImageMeta:
    """What is known about an image besides its pixels.

    Attributes:
        path: the file read.
        hdu: index of the HDU the pixels came from (FITS only).
        header: the FITS header (None for JPEG/PNG).
        wcs: celestial `astropy.wcs.WCS`, or None when the header has none.
        pixel_scale_arcsec: pixel scale from the WCS, in arcsec, or None.
        unit: the header's ``BUNIT``, or None.
        band: the header's ``FILTER``/``BAND``, or None.
        mask: boolean (H, W, C) array, True where a pixel is NaN or infinite.
    """

    path: str
    hdu: int | None = None
    header: object = None
    wcs: object = None
    pixel_scale_arcsec: float | None = None
    unit: str | None = None
    band: str | None = None
    mask: np.ndarray | None = None


def read_image(path: str | os.PathLike, hdu: int | str | None = None) -> tuple[np.ndarray, ImageMeta]:
    """Reads an image file as float32 pixels of shape (height, width, channels).

    FITS files may be plain, gzip-, LZW- (``.Z``: astropy 7 or later with the
    uncompresspy package) or tile-compressed (``.fz``); the first HDU with at
    least 2-D image data is used unless ``hdu`` names one (by index or EXTNAME).
    Degenerate axes are dropped, a 3-D cube (C, H, W) becomes (H, W, C),
    BSCALE/BZERO are applied. JPEG and PNG give 1 (grey) or 3 (RGB) channels
    with values 0-255. Non-finite pixels are kept and flagged in ``meta.mask``.

    Args:
        path: image file.
        hdu: FITS HDU index or name; None picks the first with image data.

    Returns:
        ``(pixels, meta)``.

    Raises:
        InputError: missing, unreadable or corrupt file, no image data, all
            pixels invalid, or a header claiming more than `MAX_PIXELS` pixels.

    Example:
        >>> from astropy.utils.data import get_pkg_data_filename
        >>> pixels, meta = read_image(get_pkg_data_filename("io/fits/tests/data/test0.fits", "astropy"))
        >>> pixels.dtype, pixels.ndim
        (dtype('float32'), 3)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected an image file).")
    if has_suffix(path, RASTER_SUFFIXES):
        pixels, meta = _read_raster(path)
    else:
        pixels, meta = _read_fits(path, hdu)
    meta.mask = ~np.isfinite(pixels)
    if meta.mask.all():
        raise InputError(f"{str(path)!r}: every pixel is NaN or infinite.")
    return pixels, meta


def _read_raster(path: Path) -> tuple[np.ndarray, ImageMeta]:
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise InputError(f"{str(path)!r}: {image.width}x{image.height} pixels is too large.")
            mode = "L" if image.mode in ("1", "L", "I", "I;16", "F") else "RGB"
            pixels = np.asarray(image.convert(mode), dtype=np.float32)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise InputError(f"{str(path)!r}: not a readable JPEG/PNG image ({err}).") from None
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    return pixels, ImageMeta(path=str(path))


def _read_fits(path: Path, hdu: int | str | None) -> tuple[np.ndarray, ImageMeta]:
    from astropy.io import fits  # noqa: PLC0415

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
                index, chosen = _choose_hdu(path, hdul, hdu)
                header = chosen.header.copy()
                data = chosen.data
                data = None if data is None else np.array(data, dtype=np.float32)
        except InputError:
            raise
        except (OSError, ValueError, TypeError, EOFError, KeyError, IndexError, MemoryError) as err:
            raise InputError(
                f"{str(path)!r}: not a readable FITS image ({type(err).__name__}: {err}).{_lzw_hint(path)}"
            ) from None
        except ModuleNotFoundError as err:  # astropy reads LZW (.Z) files only with uncompresspy installed
            raise InputError(
                f"{str(path)!r}: not a readable FITS image ({str(err).rstrip('.')}).{_lzw_hint(path)}"
            ) from None
        if data is None or data.size == 0:
            raise InputError(f"{str(path)!r}: HDU {index} holds no image data.")
        pixels = _to_hwc(path, data)
        wcs, scale = _celestial_wcs(header)
    header_problems = [
        str(w.message).strip()
        for w in caught
        if issubclass(w.category, fits.verify.VerifyWarning)
        and not str(w.message).startswith(("Verification reported", "Note:"))
    ]
    if header_problems:
        warnings.warn(
            f"{str(path)!r}: non-standard FITS header, read anyway ({header_problems[0][:200]})",
            FITSHeaderWarning,
            stacklevel=3,
        )
    return pixels, ImageMeta(
        path=str(path),
        hdu=index,
        header=header,
        wcs=wcs,
        pixel_scale_arcsec=scale,
        unit=header.get("BUNIT"),
        band=header.get("FILTER") or header.get("BAND"),
    )


def _lzw_hint(path: Path) -> str:
    """What reading a ``.Z`` file takes, for an error about one (astropy before 7 reads none)."""
    if not has_suffix(path, (".z",)):
        return ""
    return " LZW-compressed (.Z) FITS needs astropy 7 or later and uncompresspy: pip install uncompresspy."


def _choose_hdu(path: Path, hdul, hdu):
    from astropy.io import fits  # noqa: PLC0415

    if hdu is not None:
        try:
            chosen = hdul[hdu]
        except (KeyError, IndexError):
            raise InputError(f"{str(path)!r}: no HDU {hdu!r} (it has {len(hdul)} HDUs).") from None
        _check_size(path, chosen.header)
        return hdul.index_of(hdu) if isinstance(hdu, str) else hdu, chosen
    for index, candidate in enumerate(hdul):
        if not isinstance(candidate, fits.PrimaryHDU | fits.ImageHDU | fits.CompImageHDU):
            continue
        axes = _axes(candidate.header)
        if sum(n > 1 for n in axes) >= 2:
            _check_size(path, candidate.header)
            return index, candidate
    raise InputError(f"{str(path)!r}: no HDU with at least 2-D image data (found {len(hdul)} HDUs).")


def _axes(header) -> list[int]:
    if "ZNAXIS" in header:  # a tile-compressed image seen through its table header
        return [int(header.get(f"ZNAXIS{i}", 0)) for i in range(1, int(header["ZNAXIS"]) + 1)]
    return [int(header.get(f"NAXIS{i}", 0)) for i in range(1, int(header.get("NAXIS", 0)) + 1)]


def _check_size(path: Path, header) -> None:
    pixels = int(np.prod(_axes(header), dtype=np.float64))
    if pixels > MAX_PIXELS:
        raise InputError(
            f"{str(path)!r}: header claims {pixels} pixels ({_axes(header)}), more than the "
            f"{MAX_PIXELS} astrozoo reads; refusing to allocate it."
        )


def _to_hwc(path: Path, data: np.ndarray) -> np.ndarray:
    data = np.squeeze(data)
    if data.ndim == 2:
        return data[..., np.newaxis]
    if data.ndim == 3 and data.shape[0] <= 16:
        return np.moveaxis(data, 0, -1)
    raise InputError(
        f"{str(path)!r}: expected a 2-D image or a (channels, height, width) cube with at most "
        f"16 channels. Received data of shape {data.shape}."
    )


def _celestial_wcs(header):
    from astropy.wcs import WCS, FITSFixedWarning  # noqa: PLC0415
    from astropy.wcs.utils import proj_plane_pixel_scales  # noqa: PLC0415

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(header).celestial
    except Exception:  # noqa: BLE001 (astropy raises many kinds on broken WCS keywords)
        return None, None
    if not wcs.has_celestial:
        return None, None
    scale = float(np.mean(proj_plane_pixel_scales(wcs)) * 3600.0)
    return wcs, scale
