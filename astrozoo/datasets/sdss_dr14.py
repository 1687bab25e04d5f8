"""SDSS DR14 spectroscopic objects: ugriz magnitudes labelled STAR, GALAXY or QSO."""

from __future__ import annotations

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.io import read_table
from astrozoo.io.tables import table_features

NAME = "sdss_dr14"
FILE = "sdss_dr14.csv"
ORIGIN = "https://skyserver.sdss.org/dr14/ (SpecObj x PhotoObj query; 8023 rows staged)"
LICENSE = "SDSS data are public (https://www.sdss.org/collaboration/citing-sdss/)"
CITATION = "Abolfathi et al. 2018, ApJS 235, 42 (SDSS DR14)"
FEATURES = ("u", "g", "r", "i", "z")
CLASSES = ("STAR", "GALAXY", "QSO")


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Returns train/validation/test splits: x = ugriz magnitudes, y = class index in `CLASSES`.

    The redshift column is never used as a feature.
    """
    path = data_root(data_dir, NAME) / FILE
    table = read_table(path)
    x = table_features(table, FEATURES, str(path))
    y = np.array([CLASSES.index(c) for c in table["class"]], dtype=np.int64)
    # specobjid is rounded in this file; sky position identifies each object.
    ids = np.array([f"{ra:.6f}{dec:+.6f}" for ra, dec in zip(table["ra"], table["dec"], strict=True)])
    return {name: Split(x[idx], y[idx], ids[idx]) for name, idx in stratified_split(y, seed=seed).items()}
