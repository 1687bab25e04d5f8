"""ZTF supernova light curves in ALeRCE format (30 objects: SNIa, SNIbc, SLSN, SNII)."""

from __future__ import annotations

from astrozoo.datasets.base import data_root
from astrozoo.io import read_table
from astrozoo.io.lightcurves import read_alerce_detections

NAME = "alerce_sne"
ORIGIN = "ALeRCE lc_classifier examples (https://github.com/alercebroker/lc_classifier)"
LICENSE = "MIT (ALeRCE lc_classifier)"
CITATION = "Sanchez-Saez et al. 2021, AJ 161, 141 (ALeRCE light-curve classifier)"


def load(data_dir=None) -> tuple[dict, dict]:
    """Returns ``({object id: TimeSeries}, {object id: class})``."""
    root = data_root(data_dir, NAME)
    curves = read_alerce_detections(root / "30_sne_detections_corr.csv")
    table = read_table(root / "30_sne_labels.csv")
    labels = {str(o): str(c) for o, c in zip(table["objectId"], table["classALeRCE"], strict=True)}
    return curves, labels
