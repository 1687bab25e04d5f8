"""Galaxy Zoo DECaLS ring galaxies: balanced ring / non-ring colour cutouts with vote fractions."""

from __future__ import annotations

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.io import read_table

NAME = "decals_rings"
ORIGIN = "zoobot example data (https://github.com/mwalmsley/zoobot), Galaxy Zoo DECaLS"
LICENSE = "GPL-3.0 (zoobot example set); DECaLS images are public"
MANUAL = (
    "The galaxy-datasets package (pip install galaxy-datasets; galaxy_datasets.demo_rings) downloads "
    "zoobot's demo_rings images and parquet catalogues; write their rows as catalog.csv with columns "
    "iauname, file (path of the JPEG relative to the folder) and ring (1 or 0)."
)
CITATION = "Walmsley et al. 2022, MNRAS 509, 3966 (Galaxy Zoo DECaLS)"
CLASSES = ("ring", "non_ring")


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Splits the cutouts listed in ``catalog.csv``; ``y`` is 0 for ring, 1 for non-ring."""
    root = data_root(data_dir, NAME)
    table = read_table(root / "catalog.csv")
    paths = np.array([str(root / f) for f in table["file"]])
    labels = np.where(np.asarray(table["ring"]) == 1, 0, 1)
    ids = np.asarray(table["iauname"]).astype(str)
    return {n: Split(paths[i], labels[i], ids[i]) for n, i in stratified_split(labels, seed=seed).items()}
