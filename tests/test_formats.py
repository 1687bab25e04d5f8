"""Formats astronomers bring: VOTable catalogues in and out, LZW-compressed (``.Z``) FITS images."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table

import astrozoo
from astrozoo.cli import main
from astrozoo.errors import InputError
from astrozoo.io import find_inputs, read_image, read_table

BANDS = list("ugriz")


@pytest.fixture(scope="module")
def star_model(tmp_path_factory):
    model = astrozoo.builders.mlp(BANDS, class_names=["STAR", "GALAXY", "QSO"])
    return astrozoo.save(model, tmp_path_factory.mktemp("models") / "tiny-sdss")


def _catalogue(rows: int = 12) -> Table:
    """SDSS-like photometry as astropy writes it into a VOTable: magnitudes with units and UCDs."""
    rng = np.random.default_rng(3)
    table = Table({"objid": np.arange(10**15, 10**15 + rows, dtype=np.int64)})
    for band in BANDS:
        table[band] = rng.normal(18, 1, rows).round(4)
        table[band].unit = "mag"
        table[band].meta["ucd"] = f"phot.mag;em.opt.{band.upper()}"
    return table


def _predict(model, source, out, *extra) -> int:
    return main(
        ["predict", str(model), str(source), "-o", str(out), "--keep", "objid,u", "--no-progress", *extra]
    )


def test_votable_in_and_out_gives_the_csv_labels_and_keeps_units_and_ucds(star_model, tmp_path):
    table = _catalogue()
    table.write(tmp_path / "cat.vot", format="votable")
    table.write(tmp_path / "cat.csv", format="ascii.csv")
    assert _predict(star_model, tmp_path / "cat.csv", tmp_path / "a.csv") == 0
    assert _predict(star_model, tmp_path / "cat.vot", tmp_path / "b.vot") == 0
    from_csv = Table.read(tmp_path / "a.csv", format="ascii.csv")
    from_vot = Table.read(tmp_path / "b.vot", format="votable")
    assert list(from_vot["label"]) == list(from_csv["label"])
    assert list(from_vot["objid"]) == list(table["objid"])
    np.testing.assert_allclose(from_vot["p_QSO"], from_csv["p_QSO"], rtol=1e-12)
    assert from_vot["u"].unit == "mag"
    assert from_vot["u"].meta["ucd"] == "phot.mag;em.opt.U"
    assert from_vot["objid"].unit is None


def test_an_xml_file_is_read_as_a_votable_only_if_its_root_is_votable(star_model, tmp_path):
    _catalogue(3).write(tmp_path / "cat.xml", format="votable")
    (tmp_path / "notes.xml").write_text('<?xml version="1.0"?>\n<catalog><star/></catalog>\n')
    assert read_table(tmp_path / "cat.xml")["g"].meta["ucd"] == "phot.mag;em.opt.G"
    with pytest.raises(InputError, match="expected a VOTable"):
        read_table(tmp_path / "notes.xml")
    assert find_inputs(tmp_path, "table") == [tmp_path / "cat.xml"]


def test_a_failed_file_first_keeps_the_units_of_the_good_one(star_model, tmp_path):
    (tmp_path / "a_bad.csv").write_text("objid,u,g\n1,18,19\n")  # lacks r, i, z
    _catalogue(4).write(tmp_path / "b_good.vot", format="votable")
    inputs = [str(tmp_path / "a_bad.csv"), str(tmp_path / "b_good.vot")]
    out = tmp_path / "out.vot"
    assert main(["predict", str(star_model), *inputs, "-o", str(out), "--keep", "u", "--no-progress"]) == 3
    result = Table.read(out, format="votable")
    assert len(result) == 5 and "missing columns" in result["error"][0]
    assert result["u"].unit == "mag" and result["u"].meta["ucd"] == "phot.mag;em.opt.U"


LZW_FITS = Path(__file__).parent / "data" / "lzw.fits.Z"  # astropy's io/fits/tests/data/lzw.fits.Z


def _fits_batch(folder):
    """Two good FITS images with astropy's LZW-compressed one between them."""
    from astropy.io import fits

    for name in ("a.fits", "c.fits"):
        fits.PrimaryHDU(np.ones((8, 8), np.float32)).writeto(folder / name)
    shutil.copy(LZW_FITS, folder / "b.fits.Z")
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def image_model(tmp_path_factory):
    model = astrozoo.builders.cnn(["A", "B"], image_size=(8, 8), filters=(4,), dense_units=(4,))
    return astrozoo.save(model, tmp_path_factory.mktemp("models") / "tiny-cnn")


def test_without_uncompresspy_a_z_file_is_an_error_row_naming_the_package(image_model, tmp_path, monkeypatch):
    from astropy.io.fits import file as fits_file

    monkeypatch.setattr(fits_file, "HAS_UNCOMPRESSPY", False, raising=False)  # (astropy < 7 has none)
    with pytest.raises(InputError, match="pip install uncompresspy"):
        read_image(LZW_FITS)
    (tmp_path / "images").mkdir()
    files = _fits_batch(tmp_path / "images")
    assert find_inputs(tmp_path / "images", "image") == files
    out = tmp_path / "out.csv"
    assert main(["predict", str(image_model), str(tmp_path / "images"), "-o", str(out), "--no-progress"]) == 3
    result = Table.read(out, format="ascii.csv")
    assert [str(s).rsplit("/", 1)[-1] for s in result["source"]] == ["a.fits", "b.fits.Z", "c.fits"]
    assert list(result["label"].mask) == [False, True, False]
    assert "pip install uncompresspy" in result["error"][1]


def test_with_uncompresspy_a_z_file_is_read(tmp_path):
    pytest.importorskip("uncompresspy")
    from astropy.io.fits import file as fits_file

    if not getattr(fits_file, "HAS_UNCOMPRESSPY", False):  # astropy before 7.0 reads no .Z files
        pytest.skip("this astropy does not read LZW (.Z) files")
    pixels, _ = read_image(LZW_FITS)
    assert pixels.ndim == 3 and np.isfinite(pixels).any()
