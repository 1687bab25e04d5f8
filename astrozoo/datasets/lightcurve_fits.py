"""Kepler, K2 and TESS light-curve FITS files (Kepler-90 quarters and lightkurve test snippets)."""

from __future__ import annotations

from pathlib import Path

from astrozoo.datasets.base import data_root
from astrozoo.datasets.download import Remote

NAME = "lightcurve_fits"
ORIGIN = "NASA MAST (https://archive.stsci.edu/), via google-research/exoplanet-ml and lightkurve test data"
LICENSE = "Public (NASA); test-data packaging Apache-2.0 (exoplanet-ml) and MIT (lightkurve)"
_KEPLER_90 = (
    "https://raw.githubusercontent.com/google-research/exoplanet-ml/master/exoplanet-ml/light_curve/"
    "test_data/0114/011442793/"
)
REMOTE = tuple(
    Remote(_KEPLER_90 + name, f"kepler/{name}")
    for name in (
        "kplr011442793-2009350155506_llc.fits",
        "kplr011442793-2010009091648_llc.fits",
        "kplr011442793-2010174085026_llc.fits",
    )
)  # the Kepler-90 quarters only; lightkurve's test snippets are not downloaded
CITATION = "Borucki et al. 2010 (Kepler); Ricker et al. 2015 (TESS)"


def kepler_files(data_dir=None) -> list[Path]:
    """The Kepler-90 (KIC 11442793) long-cadence light-curve files, by quarter."""
    return sorted((data_root(data_dir, NAME) / "kepler").glob("*_llc.fits"))


def lightkurve_files(data_dir=None) -> list[Path]:
    """lightkurve's TESS/K2 test files (light curves and target-pixel files, some gzipped)."""
    return sorted((data_root(data_dir, NAME) / "lightkurve").glob("*.fits*"))
