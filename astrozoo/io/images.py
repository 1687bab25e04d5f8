"""Reading images: FITS (plain, gzip, tile-compressed, multi-extension), JPEG and PNG."""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.discover import RASTER_SUFFIXES, has_suffix
from astrozoo.io.limits import RAISE_BUDGET, LargeInputWarning, check_decoded, max_decoded_bytes

_JPEG_SCALES = (2, 4, 8)
"""The reductions a JPEG decoder makes while decoding (Pillow's ``Image.draft``)."""


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


def read_image(
    path: str | os.PathLike, hdu: int | str | None = None, field_arcsec: float | None = None
) -> tuple[np.ndarray, ImageMeta]:
    """Reads an image file as float32 pixels of shape (height, width, channels).

    FITS files may be plain, gzip-, LZW- (``.Z``: astropy 7 or later with the
    uncompresspy package) or tile-compressed (``.fz``); the first HDU with at
    least 2-D image data is used unless ``hdu`` names one (by index or EXTNAME).
    Degenerate axes are dropped, a 3-D cube (C, H, W) becomes (H, W, C),
    BSCALE/BZERO are applied. JPEG and PNG give 1 (grey) or 3 (RGB) channels
    with values 0-255. Non-finite pixels are kept and flagged in ``meta.mask``.

    An image whose float32 pixels would exceed the input budget
    (`astrozoo.io.limits`) is refused from its header, before it is decoded,
    except where a smaller read serves: a JPEG is decoded at 1/2, 1/4 or 1/8
    scale (Pillow's ``draft``) and a FITS image whose WCS gives a pixel scale is
    read only around its centre when ``field_arcsec`` asks for a field that fits
    (a section read); either gives a `LargeInputWarning`.

    Args:
        path: image file.
        hdu: FITS HDU index or name; None picks the first with image data.
        field_arcsec: the side of the central field the caller will keep, if
            that is all it needs (see `astrozoo.io.central_field`).

    Returns:
        ``(pixels, meta)``.

    Raises:
        InputError: missing, unreadable or corrupt file, no image data, all
            pixels invalid, or more pixels than the input budget allows.

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
        pixels, meta = _read_fits(path, hdu, field_arcsec)
    meta.mask = ~np.isfinite(pixels)
    if meta.mask.all():
        raise InputError(f"{str(path)!r}: every pixel is NaN or infinite.")
    return pixels, meta


def _read_raster(path: Path) -> tuple[np.ndarray, ImageMeta]:
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the budget below decides
            with Image.open(path) as image:
                mode = "L" if image.mode in ("1", "L", "I", "I;16", "F") else "RGB"
                _fit_raster(path, image, mode)
                pixels = np.asarray(image.convert(mode), dtype=np.float32)
    except InputError:
        raise
    except Image.DecompressionBombError as err:
        raise InputError(f"{str(path)!r}: refused by Pillow as a decompression bomb ({err}).") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise InputError(f"{str(path)!r}: not a readable JPEG/PNG image ({err}).") from None
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    return pixels, ImageMeta(path=str(path))


def _fit_raster(path: Path, image, mode: str) -> None:
    """Refuses an image over the budget from its size, before decoding; a JPEG is decoded smaller instead."""
    channels = 1 if mode == "L" else 3
    width, height = image.size
    decoded = width * height * channels * 4
    if decoded > max_decoded_bytes() and image.format == "JPEG":
        fits = [
            s for s in _JPEG_SCALES if -(-width // s) * -(-height // s) * channels * 4 <= max_decoded_bytes()
        ]
        scale = fits[0] if fits else None
        if scale is not None:
            image.draft(mode, (-(-width // scale), -(-height // scale)))
            warnings.warn(
                f"{str(path)!r}: {width}x{height} pixels decode to more than the input budget; read at "
                f"{image.width}x{image.height} (1/{scale} scale) instead.",
                LargeInputWarning,
                stacklevel=4,
            )
            width, height = image.size
    check_decoded(path, width * height * channels * 4, f"{width}x{height}x{channels} float32 pixels")


def _read_fits(
    path: Path, hdu: int | str | None, field_arcsec: float | None = None
) -> tuple[np.ndarray, ImageMeta]:
    from astropy.io import fits  # noqa: PLC0415

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
                index, chosen = _choose_hdu(path, hdul, hdu)
                header, reduced = chosen.header.copy(), ""
                if _decoded_bytes(header) > max_decoded_bytes():
                    data, header, reduced = _central_section(path, chosen, header, field_arcsec)
                else:
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
    if reduced:
        warnings.warn(reduced, LargeInputWarning, stacklevel=3)
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
        return hdul.index_of(hdu) if isinstance(hdu, str) else hdu, chosen
    for index, candidate in enumerate(hdul):
        if not isinstance(candidate, fits.PrimaryHDU | fits.ImageHDU | fits.CompImageHDU):
            continue
        axes = _axes(candidate.header)
        if sum(n > 1 for n in axes) >= 2:
            return index, candidate
    raise InputError(f"{str(path)!r}: no HDU with at least 2-D image data (found {len(hdul)} HDUs).")


def _axes(header) -> list[int]:
    if "ZNAXIS" in header:  # a tile-compressed image seen through its table header
        return [int(header.get(f"ZNAXIS{i}", 0)) for i in range(1, int(header["ZNAXIS"]) + 1)]
    return [int(header.get(f"NAXIS{i}", 0)) for i in range(1, int(header.get("NAXIS", 0)) + 1)]


def _decoded_bytes(header) -> float:
    """The float32 pixels a FITS header's data become, in bytes (a float: headers can claim any size)."""
    return float(np.prod(_axes(header), dtype=np.float64)) * 4


