"""SDSS Stripe 82 RR Lyrae: ugriz light curves of RRab and RRc stars with periods (Sesar et al. 2010)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.errors import InputError
from astrozoo.io import read_table

NAME = "rrlyrae_s82"
ORIGIN = "https://faculty.washington.edu/ivezic/sdss/catalogs/S82variables.html (Sesar et al. 2010)"
LICENSE = "Public (SDSS Stripe 82 variable catalogue)"
MANUAL = (
    "Download the light curves and the period table from the origin page and write one CSV per star, "
    "light-curves/<Num>.csv with columns time (MJD), mag, magerr, band (u, g, r, i, z), plus "
    "periods.csv with columns Num, Type (ab or c) and Per (days)."
)
CITATION = "Sesar et al. 2010, ApJ 708, 717"
CLASSES = ("RRab", "RRc")
BANDS = ("u", "g", "r", "i", "z")


def periods(data_dir=None) -> dict[str, tuple[str, float]]:
    """``{star number: (type, period in days)}`` from ``periods.csv``."""
    return _read_periods(data_root(data_dir, NAME) / "periods.csv")


def _read_periods(path: Path) -> dict[str, tuple[str, float]]:
    table = read_table(path)
    return {
        str(n): ("RR" + str(t), float(p))
        for n, t, p in zip(table["Num"], table["Type"], table["Per"], strict=True)
    }


def catalogue_periods(paths) -> np.ndarray:
    """The catalogue period (days) of each light-curve file ``<root>/light-curves/<Num>.csv``.

    Read from the ``periods.csv`` beside the ``light-curves`` folder, so it works
    on a split's paths wherever the data lie.

    Raises:
        InputError: a file's star number is not in the catalogue.
    """
    catalogues: dict[Path, dict] = {}
    found = []
    for path in map(Path, paths):
        root = path.parent.parent
        if root not in catalogues:
            catalogues[root] = _read_periods(root / "periods.csv")
        star = path.name.removesuffix(".csv")
        if star not in catalogues[root]:
            raise InputError(f"{str(path)!r}: star {star} is not in {str(root / 'periods.csv')!r}.")
        found.append(catalogues[root][star][1])
    return np.array(found)


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Splits the light-curve CSV paths; ``y`` is the index in `CLASSES`, ``ids`` the star number."""
    root = data_root(data_dir, NAME)
    catalog = periods(data_dir)
    stars = sorted(n for n in catalog if (root / "light-curves" / f"{n}.csv").is_file())
    paths = np.array([str(root / "light-curves" / f"{n}.csv") for n in stars])
    labels = np.array([CLASSES.index(catalog[n][0]) for n in stars])
    ids = np.array(stars)
    return {n: Split(paths[i], labels[i], ids[i]) for n, i in stratified_split(labels, seed=seed).items()}
