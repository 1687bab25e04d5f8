"""astrozoo.predict and the `astrozoo` command: one row per object, bad inputs reported."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from conftest import TINY_CONFIGS
from PIL import Image

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.cli import main
from astrozoo.io import read_lightcurve
from astrozoo.io.period_search import find_period


@pytest.fixture(scope="module")
def radio_model(tmp_path_factory):
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])
    return astrozoo.save(model, tmp_path_factory.mktemp("models") / "tiny-radio", name="tiny-radio")


@pytest.fixture(scope="module")
def lightcurve_model(tmp_path_factory):
    args = {**TINY_CONFIGS["recurrent-gru"][1], "bands": list("ugriz")}
    return astrozoo.save(build_from_config("recurrent", args), tmp_path_factory.mktemp("models") / "tiny-rr")


@pytest.fixture
def radio_inputs(tmp_path):
    """Two good FITS images, one corrupt file, and a good one, in that order."""
    paths = []
    for i, size in enumerate((20, 33)):
        path = tmp_path / f"good{i}.fits"
        fits.PrimaryHDU(np.random.default_rng(i).random((size, size)).astype("f4")).writeto(path)
        paths.append(path)
    bad = tmp_path / "broken.fits"
    bad.write_bytes(b"not a FITS file at all")
    paths.append(bad)
    last = tmp_path / "good2.fits.gz"
    fits.PrimaryHDU(np.random.default_rng(9).random((20, 20)).astype("f4")).writeto(last)
    paths.append(last)
    return paths


def _read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_predict_keeps_input_order_and_reports_bad_files(radio_model, radio_inputs):
    table = astrozoo.predict(str(radio_model), radio_inputs, batch_size=2)
    assert list(table["source"]) == [str(p) for p in radio_inputs]
    assert table.colnames == ["source", "label", "p_FRI", "p_FRII", "error", "warning"]
    assert [bool(e) for e in table["error"]] == [False, False, True, False]
    assert "broken.fits" in table["error"][2] and "not a readable FITS image" in table["error"][2]
    good = [0, 1, 3]
    probabilities = np.array([[table["p_FRI"][i], table["p_FRII"][i]] for i in good])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert table["label"][2] == "" and table["p_FRI"].mask[2]


def test_file_warnings_go_to_their_rows_and_one_summary(radio_model, tmp_path):
    """SkyView's FIRST cutouts carry unprintable COMMENT cards: a row each, not a warning per file."""
    paths = []
    for i in range(3):
        header = fits.Header()
        header["COMMENT"] = "observed by D.J. Helfand and R.H. Becker"
        path = tmp_path / f"skyview{i}.fits"
        fits.PrimaryHDU(np.random.default_rng(i).random((24, 24)).astype("f4"), header).writeto(path)
        if i < 2:  # a tab in the comment, as in SkyView's files
            path.write_bytes(path.read_bytes().replace(b"D.J. Helfand", b"D.J.\tHelfand"))
        paths.append(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = astrozoo.predict(str(radio_model), paths)
    assert not any(table["error"])
    assert ["non-standard FITS header" in w for w in table["warning"]] == [True, True, False]
    assert table["warning"][0].startswith("FITSHeaderWarning: non-standard FITS header, read anyway (")
    header_warnings = [w for w in caught if issubclass(w.category, astrozoo.io.FITSHeaderWarning)]
    assert len(header_warnings) == 1
    assert str(header_warnings[0].message).startswith("2 of 3 inputs were read despite a problem")


def test_predict_matches_calling_the_model_directly(radio_model, radio_inputs):
    model = astrozoo.load(radio_model)
    table = astrozoo.predict(model, radio_inputs[:1])
    pixels, _ = astrozoo.io.read_image(radio_inputs[0])
    direct = model.predict(pixels[np.newaxis], verbose=0)[0]
    np.testing.assert_allclose([table["p_FRI"][0], table["p_FRII"][0]], direct, rtol=1e-5)


def test_predict_walks_folders_and_skips_unrelated_files(galaxy_model, tmp_path):
    folder = tmp_path / "cutouts"
    (folder / "night2").mkdir(parents=True)
    for name in ("b.jpg", "a.png", "night2/c.jpeg"):
        Image.fromarray((np.random.rand(30, 30, 3) * 255).astype("uint8")).save(folder / name)
    (folder / "README.md").write_text("not an image")
    table = astrozoo.predict(str(galaxy_model), folder)
    assert [p.split("cutouts/")[1] for p in table["source"]] == ["a.png", "b.jpg", "night2/c.jpeg"]
    assert not any(table["error"])


def test_channel_mismatch_is_a_row_error(galaxy_model, radio_inputs):
    table = astrozoo.predict(str(galaxy_model), radio_inputs[:1])
    assert "expected a 3-channel image" in table["error"][0] and "1 channel(s)" in table["error"][0]


def _first_like(path, pixels, wcs=True):
    """Writes a FIRST-like FITS image (1.8 arcsec pixels when ``wcs``)."""
    from astropy.wcs import WCS

    header = None
    if wcs:
        header = WCS(naxis=2)
        header.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        header.wcs.crval, header.wcs.cdelt = [150.0, 2.0], [-0.0005, 0.0005]
        header.wcs.crpix = [(pixels.shape[1] + 1) / 2, (pixels.shape[0] + 1) / 2]
        header = header.to_header()
    fits.PrimaryHDU(pixels.astype("f4"), header=header).writeto(path)
    return path


def test_a_larger_cutout_is_cut_to_the_training_field_of_view(tmp_path):
    # Trained on 24 pixels of 1.8 arcsec: a 48-pixel cutout at the same scale must be cut, not shrunk.
    args = {**TINY_CONFIGS["cnn"][1], "input_info": {"pixel_scale_arcsec": 1.8, "field_of_view_arcsec": 43.2}}
    model = build_from_config("cnn", args)
    assert astrozoo.spec(model).input.field_of_view_arcsec == 43.2
    big = np.random.default_rng(3).random((48, 48)) * 0.01
    big[20:28, 14:34] += 1.0  # an extended source in the centre
    centre = big[12:36, 12:36]
    paths = [
        _first_like(tmp_path / "big.fits", big),
        _first_like(tmp_path / "centre.fits", centre),
        _first_like(tmp_path / "big-no-wcs.fits", big, wcs=False),
    ]
    table = astrozoo.predict(model, paths)
    p = np.array(table["p_FRI"])
    assert not any(table["error"])
    np.testing.assert_allclose(p[0], p[1], atol=1e-6)  # the same field, so the same prediction
    direct = model.predict(big[np.newaxis, ..., np.newaxis].astype("f4"), verbose=0)[0, 0]
    np.testing.assert_allclose(p[2], direct, atol=1e-6)  # without a WCS the whole image is used
    assert abs(direct - p[1]) > 1e-4  # ...which is a different input


def test_pixel_scale_differing_from_the_training_one_warns(tmp_path):
    args = {**TINY_CONFIGS["cnn"][1], "input_info": {"pixel_scale_arcsec": 1.0}}
    model = build_from_config("cnn", args)
    path = _first_like(tmp_path / "first.fits", np.random.default_rng(0).random((30, 30)))
    with pytest.warns(astrozoo.io.PixelScaleWarning, match=r"first\.fits.*pixel scale 1\.8 arcsec"):
        table = astrozoo.predict(model, [path])
    assert not table["error"][0]


def test_table_model_gives_one_row_per_table_row(table_model, tmp_path):
    path = tmp_path / "galaxies.csv"
    Table(
        {"r": [17.0, 17.5, np.nan], "g": [18.0, 18.2, 18.0], "u": [19.0, 19.1, 19.0], "z": [1, 2, 3]}
    ).write(path)
    table = astrozoo.predict(str(table_model), [path])
    assert list(table["source"]) == [f"{path}:0", f"{path}:1", f"{path}:2"]
    assert table.colnames == ["source", "label", "prediction", "error", "warning"]
    assert float(table["label"][0]) == pytest.approx(table["prediction"][0], rel=1e-4)
    assert not any(table["error"])  # this model declares -99.99/NaN as "missing", so NaN is allowed


def test_kept_columns_sit_beside_each_prediction(table_model, tmp_path, capsys):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    Table({"objid": [11, 12], "name": ["NGC 1", "NGC 2"], "u": [19.0, 19.1], "g": [18.0, 18.2],
           "r": [17.0, 17.5]}).write(first)  # fmt: skip
    Table({"objid": [13], "u": [19.0], "g": [18.0], "r": [17.0]}).write(second)  # no 'name' column
    table = astrozoo.predict(str(table_model), [first, second], keep_columns=["objid", "name"])
    assert table.colnames[:4] == ["source", "objid", "name", "label"]
    assert list(table["objid"][:2]) == [11, 12] and list(table["name"][:2]) == ["NGC 1", "NGC 2"]
    assert "no column ['name'] to keep" in table["error"][2] and table["objid"].mask[2]
    plain = astrozoo.predict(str(table_model), [first])
    np.testing.assert_allclose(table["prediction"][:2], plain["prediction"])  # same predictions
    with pytest.raises(astrozoo.InputError, match="would replace output columns"):
        astrozoo.predict(str(table_model), [first], keep_columns=["prediction"])
    assert main(["predict", str(table_model), str(first), "--keep", "name,objid", "--no-progress"]) == 0
    rows = _read_csv(capsys.readouterr().out)
    assert [(r["name"], r["objid"]) for r in rows] == [("NGC 1", "11"), ("NGC 2", "12")]


def test_keep_columns_is_for_tables_only(radio_model, radio_inputs):
    with pytest.raises(astrozoo.InputError, match="copies columns of input tables; this model reads image"):
        astrozoo.predict(str(radio_model), radio_inputs[:1], keep_columns=["ra"])


def test_missing_columns_are_a_clear_error(table_model, tmp_path):
    path = tmp_path / "galaxies.csv"
    Table({"g": [18.0], "r": [17.0]}).write(path)
    table = astrozoo.predict(str(table_model), [path])
    assert "missing columns ['u']" in table["error"][0] and "galaxies.csv" in table["error"][0]
    assert "case-sensitive" not in table["error"][0]


def test_a_column_named_in_another_case_is_not_taken_for_the_band_but_named_in_the_error(
    table_model, tmp_path
):
    """Cousins R and I are not SDSS r and i: the model never guesses, but the error says what to rename."""
    path = tmp_path / "upper.csv"
    Table({"U": [19.0], "G": [18.0], "R": [17.0], "I": [16.8], "Z": [16.6]}).write(path)
    error = astrozoo.predict(str(table_model), [path])["error"][0]
    assert "missing columns ['u', 'g', 'r']" in error, error
    assert "case-sensitive" in error and "rename 'U', 'G', 'R' if they hold the same quantities" in error
    assert "--columns u=U,g=G,r=R (columns={'u': 'U', 'g': 'G', 'r': 'R'} in Python)." in error


def test_the_columns_hint_maps_the_model_column_when_a_mapped_name_is_in_another_case(table_model, tmp_path):
    path = tmp_path / "query.csv"
    Table({"MODELMAG_U": [19.0], "g": [18.0], "r": [17.0]}).write(path)
    error = astrozoo.predict(str(table_model), [path], columns={"u": "modelMag_u"})["error"][0]
    assert "missing columns ['modelMag_u']" in error, error
    assert "--columns u=MODELMAG_U (columns={'u': 'MODELMAG_U'} in Python)" in error


def test_columns_reads_model_columns_from_the_names_a_table_gives_them(table_model, tmp_path, capsys):
    skyserver, plain = tmp_path / "skyserver.csv", tmp_path / "plain.csv"
    magnitudes = {"u": [19.0, 20.5], "g": [18.0, 19.1], "r": [17.0, 18.7]}
    Table({f"modelMag_{band}": values for band, values in magnitudes.items()}).write(skyserver)
    Table(magnitudes).write(plain)
    mapped = {band: f"modelMag_{band}" for band in magnitudes}
    expected = astrozoo.predict(str(table_model), [plain])["prediction"]
    assert list(astrozoo.predict(str(table_model), [skyserver], columns=mapped)["prediction"]) == list(
        expected
    )
    partly = Table({"modelMag_u": magnitudes["u"], "g": magnitudes["g"], "r": magnitudes["r"]})
    assert list(
        astrozoo.predict(str(table_model), partly, columns={"u": "modelMag_u"})["prediction"]
    ) == list(expected)

    command = ["predict", str(table_model), str(skyserver), "--no-progress", "--columns", "u=modelMag_u"]
    assert main([*command, "--columns", "g=modelMag_g,r=modelMag_r"]) == 0
    assert [float(r["prediction"]) for r in _read_csv(capsys.readouterr().out)] == pytest.approx(
        list(expected)
    )
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--columns", "g:modelMag_g"])
    assert exit_info.value.code == 2 and "expected MODEL=TABLE pairs" in capsys.readouterr().err
    with pytest.raises(astrozoo.InputError, match=r"columns maps \['x'\], which this model does not read"):
        astrozoo.predict(str(table_model), [skyserver], columns={"x": "modelMag_u"})


def test_columns_is_for_tables_only(radio_model, radio_inputs):
    with pytest.raises(astrozoo.InputError, match="columns names the input tables' columns"):
        astrozoo.predict(str(radio_model), radio_inputs[:1], columns={"u": "modelMag_u"})


def test_lightcurve_model_on_stripe82_files(lightcurve_model, data_dir):
    files = sorted((data_dir / "rrlyrae_s82" / "light-curves").glob("*.csv"))[:5]
    table = astrozoo.predict(str(lightcurve_model), files, batch_size=2)
    assert len(table) == 5 and not any(table["error"])
    assert set(table["label"]) <= {"RRab", "RRc"}


def test_cli_predict_writes_csv_and_exits_3_when_some_inputs_fail(
    radio_model, radio_inputs, tmp_path, capsys
):
    out = tmp_path / "out" / "predictions.csv"
    code = main(["predict", str(radio_model), *map(str, radio_inputs), "-o", str(out), "--batch-size", "3"])
    assert code == 3
    rows = _read_csv(out.read_text())
    assert [r["source"] for r in rows] == [str(p) for p in radio_inputs]
    assert rows[2]["error"] and rows[2]["p_FRI"] == "" and rows[2]["label"] == ""
    assert "1 of 4 inputs failed" in capsys.readouterr().err


def test_cli_predict_exit_0_and_csv_on_stdout(radio_model, radio_inputs, capsys):
    code = main(["predict", str(radio_model), str(radio_inputs[0]), "--no-progress"])
    assert code == 0
    rows = _read_csv(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["label"] in {"FRI", "FRII"} and rows[0]["error"] == ""


def test_cli_usage_errors_exit_2(radio_model, tmp_path, capsys):
    assert main(["predict", "galaxy-resent", str(tmp_path)]) == 2
    assert "Unknown model 'galaxy-resent'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["predict", str(radio_model), str(empty)]) == 2
    assert "No image input found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["predict", str(radio_model), str(empty), "--batch-size", "0"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["predict", str(radio_model)])
    assert caught.value.code == 2


def test_cli_info_and_list(radio_model, capsys):
    assert main(["info", str(radio_model)]) == 0
    info = capsys.readouterr().out
    assert '"class_names": [\n    "FRI",\n    "FRII"\n  ]' in info and '"builder": "cnn"' in info
    assert main(["info", str(radio_model), "--card"]) == 0
    card = capsys.readouterr().out
    assert card.startswith("---\n") and "## Metrics" not in card and "## Use" in card
    assert main(["info", "sdss-mlp", "--card"]) == 0
    card = capsys.readouterr().out
    assert "## Metrics on the test split" in card and "Confusion matrix" in card
    shipped = astrozoo.folders.manifest.WEIGHTS_DIR / "sdss-mlp" / "README.md"
    assert card == shipped.read_text(encoding="utf-8")
    assert main(["list"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.split() == ["name", "task", "classes", "/", "outputs", "input", "headline", "metric"]


def test_list_and_info_start_without_keras():
    """`astrozoo list` and `astrozoo info` read JSON only: TensorFlow is imported on first real use."""
    script = (
        "import sys, astrozoo\n"
        "from astrozoo.cli import main\n"
        "assert main(['list']) == 0 and main(['info', 'sdss-mlp']) == 0\n"
        "assert main(['info', 'sdss-mlp', '--card']) == 0\n"
        "print('keras imported:', 'keras' in sys.modules)\n"
        "astrozoo.builders\n"
        "print('after astrozoo.builders:', 'keras' in sys.modules, callable(astrozoo.predict))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "keras imported: False" in result.stdout
    assert "after astrozoo.builders: True True" in result.stdout


def test_command_hides_tensorflow_start_up_lines_unless_asked(table_model, tmp_path):
    path = tmp_path / "galaxies.csv"
    Table({"u": [19.0], "g": [18.0], "r": [17.0], "i": [16.8], "z": [16.6]}).write(path)
    command = [sys.executable, "-m", "astrozoo", "predict", str(table_model), str(path), "--no-progress"]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and len(_read_csv(result.stdout)) == 1


def test_tensorflow_lines_are_hidden_only_when_the_log_level_allows(table_model, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr("astrozoo.cli._start_tensorflow_quietly", lambda: calls.append(1))
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    assert main(["list"]) == 0 and calls == []  # never imports TensorFlow
    assert main(["info", str(table_model)]) == 0 and calls == []
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user asked for TensorFlow's lines
    assert main(["predict", str(table_model), "no-such-file.csv"]) == 3 and calls == []
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    assert main(["predict", str(table_model), "no-such-file.csv"]) == 3 and calls == [1]
    capsys.readouterr()


def test_console_script_runs_with_progress_on_stderr(radio_model, radio_inputs):
    executable = shutil.which("astrozoo") or pytest.skip("console script not installed")
    result = subprocess.run(
        [executable, "predict", str(radio_model), str(radio_inputs[0]), str(radio_inputs[2])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "astrozoo predict" in result.stderr  # the progress bar
    assert len(_read_csv(result.stdout)) == 2
    module = subprocess.run(
        [sys.executable, "-m", "astrozoo", "--help"], capture_output=True, text=True, check=False
    )
    assert module.returncode == 0 and "predict" in module.stdout


def test_folded_lightcurve_model_finds_each_period(tmp_path, data_dir):
    model = build_from_config(
        "recurrent",
        {"class_names": ["RRab", "RRc"], "bands": list("ugriz"), "units": [8],
         "period_search": {"min_period": 0.2, "max_period": 1.2}, "append_scatter": True},
    )  # fmt: skip
    assert astrozoo.spec(model).input.shape == (None, 9)
    files = sorted((data_dir / "rrlyrae_s82" / "light-curves").glob("*.csv"))[:3]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    table = astrozoo.predict(model, [*files, tmp_path / "bad.csv"])
    assert list(table["source"][:3]) == [str(f) for f in files] and not any(table["error"][:3])
    expected = [find_period(read_lightcurve(f), 0.2, 1.2) for f in files]
    assert table["period"][:3].tolist() == expected  # the period found, not decoded from the float32 input
    assert table["period"].unit == "d" and table["period"].mask.tolist() == [False] * 3 + [True]


def test_an_8_bit_colour_model_refuses_fits_fluxes_but_reads_0_255_cubes(tmp_path):
    args = {**TINY_CONFIGS["resnet_transfer-compact"][1], "input_info": {"units": "JPEG 0-255"}}
    model = build_from_config("resnet_transfer", args)
    assert astrozoo.spec(model).input.eight_bit
    rng = np.random.default_rng(0)
    flux = rng.normal(0.0, 0.3, (3, 24, 24)) + np.pad(np.full((3, 4, 4), 50.0), ((0, 0), (10, 10), (10, 10)))
    header = fits.Header({"BUNIT": "nanomaggy"})
    fits.PrimaryHDU(flux.astype("f4"), header=header).writeto(tmp_path / "flux.fits")
    rendered = np.clip(flux * 5, 0, 255)
    fits.PrimaryHDU(rendered.astype("f4")).writeto(tmp_path / "rendered.fits")
    table = astrozoo.predict(model, [tmp_path / "flux.fits", tmp_path / "rendered.fits"])
    assert "8-bit colour images" in table["error"][0] and "(nanomaggy)" in table["error"][0]
    assert "make_lupton_rgb" in table["error"][0]
    assert not table["error"][1]
