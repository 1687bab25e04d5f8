"""The astrozoo datasets as TensorFlow Datasets builders, prepared from a manual folder.

Importing this module registers ``astrozoo_mirabest``, ``astrozoo_gz2_spirals``,
``astrozoo_decals_rings``, ``astrozoo_sdss_dr14``, ``astrozoo_photoz_mgs``,
``astrozoo_ogle3`` and ``astrozoo_rrlyrae_s82``. Their splits are exactly
astrozoo's own (same seed), so TFDS users and `astrozoo train` see the same data.

Example:
    >>> import tensorflow_datasets as tfds
    >>> import astrozoo.datasets.tfds_builders  # registers the builders
    >>> "astrozoo_mirabest" in tfds.list_builders()
    True

Prepare one from the shared data folder (``manual_dir`` is that dataset's folder)::

    builder = tfds.builder("astrozoo_mirabest", data_dir="~/tensorflow_datasets")
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir="../shared/data/mirabest"))
    train = builder.as_dataset(split="train", as_supervised=True)
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import tensorflow_datasets as tfds

from astrozoo.datasets import decals_rings, gz2_spirals, mirabest, ogle3, photoz_mgs, rrlyrae_s82, sdss_dr14
from astrozoo.datasets.base import EXTRA_TRAIN
from astrozoo.io import read_image, read_lightcurve_input

_INSTRUCTIONS = (
    "Place the astrozoo '{name}' folder (as laid out in astrozoo's data README) in the manual "
    "directory, i.e. pass DownloadConfig(manual_dir=<ASTROZOO_DATA>/{name}). Origin: {origin}"
)


class _AstrozooBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Shared plumbing: splits come from the astrozoo dataset module's `load_splits`."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES: ClassVar[dict] = {
        "1.0.0": "First release, splits identical to astrozoo.datasets (seed 20261126).",
        "1.1.0": "astrozoo_mirabest: the extra_train split (sources only in MiraBest's batched release).",
    }
    module = None
    splits = ("train", "validation", "test")

    def _features(self) -> dict:
        raise NotImplementedError

    def _encode(self, x) -> dict:
        raise NotImplementedError

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=(self.module.__doc__ or "").strip().splitlines()[0],
            features=tfds.features.FeaturesDict(self._features()),
            supervised_keys=("input", "label"),
            homepage=self.module.ORIGIN.split(" ")[0],
            citation=self.module.CITATION,
        )

    def _split_generators(self, dl_manager):
        root = Path(dl_manager.manual_dir)
        parts = self.module.load_splits(data_dir=root.parent)
        return {name: self._generate_examples(parts[name]) for name in self.splits if name in parts}

    def _label(self, y):
        return int(y)  # a class index; regression builders override this

    def _generate_examples(self, split):
        for x, y, key in zip(split.x, split.y, split.ids, strict=True):
            yield str(key), {**self._encode(x), "label": self._label(y)}


def _instructions(module) -> str:
    return _INSTRUCTIONS.format(name=module.NAME, origin=module.ORIGIN)


class AstrozooMirabest(_AstrozooBuilder):
    """MiraBest confident FRI/FRII FIRST images (150x150 float32, Jy/beam).

    ``uncertain`` holds the sources with uncertain labels (never trained on);
    ``extra_train``, when ``batches.tar.gz`` is in the manual folder, the sources
    only MiraBest's batched release holds, as its 8-bit images (values 0-255, not
    Jy/beam): `astrozoo train radio-cnn` trains on them too (see
    `astrozoo.datasets.mirabest.batch_only_sources`).
    """

    module = mirabest
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(mirabest)
    splits = ("train", "validation", "test", "uncertain", EXTRA_TRAIN)

    def _features(self):
        return {
            "input": tfds.features.Tensor(shape=(150, 150, 1), dtype=np.float32),
            "label": tfds.features.ClassLabel(names=list(mirabest.CLASSES)),
        }

    def _encode(self, x):
        if isinstance(x, np.ndarray):  # an 8-bit image of the batched release, already read
            return {"input": x.astype(np.float32)}
        return {"input": np.nan_to_num(read_image(x)[0])}


class _JpegBuilder(_AstrozooBuilder, skip_registration=True):
    def _features(self):
        return {
            "input": tfds.features.Image(shape=(None, None, 3)),
            "label": tfds.features.ClassLabel(names=list(self.module.CLASSES)),
        }

    def _encode(self, x):
        return {"input": x}  # the JPEG file path: TFDS copies the encoded bytes


class AstrozooGz2Spirals(_JpegBuilder):
    """Galaxy Zoo 2 spiral / non-spiral SDSS cutouts."""

    module = gz2_spirals
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(gz2_spirals)


class AstrozooDecalsRings(_JpegBuilder):
    """Galaxy Zoo DECaLS ring / non-ring cutouts."""

    module = decals_rings
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(decals_rings)


class _TableBuilder(_AstrozooBuilder, skip_registration=True):
    label_feature = None

    def _features(self):
        return {
            "input": tfds.features.Tensor(shape=(len(self.module.FEATURES),), dtype=np.float32),
            "label": self.label_feature or tfds.features.ClassLabel(names=list(self.module.CLASSES)),
        }

    def _encode(self, x):
        return {"input": np.asarray(x, np.float32)}


class AstrozooSdssDr14(_TableBuilder):
    """SDSS DR14 ugriz magnitudes labelled STAR / GALAXY / QSO."""

    module = sdss_dr14
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(sdss_dr14)


class AstrozooPhotozMgs(_TableBuilder):
    """SDSS Main Galaxy Sample ugriz magnitudes with spectroscopic redshift."""

    module = photoz_mgs
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(photoz_mgs)
    label_feature = tfds.features.Scalar(dtype=np.float32)

    def _label(self, y):
        return np.float32(y)  # the spectroscopic redshift


class AstrozooOgle3(_TableBuilder):
    """OGLE-III variable-star catalogue features (-99.99 = missing), 8 types."""

    module = ogle3
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(ogle3)


class AstrozooRrlyraeS82(_AstrozooBuilder):
    """Stripe 82 RR Lyrae ugriz light curves as (time, mag, err, one-hot band) sequences."""

    module = rrlyrae_s82
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions(rrlyrae_s82)

    def _features(self):
        return {
            "input": tfds.features.Tensor(shape=(None, 3 + len(rrlyrae_s82.BANDS)), dtype=np.float32),
            "label": tfds.features.ClassLabel(names=list(rrlyrae_s82.CLASSES)),
        }

    def _encode(self, x):
        return {"input": read_lightcurve_input(x, rrlyrae_s82.BANDS).sequence}