def _central_section(path: Path, hdu, header, field_arcsec: float | None):
    """``(data, header, note for a warning)``: the central part of an image over the budget that
    holds a ``field_arcsec`` field, read as a section; refuses the image where its WCS gives no pixel
    scale or the field is too big.

    The window is the field plus a pixel each side, of the image's parity along each axis, so that
    it has the image's centre and `astrozoo.io.central_field` cuts the same pixels from it as from
    the whole image.
    """
    axes = _axes(header)
    shape = f"{'x'.join(str(n) for n in reversed(axes))} float32 pixels"
    scale = _celestial_wcs(header)[1] if field_arcsec and len(axes) >= 2 else None
    if not scale:
        check_decoded(path, _decoded_bytes(header), shape)
    side = max(1, round(float(field_arcsec) / scale))
    width, height = axes[0], axes[1]
    window = [min(n, side + 2 + (n - side) % 2) for n in (height, width)]
    rest = float(np.prod(axes[2:], dtype=np.float64))
    needed = rest * window[0] * window[1] * 4
    if needed > max_decoded_bytes():
        raise InputError(
            f"{str(path)!r}: decodes to {_decoded_bytes(header) / (1 << 20):.1f} MiB ({shape}), and even its "
            f"central {field_arcsec:g} arcsec field would take {needed / (1 << 20):.1f} MiB; {RAISE_BUDGET}"
        )
    top, left = (height - window[0]) // 2, (width - window[1]) // 2
    rows, columns = slice(top, top + window[0]), slice(left, left + window[1])
    data = hdu.section[(slice(None),) * (len(axes) - 2) + (rows, columns)]
    header["NAXIS1"], header["NAXIS2"] = window[1], window[0]
    for axis, start in ((1, left), (2, top)):  # the window's WCS: its reference pixel moves with it
        if f"CRPIX{axis}" in header:
            header[f"CRPIX{axis}"] = float(header[f"CRPIX{axis}"]) - start
    note = (
        f"{str(path)!r}: {shape} are more than the input budget; read only the central "
        f"{window[1]}x{window[0]} pixels, which hold the model's {field_arcsec:g} arcsec field."
    )
    return data, header, note


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
