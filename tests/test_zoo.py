"""Every registered zoo model: manifest consistency, verified offline loading, random-weight shapes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ROOT, example_input

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.folders import manifest
from astrozoo.folders.integrity import verify_file

ZOO = astrozoo.list_models()


def test_the_package_ships_the_repository_manifest():
    assert manifest.MANIFEST_PATH.read_bytes() == (ROOT / "weights_manifest.json").read_bytes()


def test_the_zoo_is_not_empty():
    assert ZOO, "weights_manifest.json lists no model"


def _example_shape(spec, batch=2):
    if spec.input.kind == "table":
        return (batch, len(spec.input.columns))
    if spec.input.kind == "lightcurve":
        return (batch, 15, spec.input.shape[-1])
    return (batch, 40, 40, spec.input.shape[-1])


@pytest.mark.parametrize("name", ZOO)
def test_manifest_entry_pins_the_folder_and_summarizes_it(name):
    entry = manifest.read_manifest()["models"][name]
    assert sorted(entry) == ["files", "hub", "summary"], f"{name}: the spec belongs in the folder alone"
    assert set(entry["files"]) == {"README.md", "config.json", "model.weights.h5", "metadata.json"}
    for filename, record in entry["files"].items():
        verify_file(manifest.WEIGHTS_DIR / name / filename, record)
    assert entry["hub"]["repo_id"] == f"astrozoo/{name}"
    spec = astrozoo.resolve_spec(name)
    assert entry["summary"] == manifest.summary(spec)
    for key in ("builder", "arguments", "task", "input", "training", "metrics", "license"):
        assert getattr(spec, key), f"{name}: metadata.json lacks {key!r}"
    assert spec.training["command"].startswith(f"astrozoo train {name}")
    assert "test" in spec.metrics and "validation" in spec.metrics
    assert (spec.name, spec.hub) == (name, entry["hub"])


@pytest.mark.parametrize("name", ZOO)
def test_zoo_architecture_with_random_weights(name):
    spec = astrozoo.resolve_spec(name)
    model = build_from_config(spec.builder, spec.arguments)
    out = model.predict(example_input(_example_shape(spec)), verbose=0)
    assert out.shape == (2, len(spec.output_names))


@pytest.mark.parametrize("name", ZOO)
def test_zoo_model_loads_offline_and_round_trips(name, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = astrozoo.load(name)
    spec = astrozoo.spec(model)
    assert spec.name == name and spec.metrics == astrozoo.resolve_spec(name).metrics
    x = example_input(_example_shape(spec, batch=3))
    again = astrozoo.load(astrozoo.save(model, tmp_path / name))
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))
    card = (manifest.WEIGHTS_DIR / name / "README.md").read_text()
    assert card == (tmp_path / name / "README.md").read_text(), f"{name}: card not rewritten from its spec"
    if spec.task == "classification":  # the test accuracy's interval and its distance from guessing
        counts = np.asarray(spec.metrics["test"]["confusion_matrix"]["counts"])
        assert f"Accuracy {np.trace(counts)}/{counts.sum()}: 95% interval" in card
        if np.trace(counts) < counts.sum():  # and its macro-F1's, which the rarest class dominates
            assert f"Macro-F1 {spec.metrics['test']['macro_f1']:.3f}: 95% interval" in card
    else:  # a photo-z: its test NMAD's bootstrap interval
        test = spec.metrics["test"]
        assert test["nmad_interval"]["low"] < test["nmad"] < test["nmad_interval"]["high"]
        assert f"NMAD {test['nmad']:.4f} over {test['n']} objects: 95% interval" in card
    if spec.input.period_search:  # how the light curves are folded, and with what prior
        prior = spec.input.period_search["prior"]
        assert f"ranked with a prior on {prior['band']}-band light-curve shape against period" in card


def test_readme_zoo_table_quotes_the_shipped_test_scores():
    """A retrained model must not leave the README's zoo table quoting its old test score."""
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(
        r"^\| `([\w-]+)` \|[^|]*\|[^|]*\| (accuracy|NMAD|macro-F1) ([0-9.]+)[^|]*?\((\d+)\)", readme, re.M
    )
    assert sorted(name for name, *_ in rows) == sorted(ZOO)
    keys = {"accuracy": "accuracy", "NMAD": "nmad", "macro-F1": "macro_f1"}
    for name, metric, quoted, n in rows:
        test = astrozoo.resolve_spec(name).metrics["test"]
        decimals = len(quoted.split(".")[1])
        assert quoted == f"{test[keys[metric]]:.{decimals}f}", f"README quotes {name} {metric} {quoted}"
        assert int(n) == test["n"], f"README quotes {name} on {n} test examples, its card on {test['n']}"


