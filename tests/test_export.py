"""`astrozoo export`: serving artifacts that compute what the Keras model computes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import DATA_DIR

import astrozoo
from astrozoo.cli import main
from astrozoo.errors import AstrozooError
from astrozoo.folders.export import export
from astrozoo.io import read_model_input

DEMO_DATA = Path(astrozoo.__file__).parent / "demo_data"
TOLERANCE = 1e-5


def served(folder: Path, batch: np.ndarray) -> np.ndarray:
    """The SavedModel's ``serving_default`` outputs on ``batch`` (its one output)."""
    outputs = keras.layers.TFSMLayer(str(folder), call_endpoint="serving_default")(batch)
    assert len(outputs) == 1, sorted(outputs)
    return np.asarray(next(iter(outputs.values())))


def sdss_rows() -> np.ndarray:
    """Real SDSS rows (u, g, r, i, z) when the data is present, else synthetic magnitudes."""
    path = DATA_DIR / "sdss_dr14" / "sdss_dr14.csv"
    if path.is_file():
        return pd.read_csv(path, nrows=500)[list("ugriz")].to_numpy(np.float32)
    return np.random.default_rng(0).normal(18.0, 1.5, size=(64, 5)).astype(np.float32)


def test_the_cli_exports_sdss_mlp_as_a_savedmodel_that_predicts_as_the_keras_model(tmp_path, capsys):
    folder = tmp_path / "sdss-mlp"
    assert main(["export", "sdss-mlp", "--format", "savedmodel", "-o", str(folder)]) == 0
    assert "exported as savedmodel" in capsys.readouterr().out
    rows = sdss_rows()
    expected = astrozoo.load("sdss-mlp").predict(rows, verbose=0)
    difference = np.abs(served(folder, rows) - expected).max()
    assert expected.shape == (len(rows), 3) and difference < TOLERANCE, difference
    assert not list(tmp_path.glob(".*")), "the staging folder was left behind"


def test_an_image_model_is_exported_with_its_preprocessing_and_test_time_averaging(tmp_path):
    model = astrozoo.load("radio-cnn")
    assert any(layer.name == "tta_average" for layer in model.layers)
    folder = export(model, tmp_path / "radio-cnn")
    for name in ("radio_fri.fits.fz", "radio_frii.fits.fz"):
        pixels = read_model_input(DEMO_DATA / name, astrozoo.spec(model).input).pixels[None]
        expected = astrozoo.predict(model, [DEMO_DATA / name])
        probabilities = np.array([[expected[f"p_{c}"][0] for c in astrozoo.spec(model).class_names]])
        difference = np.abs(served(folder, pixels) - probabilities).max()
        assert difference < TOLERANCE, (name, difference)


@pytest.mark.parametrize("format", ["tensorflow", "SavedModel", ""])
def test_an_unknown_format_is_refused_naming_the_known_ones(tmp_path, format):
    known = r"Expected an export format in \['litert', 'onnx', 'savedmodel'\]"
    with pytest.raises(AstrozooError, match=known):
        export("sdss-mlp", tmp_path / "out", format=format)
    assert not (tmp_path / "out").exists()


def test_an_existing_output_is_refused_and_left_as_it_was(tmp_path, capsys):
    existing = tmp_path / "out"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    assert main(["export", "sdss-mlp", "-o", str(existing)]) == 1
    assert "does not exist yet" in capsys.readouterr().err
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]


@pytest.mark.skipif(
    importlib.util.find_spec("tf2onnx") is not None and importlib.util.find_spec("onnx") is not None,
    reason="an ONNX converter is installed",
)
def test_onnx_without_its_converter_says_what_to_install(tmp_path):
    with pytest.raises(AstrozooError, match=r"pip install 'astrozoo\[onnx\]'"):
        export("sdss-mlp", tmp_path / "model.onnx", format="onnx")
    assert not (tmp_path / "model.onnx").exists()


@pytest.mark.filterwarnings("ignore:(?s).*ai_edge_litert")  # tf.lite.Interpreter's move notice
def test_litert_writes_a_tflite_file_that_predicts_as_the_keras_model(tmp_path):
    import tensorflow as tf

    path = export("sdss-mlp", tmp_path / "sdss-mlp.tflite", format="litert")
    rows = sdss_rows()[:8]
    runner = tf.lite.Interpreter(model_path=str(path))
    runner.resize_tensor_input(runner.get_input_details()[0]["index"], rows.shape)
    runner.allocate_tensors()
    runner.set_tensor(runner.get_input_details()[0]["index"], rows)
    runner.invoke()
    outputs = runner.get_tensor(runner.get_output_details()[0]["index"])
    expected = astrozoo.load("sdss-mlp").predict(rows, verbose=0)
    assert np.abs(outputs - expected).max() < TOLERANCE
