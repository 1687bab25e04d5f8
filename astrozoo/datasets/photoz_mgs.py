"""SDSS Main Galaxy Sample with spectroscopic redshifts, for photometric-redshift regression."""

from __future__ import annotations

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.datasets.download import Remote
from astrozoo.errors import InputError
from astrozoo.io.tables import read_table

NAME = "photoz_mgs"
FILE = "SDSS_MGS.train"
ORIGIN = "https://github.com/mgckind/MLZ (file mlz/test/SDSS_MGS.train; Carrasco Kind & Brunner)"
LICENSE = "NCSA Open Source License"
REMOTE = (
    Remote(
        "https://raw.githubusercontent.com/mgckind/MLZ/50afc6d38ec88141a88edb037fe6f82dc35dd9c3/mlz/test/SDSS_MGS.train",
        "SDSS_MGS.train",
        sha256="f16579e52e5bdafcb7afda2e98353d671cc446216b73068a16d7558ab0e09c04",
    ),
)
CITATION = "Carrasco Kind & Brunner 2013, MNRAS 432, 1483 (TPZ/MLZ)"
# The file's header line names 18 columns for 19 data columns (the u-band error "eu" is missing);
# `astrozoo.io.read_table` knows this header and reads the real names, listed here.
COLUMNS = (
    "zs", "u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z",
    "eu", "eg", "er", "ei", "ez", "eu-g", "eg-r", "er-i", "ei-z",
)  # fmt: skip
FEATURES = ("u", "g", "r", "i", "z")


def read(data_dir=None):
    """Reads the catalogue as an `astropy.table.Table` with the corrected `COLUMNS`."""
    path = data_root(data_dir, NAME) / FILE
    table = read_table(path)
    if tuple(table.colnames) != COLUMNS:
        raise InputError(f"{str(path)!r}: expected the columns {list(COLUMNS)}; found {table.colnames}.")
    return table


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Returns splits with x = ugriz magnitudes, y = spectroscopic redshift.

    Stratified on redshift deciles so every split covers the whole range.
    """
    table = read(data_dir)
    x = np.column_stack([table[c] for c in FEATURES]).astype(np.float32)
    y = np.asarray(table["zs"], dtype=np.float32)
    deciles = np.digitize(y, np.quantile(y, np.linspace(0.1, 0.9, 9)))
    ids = np.arange(len(y)).astype(str)
    return {
        name: Split(x[idx], y[idx], ids[idx]) for name, idx in stratified_split(deciles, seed=seed).items()
    }