FILE_INPUT_MODELS = [n for n in ZOO if astrozoo.resolve_spec(n).input.kind in ("image", "lightcurve")]


@pytest.mark.data
@pytest.mark.parametrize("name", FILE_INPUT_MODELS)
def test_predict_on_the_raw_test_files_reproduces_the_recorded_test_accuracy(name, data_dir):
    """What users run (`astrozoo predict` on whole files) must see what training saw."""
    import importlib

    spec = astrozoo.resolve_spec(name)
    dataset = importlib.import_module(f"astrozoo.datasets.{spec.training['data']}")
    test = dataset.load_splits(data_dir)["test"]
    table = astrozoo.predict(name, [str(p) for p in test.x])
    assert not any(table["error"]), list(table["error"])
    predicted = np.array([spec.class_names.index(label) for label in table["label"]])
    recorded = spec.metrics["test"]["accuracy"]
    assert np.mean(predicted == test.y) == pytest.approx(recorded, abs=0.02)


@pytest.mark.data
def test_predict_reads_the_raw_mlz_catalogue_and_reproduces_the_recorded_nmad(data_dir):
    """SDSS_MGS.train's header misses a column name; `astrozoo predict` must still read it right."""
    from astrozoo.datasets import photoz_mgs
    from astrozoo.training.metrics import regression_report

    table = astrozoo.predict("photoz-mlp", [str(data_dir / "photoz_mgs" / "SDSS_MGS.train")])
    assert len(table) == 5000 and not any(table["error"]), set(table["error"])
    test = photoz_mgs.load_splits(data_dir)["test"]
    predicted = np.asarray(table["prediction"], dtype=float)[test.ids.astype(int)]
    recorded = astrozoo.resolve_spec("photoz-mlp").metrics["test"]["nmad"]
    assert regression_report(predicted, test.y)["nmad"] == pytest.approx(recorded, abs=5e-4)


@pytest.mark.data
def test_sdss_mlp_calls_main_galaxy_sample_galaxies_galaxy(data_dir):
    """An outside check its card quotes: photoz_mgs's 5000 galaxies, another catalogue and photometry.

    The two cannot be cross-matched (the MLZ file has no coordinates); were both random draws from
    SDSS's ~700,000 Main Galaxy Sample galaxies, about 30 would be among sdss_dr14's 3802 at r < 17.77.
    """
    table = astrozoo.predict("sdss-mlp", [str(data_dir / "photoz_mgs" / "SDSS_MGS.train")])
    assert len(table) == 5000 and not any(table["error"]), set(table["error"])
    galaxies = np.mean(np.asarray(table["label"]) == "GALAXY")
    assert galaxies >= 0.97, f"{galaxies:.3f} of Main Galaxy Sample galaxies called GALAXY (card: 0.980)"


@pytest.mark.data
def test_photoz_mlp_on_sdss_dr14_galaxies_keeps_its_scatter_with_another_photometry(data_dir):
    """An outside check its card quotes: sdss_dr14's galaxies within the Main Galaxy Sample's limits."""
    from astrozoo.training.metrics import regression_report

    table = astrozoo.predict(
        "photoz-mlp", [str(data_dir / "sdss_dr14" / "sdss_dr14.csv")], keep_columns=["class", "redshift", "r"]
    )
    assert not any(table["error"]), set(table["error"])
    z_spec = np.asarray(table["redshift"], dtype=float)
    magnitude_r = np.asarray(table["r"], dtype=float)
    inside = (np.asarray(table["class"]) == "GALAXY") & (magnitude_r < 17.77) & (z_spec > 0) & (z_spec < 0.3)
    report = regression_report(np.asarray(table["prediction"], dtype=float)[inside], z_spec[inside])
    assert report["n"] == 3782
    assert report["nmad"] <= 0.0165 and abs(report["bias"]) <= 0.008, report  # card: 0.0152, +0.0049


