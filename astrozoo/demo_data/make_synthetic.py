"""Writes the synthetic demo inputs shipped in this folder (run: python -m astrozoo.demo_data.make_synthetic).

They let `astrozoo demo` run with no data of the user's. They are made up, not
observations, and `astrozoo demo` labels every prediction on them "synthetic".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20261126)


def radio(path: Path, lobes: list[tuple[float, float, float, float]]) -> None:
    """A 150x150 FIRST-like cutout (Jy/beam, 1.8"/px) with Gaussian components and noise."""
    from astropy.io import fits  # noqa: PLC0415
    from astropy.wcs import WCS  # noqa: PLC0415

    yy, xx = np.mgrid[:150, :150]
    image = RNG.normal(0, 1.5e-4, (150, 150))
    for x0, y0, peak, width in lobes:
        image += peak * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2 * width**2))
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    wcs.wcs.crval, wcs.wcs.crpix, wcs.wcs.cdelt = [150.0, 30.0], [75.5, 75.5], [-0.0005, 0.0005]
    header = wcs.to_header()
    header["BUNIT"] = "JY/BEAM"
    header["COMMENT"] = "SYNTHETIC astrozoo demo image, not an observation"
    hdu = fits.CompImageHDU(
        image.astype("float32"), header=header, compression_type="RICE_1", quantize_level=16
    )
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path, overwrite=True)


def galaxy(path: Path, arms: int) -> None:
    """A 128x128 RGB cutout: an exponential disc, with logarithmic spiral arms if ``arms``."""
    from PIL import Image  # noqa: PLC0415

    yy, xx = np.mgrid[:128, :128] - 63.5
    r, theta = np.hypot(xx, yy), np.arctan2(yy, xx)
    light = np.exp(-r / (10 if arms else 7))
    if arms:
        light *= 1 + 0.8 * np.cos(arms * (theta - 0.35 * np.log1p(r) * 4)) * (r > 6)
    colour = np.stack([light * 1.0, light * 0.85, light * 0.7], axis=-1)
    noise = RNG.normal(0, 0.02, colour.shape)
    pixels = np.clip((colour / colour.max() + noise) * 255, 0, 255).astype("uint8")
    Image.fromarray(pixels).save(path)


def rr_lyrae(path: Path, period: float, amplitude: float, sawtooth: bool) -> None:
    """A Stripe 82-like ugriz light curve: ~60 nights over 8 years, 5 bands each."""
    nights = np.sort(RNG.uniform(51000, 51000 + 8 * 365, 60))
    rows = []
    offsets = {"u": 1.2, "g": 0.2, "r": 0.0, "i": -0.05, "z": -0.1}
    for night in nights:
        for k, band in enumerate("ugriz"):
            t = night + k * 0.0008
            phase = (t / period) % 1.0
            shape = (phase - 0.5) * 2 if sawtooth else np.sin(2 * np.pi * phase)
            mag = 17.0 + offsets[band] + amplitude * (1.3 if band in "ug" else 1.0) * shape / 2
            rows.append((t, mag + RNG.normal(0, 0.02), 0.02, band))
    with open(path, "w", encoding="utf-8") as f:
        f.write("time,mag,magerr,band\n")
        f.writelines(f"{t:.6f},{m:.4f},{e:.3f},{b}\n" for t, m, e, b in rows)


def catalogue(path: Path) -> None:
    """Rows with the columns of every tabular zoo model (SDSS ugriz, OGLE-III features)."""
    header = "name,u,g,r,i,z,I,V,P_1,A_1,R21_1,phi21_1,R31_1,phi31_1"
    rows = [
        "star-like,19.4,17.0,15.9,15.5,15.2,15.2,15.9,0.57,0.6,0.47,3.0,0.31,6.1",
        "galaxy-like,19.9,18.0,17.1,16.7,16.4,17.4,18.5,120.0,1.2,-99.99,-99.99,-99.99,-99.99",
        "quasar-like,19.1,18.9,18.8,18.6,18.6,16.1,16.7,4.2,0.4,0.38,4.5,0.18,2.9",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    radio(HERE / "radio_fri.fits.fz", [(75, 75, 0.02, 3), (66, 80, 0.006, 6), (84, 70, 0.006, 6)])
    radio(HERE / "radio_frii.fits.fz", [(75, 75, 0.002, 2), (45, 90, 0.015, 3), (105, 60, 0.015, 3)])
    galaxy(HERE / "galaxy_spiral.png", arms=2)
    galaxy(HERE / "galaxy_smooth.png", arms=0)
    rr_lyrae(HERE / "rrlyrae_ab.csv", period=0.58, amplitude=1.0, sawtooth=True)
    rr_lyrae(HERE / "rrlyrae_c.csv", period=0.32, amplitude=0.45, sawtooth=False)
    catalogue(HERE / "catalogue.csv")
