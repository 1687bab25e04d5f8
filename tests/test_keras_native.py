"""Keras's own folder format both ways: astrozoo folders load in Keras, Keras-saved ones in astrozoo."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import ROOT, TINY_CONFIGS, example_input

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.errors import AstrozooError, ConfigError
from astrozoo.folders import manifest
from astrozoo.folders.files import folder_spec
from astrozoo.folders.integrity import UnverifiedFilesWarning

ZOO = manifest.list_models()


def _inputs(model, batch=3):
    rng = np.random.default_rng(0)
    shapes = [(batch, *(32 if size is None else size for size in t.shape[1:])) for t in model.inputs]
    xs = [rng.normal(size=shape).astype("float32") for shape in shapes]
    return xs[0] if len(xs) == 1 else xs


@pytest.mark.parametrize("name", ZOO)
def test_shipped_folders_predict_as_their_builder_with_the_same_weights_file(name):
    """The migration kept each model: Keras's config and the format-1 rebuild give bit-identical outputs."""
    folder = manifest.WEIGHTS_DIR / name
    written = folder_spec(folder)
    rebuilt = build_from_config(written.builder, written.arguments)  # what format 1 loaded
    rebuilt.load_weights(folder / "model.weights.h5")
    x = _inputs(rebuilt)
    expected = rebuilt.predict(x, verbose=0)
    np.testing.assert_array_equal(astrozoo.load(name).predict(x, verbose=0), expected)
    by_keras = keras.saving.load_model(folder, safe_mode=True)
    np.testing.assert_array_equal(by_keras.predict(x, verbose=0), expected)
    assert astrozoo.spec(by_keras).class_names == written.class_names


def test_saved_folder_loads_in_keras_safe_mode_with_its_spec(tmp_path):
    builder, arguments, shape = TINY_CONFIGS["cnn"]
    model = build_from_config(builder, arguments)
    folder = astrozoo.save(model, tmp_path / "tiny", name="tiny", description="a test")
    x = example_input(shape)
    loaded = keras.saving.load_model(folder, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert astrozoo.spec(loaded).description == "a test"
    assert astrozoo.spec(astrozoo.load(folder)) == astrozoo.spec(loaded)


@pytest.mark.parametrize("suffix", [".keras", ""])
def test_model_saved_by_keras_keeps_its_spec_in_astrozoo(tmp_path, suffix):
    builder, arguments, shape = TINY_CONFIGS["mlp-classifier"]
    model = build_from_config(builder, arguments)
    path = tmp_path / f"native{suffix}"
    model.save(path) if suffix else keras.src.saving.saving_lib.save_model(model, path, zipped=False)
    loaded = astrozoo.load(path)
    x = example_input(shape)
    assert astrozoo.spec(loaded) == astrozoo.spec(model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_plain_keras_model_loads_without_a_spec(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    path = tmp_path / "plain.keras"
    model.save(path)
    loaded = astrozoo.load(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(AstrozooError, match="carries no astrozoo spec"):
        astrozoo.spec(loaded)
    with pytest.raises(AstrozooError, match="carries no astrozoo spec"):
        astrozoo.predict(loaded, [str(tmp_path)])


def test_lambda_layers_are_refused(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ConfigError, match="safe mode"):
        astrozoo.load(path)


def test_unregistered_classes_are_refused(tmp_path):
    class Doubling(keras.layers.Layer):  # not registered: safe mode has no way to find it
        def call(self, inputs):
            return inputs * 2

    inputs = keras.Input((2,))
    path = tmp_path / "custom.keras"
    keras.Model(inputs, Doubling()(inputs)).save(path)
    with pytest.raises(ConfigError, match="registered by astrozoo"):
        astrozoo.load(path)


def test_push_then_plain_keras_loads_from_the_hub_in_a_fresh_process(local_hub, tmp_path):
    builder, arguments, shape = TINY_CONFIGS["mlp-classifier"]
    model = build_from_config(builder, arguments)
    astrozoo.push(model, "me/tiny")
    x = example_input(shape)
    np.save(tmp_path / "x.npy", x)
    script = (
        "import sys, numpy as np, astrozoo, keras\n"
        "model = keras.saving.load_model('hf://me/tiny')\n"
        "np.save(sys.argv[1], model.predict(np.load(sys.argv[2]), verbose=0))\n"
        "print(astrozoo.spec(model).class_names)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "y.npy"), str(tmp_path / "x.npy")],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "STAR" in done.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0))


def test_repo_saved_by_keras_loads_with_a_warning_and_predicts(local_hub, monkeypatch):
    builder, arguments, shape = TINY_CONFIGS["mlp-classifier"]
    model = build_from_config(builder, arguments)
    from huggingface_hub import constants

    with monkeypatch.context() as patched:  # Keras's upload reads the endpoint huggingface_hub read at import
        patched.setattr(constants, "ENDPOINT", local_hub.endpoint)
        model.save("hf://me/native")  # Keras's own upload: no sha256 records
    with pytest.warns(UnverifiedFilesWarning, match="revision="):
        loaded = astrozoo.load("hf://me/native")
    x = example_input(shape)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert astrozoo.spec(loaded).class_names == astrozoo.spec(model).class_names
