"""SDSS DR14 spectroscopic objects: ugriz magnitudes labelled STAR, GALAXY or QSO."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.datasets.download import Remote
from astrozoo.folders.integrity import atomic_write_text
from astrozoo.io import read_table
from astrozoo.io.tables import table_features

NAME = "sdss_dr14"
FILE = "sdss_dr14.csv"
ORIGIN = "https://skyserver.sdss.org/dr14/ (SpecObj x PhotoObj query; 8023 rows staged)"
# The same kind of sample from SkyServer's SQL service (the classic "TOP 10000" DR14 query); it
# has no ORDER BY, so it is not row for row the staged file, and there is no fixed checksum.
QUERY = (
    "SELECT TOP 10000 p.objid, p.ra, p.dec, p.u, p.g, p.r, p.i, p.z, p.run, p.rerun, p.camcol, p.field, "
    "s.specobjid, s.z AS redshift, s.plate, s.mjd, s.fiberid, s.class "
    "FROM PhotoObj AS p JOIN SpecObj AS s ON s.bestobjid = p.objid "
    "WHERE p.u BETWEEN 0 AND 19.6 AND p.g BETWEEN 0 AND 20"
)
REMOTE = (
    Remote(
        "https://skyserver.sdss.org/dr14/SkyServerWS/SearchTools/SqlSearch?"
        + urllib.parse.urlencode({"cmd": QUERY, "format": "csv"}),
        FILE,
    ),
)
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


def finish_download(folder: Path) -> None:
    """Drops the ``#Table1`` line SkyServer puts above the CSV header."""
    path = Path(folder) / FILE
    lines = path.read_text().splitlines(keepends=True)
    if lines and lines[0].startswith("#Table"):
        atomic_write_text(path, "".join(lines[1:]))
