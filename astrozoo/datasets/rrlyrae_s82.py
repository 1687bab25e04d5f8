"""SDSS Stripe 82 RR Lyrae: ugriz light curves of RRab and RRc stars with periods (Sesar et al. 2010)."""

from __future__ import annotations

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
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
    table = read_table(data_root(data_dir, NAME) / "periods.csv")
    return {
        str(n): ("RR" + str(t), float(p))
        for n, t, p in zip(table["Num"], table["Type"], table["Per"], strict=True)
    }


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Splits the light-curve CSV paths; ``y`` is the index in `CLASSES`, ``ids`` the star number."""
    root = data_root(data_dir, NAME)
    catalog = periods(data_dir)
    stars = sorted(n for n in catalog if (root / "light-curves" / f"{n}.csv").is_file())
    paths = np.array([str(root / "light-curves" / f"{n}.csv") for n in stars])
    labels = np.array([CLASSES.index(catalog[n][0]) for n in stars])
    ids = np.array(stars)
    return {n: Split(paths[i], labels[i], ids[i]) for n, i in stratified_split(labels, seed=seed).items()}
