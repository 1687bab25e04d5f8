"""tf.data pipelines: parallel decoding, padding, and the bad-file policy."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from astropy.table import Table

from astrozoo.data import image_dataset, lightcurve_dataset, load_images, table_dataset
from astrozoo.datasets import mirabest, rrlyrae_s82


def test_image_dataset_on_mirabest_fits(data_dir):
    split = mirabest.load_splits(data_dir)["validation"]
    dataset, report = image_dataset(split.x[:20], split.y[:20], image_size=(64, 64), channels=1, batch_size=8)
    batches = list(dataset)
    assert [b[0].shape[0] for b in batches] == [8, 8, 4]
    assert batches[0][0].shape[1:] == (64, 64, 1) and batches[0][0].dtype == tf.float32
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), split.y[:20])
    assert report.count == 0


def test_image_loaders_cut_fits_files_to_the_field_of_view(data_dir):
    """A 300-pixel SkyView original and its 150-pixel cutout give the same model input."""
    import warnings

    original = sorted((data_dir / "mirabest" / "original_sample").glob("*.fits"))[0]
    cutout = data_dir / "mirabest" / "fits" / f"{original.name}.fz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the originals' unprintable COMMENT cards
        loaded = load_images([original, cutout], (64, 64), channels=1, field_of_view_arcsec=270.0)
        shrunk = load_images([original], (64, 64), channels=1)
        dataset, _ = image_dataset([original], image_size=(64, 64), channels=1, field_of_view_arcsec=270.0)
        batch = next(iter(dataset))[0].numpy()
    scale = np.abs(loaded[1]).max()
    assert np.abs(loaded[0] - loaded[1]).max() < 0.01 * scale  # RICE quantisation only
    assert np.abs(shrunk[0] - loaded[1]).max() > 0.1 * scale
    np.testing.assert_allclose(batch[0], loaded[0], atol=1e-6 * scale)


def test_bad_files_are_skipped_and_reported_or_raised(tmp_path, data_dir):
    good = sorted((data_dir / "gz2_spirals" / "spirals").glob("*.jpg"))[:3]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 nope")
    missing = tmp_path / "missing.png"
    files = [good[0], broken, good[1], missing, good[2]]
    dataset, report = image_dataset(files, [0, 1, 2, 3, 4], image_size=(32, 32), batch_size=None)
    labels = [int(y) for _, y in dataset]
    assert labels == [0, 2, 4]
    assert report.count == 2 and set(report.errors) == {str(broken), str(missing)}
    assert "not a readable JPEG/PNG" in report.errors[str(broken)]
    strict, _ = image_dataset(files, image_size=(32, 32), on_error="raise")
    with pytest.raises(tf.errors.OpError, match="broken.jpg"):
        list(strict)


def test_lightcurve_dataset_pads_each_batch(data_dir):
    split = rrlyrae_s82.load_splits(data_dir)["validation"]
    dataset, _report = lightcurve_dataset(split.x[:6], split.y[:6], bands=rrlyrae_s82.BANDS, batch_size=3)
    x, _y = next(iter(dataset))
    assert x.shape[0] == 3 and x.shape[2] == 8
    lengths = np.count_nonzero(np.abs(x.numpy()).sum(axis=2), axis=1)
    assert lengths.max() == x.shape[1] and (lengths > 50).all()
    folded, _ = lightcurve_dataset(split.x[:2], periods=[0.6, 0.3], bands=rrlyrae_s82.BANDS, batch_size=None)
    first = next(iter(folded))[0].numpy()
    phases = first[:, 0]
    assert phases.min() >= 0 and phases.max() < 1 and np.all(np.diff(phases) >= 0)
    np.testing.assert_allclose(first[:, -1], np.log10(0.6), rtol=1e-6)


def test_table_dataset_reads_columns_by_name():
    table = Table({"class": ["STAR", "QSO"], "g": [18.0, 19.0], "u": [19.0, 19.5], "extra": [1, 2]})
    dataset = table_dataset(
        table, ["u", "g"], label_column="class", class_names=["STAR", "QSO"], batch_size=2
    )
    x, y = next(iter(dataset))
    np.testing.assert_allclose(x.numpy(), [[19.0, 18.0], [19.5, 19.0]])
    assert y.numpy().tolist() == [0, 1]