@pytest.mark.data
def test_radio_cnn_sees_the_same_field_in_untouched_300_pixel_skyview_files(data_dir):
    """MiraBest's original 300x300 SkyView files hold the training cutouts' sources at the centre.

    Shrunk whole to the model's input, 8 of these 41 were labelled differently from their 150-pixel
    cutouts (probabilities off by up to 0.99); cut to the 270-arcsec field the model was trained on,
    they agree (the .fz cutouts differ only by RICE quantisation).
    """
    folder = data_dir / "mirabest"
    originals = sorted((folder / "original_sample").glob("*.fits"))
    assert len(originals) > 30
    cutouts = [folder / "fits" / f"{p.name}.fz" for p in originals]
    with pytest.warns(astrozoo.io.FITSHeaderWarning):  # the SkyView headers' unprintable COMMENT cards
        whole = astrozoo.predict("radio-cnn", originals)
    cut = astrozoo.predict("radio-cnn", cutouts)
    assert not any(whole["error"]) and not any(cut["error"])
    assert list(whole["label"]) == list(cut["label"])
    np.testing.assert_allclose(np.array(whole["p_FRI"]), np.array(cut["p_FRI"]), atol=0.02)


@pytest.mark.data
def test_radio_cnn_gives_the_same_answer_on_mirabest_8_bit_images_as_on_fits(data_dir):
    """MiraBest's batched release holds 3-sigma-clipped 8-bit versions of the FITS cutouts.

    radio-cnn clips at 3 sigma itself, so a user with either format gets the same class. Checked on
    the validation and test sources, which were never trained on in either format.
    """
    import re

    from astrozoo.data import load_images
    from astrozoo.datasets import mirabest

    splits = mirabest.load_splits(data_dir)
    fits_of = {}
    for part in ("validation", "test"):
        for path in splits[part].x:
            match = re.match(r"(\d)\d\d_([\d.]+)([+-][\d.]+)_", str(path).split("/")[-1])
            fits_of[(match[1], match[2], match[3])] = str(path)
    images, paths = [], []
    for batch in mirabest.read_batches(data_dir).values():
        for image, name in zip(batch["data"], batch["filenames"], strict=True):
            cls, ra, dec = name.split("/")[-1].removesuffix(".png").split("_")
            if (cls[0], ra, dec) in fits_of:
                images.append(image[..., np.newaxis].astype("float32"))
                paths.append(fits_of[(cls[0], ra, dec)])
    assert len(paths) > 150
    model = astrozoo.load("radio-cnn")
    from_png = model.predict(np.stack(images), verbose=0).argmax(axis=1)
    from_fits = model.predict(load_images(paths, (64, 64), channels=1), verbose=0).argmax(axis=1)
    assert np.mean(from_png == from_fits) >= 0.95


def test_colour_models_read_8_bit_images_and_radio_cnn_reads_fluxes():
    assert astrozoo.resolve_spec("galaxy-resnet").input.eight_bit
    assert astrozoo.resolve_spec("rings-resnet").input.eight_bit
    assert not astrozoo.resolve_spec("radio-cnn").input.eight_bit


@pytest.mark.data
def test_rrlyrae_models_read_a_stripe82_light_curve_saved_as_fits_like_its_csv(data_dir, tmp_path):
    from astropy.table import Table

    csv = sorted((data_dir / "rrlyrae_s82" / "light-curves").glob("*.csv"))[0]
    Table.read(csv, format="ascii.csv").write(tmp_path / f"{csv.stem}.fits")
    table = astrozoo.predict("rrlyrae-gru", [csv, tmp_path / f"{csv.stem}.fits"])
    assert not any(table["error"]) and table["label"][0] == table["label"][1]
    assert table["p_RRab"][0] == pytest.approx(table["p_RRab"][1], abs=1e-6)
