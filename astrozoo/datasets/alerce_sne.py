"""ZTF supernova light curves in ALeRCE format (30 objects: SNIa, SNIbc, SLSN, SNII)."""

from __future__ import annotations

from astrozoo.datasets.base import data_root
from astrozoo.datasets.download import Remote
from astrozoo.io import read_table
from astrozoo.io.lightcurves import read_alerce_detections

NAME = "alerce_sne"
ORIGIN = "ALeRCE lc_classifier examples (https://github.com/alercebroker/lc_classifier)"
LICENSE = "MIT (ALeRCE lc_classifier)"
_EXAMPLES = "https://raw.githubusercontent.com/alercebroker/lc_classifier/c3ea5e545b9bc4739c2934010725173ac18e4f17/data_examples/"
REMOTE = (
    Remote(_EXAMPLES + "30_sne_detections_corr.csv", "30_sne_detections_corr.csv",
           sha256="35dc54b2e5cbfad64ba8c41649759a3e45f9754cada8e416c422a7b1f674d260"),
    Remote(_EXAMPLES + "30_sne_labels.csv", "30_sne_labels.csv",
           sha256="b8b446c81ed6c273c2b3ce21639cbf7d69c3295abeed2daeae523c0113cb3369"),
    Remote(_EXAMPLES + "30_sne_non_detections.csv", "30_sne_non_detections.csv",
           sha256="aa3afbd33be876f0b8afc8cbafb84c6cbdc4679e352addfb009d4c858c4c10b9"),
)  # fmt: skip
CITATION = "Sanchez-Saez et al. 2021, AJ 161, 141 (ALeRCE light-curve classifier)"


def load(data_dir=None) -> tuple[dict, dict]:
    """Returns ``({object id: TimeSeries}, {object id: class})``."""
    root = data_root(data_dir, NAME)
    curves = read_alerce_detections(root / "30_sne_detections_corr.csv")
    table = read_table(root / "30_sne_labels.csv")
    labels = {str(o): str(c) for o, c in zip(table["objectId"], table["classALeRCE"], strict=True)}
    return curves, labels
