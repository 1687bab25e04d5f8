"""Dataset modules on the real data: deterministic splits, labels, origins; the restricted unpickler."""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest

from astrozoo.datasets import (
    alerce_sne,
    decals_rings,
    gz2_spirals,
    lightcurve_fits,
    mirabest,
    ogle3,
    photoz_mgs,
    rrlyrae_s82,
    sdss_dr14,
)
from astrozoo.datasets.safe_pickle import safe_loads
from astrozoo.errors import InputError, IntegrityError

SPLIT_MODULES = [mirabest, gz2_spirals, decals_rings, sdss_dr14, photoz_mgs, rrlyrae_s82]


@pytest.mark.parametrize("module", SPLIT_MODULES, ids=lambda m: m.NAME)
def test_splits_are_disjoint_deterministic_and_documented(module, data_dir):
    first, second = module.load_splits(data_dir), module.load_splits(data_dir)
    for part in ("train", "validation", "test"):
        np.testing.assert_array_equal(first[part].ids, second[part].ids)
    ids = [set(first[p].ids.tolist()) for p in ("train", "validation", "test")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert len(first["test"]) >= 0.14 * sum(len(first[p]) for p in ("train", "validation", "test"))
    for attribute in ("ORIGIN", "LICENSE", "CITATION"):
        assert getattr(module, attribute)


def test_ogle_splits_keep_every_rare_class_in_every_split(data_dir):
    splits = ogle3.load_splits(data_dir)
    for part in ("train", "validation", "test"):
        assert set(np.unique(splits[part].y)) == set(range(len(ogle3.CLASSES)))


def test_mirabest_labels_come_from_file_names(data_dir):
    table = mirabest.catalog(data_dir)
    assert len(table) == 981
    row = table[0]
    assert row["path"].endswith("100_010.451-009.284_0.0529_0080.60.fits.fz")
    assert (row["label"], row["confident"], row["morphology"]) == ("FRI", True, "standard")
    assert row["ra"] == pytest.approx(10.451) and row["dec"] == pytest.approx(-9.284)
    splits = mirabest.load_splits(data_dir)
    assert (
        len(splits["uncertain"]) == 295
        and sum(len(splits[p]) for p in ("train", "validation", "test")) == 661
    )


def test_mirabest_batch_only_sources_are_far_from_every_fits_source(data_dir):
    from astropy.coordinates import SkyCoord

    from astrozoo.io import read_image

    extra = mirabest.load_splits(data_dir)["extra_train"]
    assert extra.x.shape == (177, 150, 150, 1) and extra.x.max() <= 255
    table = mirabest.catalog(data_dir)
    fits_positions = SkyCoord(np.asarray(table["ra"]), np.asarray(table["dec"]), unit="deg")
    for name, label in zip(extra.ids, extra.y, strict=True):
        cls, ra, dec = name.split("/")[-1].removesuffix(".png").split("_")
        assert mirabest.CLASSES[label] == {"1": "FRI", "2": "FRII"}[cls[0]]
        position = SkyCoord(float(ra), float(dec), unit="deg")
        assert position.separation(fits_positions).arcsec.min() > 30
    # The batch images left out are the FITS sources' own: the same emission, thresholded and scaled.
    batches = mirabest.read_batches(data_dir)
    first = batches["data_batch_1"]
    name = first["filenames"][1]
    assert name.endswith("100_248.314_+040.183.png") and name not in extra.ids
    fits_path = next(p for p in table["path"] if "100_248.314+040.183" in p)

    fits_pixels = read_image(fits_path)[0][..., 0]
    bright = first["data"][1] > 0
    assert np.corrcoef(first["data"][1][bright], fits_pixels[bright])[0, 1] > 0.99


def test_photoz_reads_the_19_real_columns(data_dir):
    table = photoz_mgs.read(data_dir)
    assert len(table) == 5000 and table.colnames[10] == "eu"
    np.testing.assert_allclose(table["u"] - table["g"], table["u-g"], atol=1e-5)


def test_rrlyrae_periods_and_classes(data_dir):
    catalog = rrlyrae_s82.periods(data_dir)
    assert catalog["4099"] == ("RRab", pytest.approx(0.641754351271))
    splits = rrlyrae_s82.load_splits(data_dir)
    assert set(np.unique(splits["train"].y)) == {0, 1}


def test_alerce_and_lightcurve_fits_readers(data_dir):
    curves, labels = alerce_sne.load(data_dir)
    assert len(curves) == len(labels) == 30
    assert set(labels.values()) == {"SNIa", "SNIbc", "SLSN", "SNII"}
    curve = curves["ZTF18ablhqle"]
    assert set(curve["band"]) <= {"g", "r"} and np.all(np.diff(curve.time.mjd) >= 0)
    assert len(lightcurve_fits.kepler_files(data_dir)) == 3
    assert any(p.name.endswith(".gz") for p in lightcurve_fits.lightkurve_files(data_dir))


def test_mirabest_batches_read_through_the_restricted_unpickler(data_dir):
    batches = mirabest.read_batches(data_dir)
    assert sorted(batches) == [*(f"data_batch_{i}" for i in range(1, 9)), "test_batch"]
    batch = batches["data_batch_1"]
    assert batch["data"].shape == (88, 150, 150) and batch["data"].dtype == np.uint8
    assert set(batch["labels"].tolist()) <= {0, 1} and batch["filenames"][0].endswith(".png")


class _Exploit:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    "payload",
    [pickle.dumps(_Exploit()), pickle.dumps({"data": eval}), pickle.dumps(np.random.default_rng(0))],
    ids=["os.system", "builtins.eval", "numpy Generator"],
)
def test_restricted_unpickler_refuses_anything_but_arrays(payload):
    with pytest.raises(InputError, match="refusing to load global"):
        safe_loads(payload)


def test_tampered_batch_fails_its_md5(tmp_path, data_dir):
    source = data_dir / "mirabest" / "batches.tar.gz"
    tampered = tmp_path / "batches.tar.gz"
    with tarfile.open(source, "r:gz") as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("data_batch_3"):
                data = data[:-10] + b"\0" * 10
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(IntegrityError, match="data_batch_3 does not match its md5"):
        mirabest.read_batches(archive=tampered)
