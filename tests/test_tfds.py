"""The TFDS builders prepare from the shared data folder and match astrozoo's own splits."""

from __future__ import annotations

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")
import astrozoo.datasets.tfds_builders  # noqa: E402, F401  (registers the builders)
from astrozoo.datasets import mirabest, sdss_dr14  # noqa: E402


def test_all_builders_are_registered():
    expected = {"mirabest", "gz2_spirals", "decals_rings", "sdss_dr14", "photoz_mgs", "ogle3", "rrlyrae_s82"}
    assert {f"astrozoo_{name}" for name in expected} <= set(tfds.list_builders())


@pytest.mark.parametrize(
    ("name", "module"), [("astrozoo_sdss_dr14", sdss_dr14), ("astrozoo_mirabest", mirabest)]
)
def test_prepare_from_manual_dir(name, module, data_dir, tmp_path):
    builder = tfds.builder(name, data_dir=tmp_path)
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=data_dir / module.NAME)
    )
    ours = module.load_splits(data_dir)
    assert set(builder.info.splits) == set(ours)  # mirabest also has "uncertain" and "extra_train"
    for split in ours:
        assert builder.info.splits[split].num_examples == len(ours[split])
    labels = sorted(int(y) for _, y in builder.as_dataset(split="test", as_supervised=True))
    assert labels == sorted(ours["test"].y.tolist())
    x, _ = next(iter(builder.as_dataset(split="train", as_supervised=True)))
    assert np.isfinite(x.numpy()).all()


def test_missing_manual_dir_says_what_to_do(tmp_path):
    builder = tfds.builder("astrozoo_sdss_dr14", data_dir=tmp_path)
    with pytest.raises(Exception, match="sdss_dr14"):
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=tmp_path / "nope")
        )
