"""Model folders: atomic saves, verified loads, refusal of tampered or foreign files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import TINY_CONFIGS, as_format_1, example_input

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.errors import AstrozooError, ConfigError, IntegrityError, ModelNotFoundError


@pytest.fixture
def saved(tmp_path):
    model = build_from_config(*TINY_CONFIGS["mlp-classifier"][:2])
    return model, astrozoo.save(model, tmp_path / "model")


@pytest.fixture
def saved_v1(saved):
    """A folder in format 1 (config.json names an astrozoo builder), as published before Keras's format."""
    model, folder = saved
    return model, as_format_1(folder)


def test_folder_holds_config_weights_and_metadata(saved):
    model, folder = saved
    config = json.loads((folder / "config.json").read_text())
    assert config["registered_name"] == "astrozoo>ZooModel"  # Keras's own config, the spec inside
    assert config["config"]["spec"]["arguments"] == astrozoo.spec(model).arguments
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["keras_version"] and metadata["astrozoo_format"] == 2
    assert set(metadata["files"]) == {"config.json", "model.weights.h5"}
    assert metadata["parameter_count"] == model.count_params()
    recorded = {"astrozoo", "keras", "tensorflow", "numpy", "astropy", "python", "platform"}
    assert recorded <= set(metadata["versions"])
    assert metadata["spec"]["class_names"] == ["STAR", "GALAXY", "QSO"]
    assert not list(folder.parent.glob(".model.*")), "staging folders must not be left behind"


def test_save_refuses_to_overwrite_unless_asked(saved):
    model, folder = saved
    with pytest.raises(AstrozooError, match="already exists"):
        astrozoo.save(model, folder)
    astrozoo.save(model, folder, overwrite=True, description="second")
    assert astrozoo.spec(astrozoo.load(folder)).description == "second"


def test_flipped_byte_in_weights_is_refused(saved):
    _, folder = saved
    weights = folder / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="sha256"):
        astrozoo.load(folder)


def test_truncated_weights_are_refused(saved):
    _, folder = saved
    weights = folder / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(IntegrityError, match="truncated"):
        astrozoo.load(folder)


def _edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_config_naming_an_unknown_builder_is_refused(saved_v1):
    _, folder = saved_v1
    _edit_json(folder / "config.json", lambda c: c.update(builder="keras.models.load_model"))
    _edit_json(folder / "metadata.json", lambda m: m["files"].pop("config.json"))
    with pytest.raises(ConfigError, match="lists no sha256"):
        astrozoo.load(folder)
    from astrozoo.folders.integrity import file_record

    _edit_json(
        folder / "metadata.json",
        lambda m: m["files"].update({"config.json": file_record(folder / "config.json")}),
    )
    with pytest.raises(ConfigError, match="Unknown builder 'keras.models.load_model'"):
        astrozoo.load(folder)


@pytest.mark.parametrize("name", ["../outside.h5", "/etc/passwd", "a/../../b"])
def test_file_names_escaping_the_folder_are_refused(saved, name):
    _, folder = saved
    _edit_json(folder / "metadata.json", lambda m: m["files"].update({name: {"sha256": "0" * 64, "size": 1}}))
    with pytest.raises(IntegrityError, match="relative name inside the model folder"):
        astrozoo.load(folder)


def test_config_with_extra_keys_is_refused(saved_v1):
    _, folder = saved_v1
    _edit_json(folder / "config.json", lambda c: c.update(class_name="Functional"))
    with pytest.raises(ConfigError, match="or astrozoo's 'builder' and 'arguments'"):
        astrozoo.load(folder)


def test_metadata_disagreeing_with_config_is_refused(saved):
    _, folder = saved
    _edit_json(folder / "metadata.json", lambda m: m["spec"].update(class_names=["a", "b", "c"]))
    with pytest.raises(ConfigError, match="class_names"):
        astrozoo.load(folder)


def test_folder_without_metadata_is_not_a_model(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="metadata.json is missing"):
        astrozoo.load(tmp_path)


def test_unknown_name_suggests_close_matches(monkeypatch, tmp_path):
    manifest = tmp_path / "weights_manifest.json"
    manifest.write_text(json.dumps({"format_version": 2, "models": {"galaxy-resnet": {}, "radio-cnn": {}}}))
    monkeypatch.setattr(astrozoo.folders.manifest, "MANIFEST_PATH", manifest)
    with pytest.raises(ModelNotFoundError, match="Did you mean: galaxy-resnet") as caught:
        astrozoo.load("galaxy-resent")
    assert isinstance(caught.value, AstrozooError)
    with pytest.raises(ModelNotFoundError, match="radio-cnn"):
        astrozoo.load("nothing-like-it")


def test_spec_of_a_plain_keras_model_is_a_clear_error():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(AstrozooError, match="carries no astrozoo spec"):
        astrozoo.spec(model)


