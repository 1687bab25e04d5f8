"""Galaxy Zoo 2 spiral / non-spiral SDSS gri colour cutouts (424x424 JPEG)."""

from __future__ import annotations

import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, Split, data_root, stratified_split

NAME = "gz2_spirals"
ORIGIN = "https://www.kaggle.com/c/galaxy-zoo-the-galaxy-challenge (Galaxy Zoo 2 images of SDSS DR7)"
LICENSE = "Galaxy Zoo 2 data: CC BY 4.0 (data.galaxyzoo.org); SDSS images are public"
MANUAL = (
    "The cutouts are the Kaggle Galaxy Zoo challenge's images (a Kaggle login is needed): download "
    "images_training_rev1.zip from the origin page, and put the JPEGs, named <GalaxyID>.jpg, in "
    "gz2_spirals/spirals/ and gz2_spirals/non_spirals/ by their Galaxy Zoo 2 labels."
)
CITATION = "Willett et al. 2013, MNRAS 435, 2835 (Galaxy Zoo 2)"
CLASSES = ("spiral", "non_spiral")
FOLDERS = {"spiral": "spirals", "non_spiral": "non_spirals"}


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Splits the JPEG paths; ``y`` is the index in `CLASSES`, ``ids`` the GZ2 galaxy id."""
    root = data_root(data_dir, NAME)
    paths, labels = [], []
    for k, name in enumerate(CLASSES):
        files = sorted((root / FOLDERS[name]).glob("*.jpg"))
        paths += [str(p) for p in files]
        labels += [k] * len(files)
    paths, labels = np.array(paths), np.array(labels)
    ids = np.array([p.rsplit("/", 1)[-1].removesuffix(".jpg") for p in paths])
    return {n: Split(paths[i], labels[i], ids[i]) for n, i in stratified_split(labels, seed=seed).items()}