def test_zoo_models_load_from_the_package_with_verified_files(monkeypatch, tmp_path):
    """A zoo laid out like the shipped one: manifest entry plus weights/<name>/ folder."""
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])
    weights_dir = tmp_path / "weights"
    metrics = {"test": {"accuracy": 0.5, "n": 10}}
    folder = astrozoo.save(model, weights_dir / "tiny-cnn", name="tiny-cnn", metrics=metrics)
    from astrozoo.folders.integrity import file_record
    from astrozoo.folders.manifest import summary

    entry = {
        "summary": summary(astrozoo.resolve_spec(folder)),
        "hub": {},
        "files": {p.name: file_record(p) for p in sorted(folder.iterdir())},
    }
    manifest = tmp_path / "weights_manifest.json"
    manifest.write_text(json.dumps({"format_version": 2, "models": {"tiny-cnn": entry}}))
    monkeypatch.setattr(astrozoo.folders.manifest, "MANIFEST_PATH", manifest)
    monkeypatch.setattr(astrozoo.folders.manifest, "WEIGHTS_DIR", weights_dir)

    assert astrozoo.list_models() == ["tiny-cnn"]
    assert astrozoo.list_models(task="regression") == []
    loaded = astrozoo.load("tiny-cnn")
    x = example_input((2, 24, 24, 1))
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert astrozoo.spec(loaded).metrics["test"]["accuracy"] == 0.5
    assert astrozoo.spec(loaded).headline_metric() == "accuracy=0.5"

    assert astrozoo.resolve_spec("tiny-cnn").metrics == metrics  # read from the folder's metadata.json

    (folder / "metadata.json").write_text((folder / "metadata.json").read_text() + " ")
    with pytest.raises(IntegrityError, match="metadata.json"):
        astrozoo.load("tiny-cnn")
    with pytest.raises(IntegrityError, match="metadata.json"):
        astrozoo.resolve_spec("tiny-cnn")


def test_saved_weights_hold_no_optimizer_state(tmp_path):
    import h5py

    model = build_from_config(*TINY_CONFIGS["mlp-classifier"][:2])
    x = example_input((8, 3))
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, np.arange(8) % 3, epochs=1, verbose=0)
    folder = astrozoo.save(model, tmp_path / "m")
    with h5py.File(folder / "model.weights.h5") as weights:
        assert "optimizer" not in weights
    np.testing.assert_array_equal(astrozoo.load(folder).predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_folder_saved_before_a_builder_gained_an_argument_is_recorded_as_written(tmp_path):
    """A card-only refresh of an older zoo folder must keep the manifest's arguments equal to its config."""
    from astrozoo.folders.integrity import file_record
    from astrozoo.training.reproduce import record_in_manifest

    folder = astrozoo.save(build_from_config(*TINY_CONFIGS["cnn"][:2]), tmp_path / "old-cnn", name="old-cnn")
    as_format_1(folder)
    config_path, metadata_path = folder / "config.json", folder / "metadata.json"
    config = json.loads(config_path.read_text())
    del config["arguments"]["equivariant"]  # as saved before cnn() had it
    config_path.write_text(json.dumps(config))
    metadata = json.loads(metadata_path.read_text())
    metadata["files"]["config.json"] = file_record(config_path)
    metadata_path.write_text(json.dumps(metadata))
    manifest_path = tmp_path / "weights_manifest.json"
    manifest_path.write_text(json.dumps({"format_version": 2, "models": {}}))

    record_in_manifest("old-cnn", folder, manifest_path)
    entry = json.loads(manifest_path.read_text())["models"]["old-cnn"]
    assert sorted(entry) == ["files", "hub", "summary"]  # the spec stays in the folder alone
    assert entry["files"]["config.json"] == file_record(config_path)
    assert entry["files"]["metadata.json"] == file_record(metadata_path)


@pytest.mark.parametrize("variant", ["cnn", "ensemble-of-cnn"])
def test_zoo_folders_saved_before_a_builder_gained_an_argument_still_load(variant, tmp_path, monkeypatch):
    from astrozoo.folders import manifest
    from astrozoo.folders.integrity import file_record
    from astrozoo.training.reproduce import record_in_manifest

    model = build_from_config(*TINY_CONFIGS[variant][:2])
    folder = as_format_1(astrozoo.save(model, tmp_path / "weights" / "old-cnn", name="old-cnn"))
    config_path, metadata_path = folder / "config.json", folder / "metadata.json"
    config = json.loads(config_path.read_text())
    del config["arguments"].get("member_arguments", config["arguments"])["equivariant"]  # as saved before
    config_path.write_text(json.dumps(config))
    metadata = json.loads(metadata_path.read_text())
    metadata["files"]["config.json"] = file_record(config_path)
    metadata_path.write_text(json.dumps(metadata))
    manifest_path = tmp_path / "weights_manifest.json"
    manifest_path.write_text(json.dumps({"format_version": 2, "models": {}}))
    record_in_manifest("old-cnn", folder, manifest_path)
    monkeypatch.setattr(manifest, "WEIGHTS_DIR", tmp_path / "weights")
    monkeypatch.setattr(manifest, "MANIFEST_PATH", manifest_path)

    assert astrozoo.resolve_spec("old-cnn").arguments == config["arguments"]
    x = example_input(TINY_CONFIGS[variant][2])
    np.testing.assert_array_equal(astrozoo.load("old-cnn").predict(x, verbose=0), model.predict(x, verbose=0))

    config["arguments"].get("member_arguments", config["arguments"])["kernel_size"] = 5
    config_path.write_text(json.dumps(config))  # a config the manifest did not pin is refused
    with pytest.raises(IntegrityError, match="config.json"):
        astrozoo.load("old-cnn")
    with pytest.raises(IntegrityError, match="config.json"):
        astrozoo.resolve_spec("old-cnn")
