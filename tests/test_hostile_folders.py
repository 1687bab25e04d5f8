"""Malformed model folders whose sha256 records were rewritten with them: each refused in one line."""

import json

import numpy as np
import pytest
from conftest import TINY_CONFIGS, as_format_1

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.cli import main
from astrozoo.errors import AstrozooError, ConfigError, IntegrityError
from astrozoo.folders.integrity import file_record


@pytest.fixture(scope="module")
def saved_mlp(tmp_path_factory):
    """A tiny saved classifier in folder format 1 (builder config), copied by each test before it is
    tampered with; `test_keras_config_with_a_huge_layer_is_refused` covers Keras's format."""
    builder, arguments, _ = TINY_CONFIGS["mlp-classifier"]
    return as_format_1(
        astrozoo.save(build_from_config(builder, arguments), tmp_path_factory.mktemp("saved") / "mlp")
    )


@pytest.fixture
def folder(saved_mlp, tmp_path):
    import shutil

    return shutil.copytree(saved_mlp, tmp_path / "model")


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "stars.csv"
    path.write_text("u,g,r\n19.1,18.2,17.9\n")
    return path


def rewrite(folder, name, text):
    """Writes ``name`` and records its new sha256 and size in metadata.json, as a forger would."""
    (folder / name).write_text(text)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["files"][name] = file_record(folder / name)
    (folder / "metadata.json").write_text(json.dumps(metadata))


def edit_metadata(folder, change):
    metadata = json.loads((folder / "metadata.json").read_text())
    (folder / "metadata.json").write_text(json.dumps(change(metadata)))


def edit_arguments(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    config["arguments"].update(changes)
    rewrite(folder, "config.json", json.dumps(config))


def assert_refused_in_one_line(folder, table, capsys, commands=("info", "predict")):
    """``astrozoo.load``, ``astrozoo info`` and ``astrozoo predict`` each refuse with one error line."""
    with pytest.raises(AstrozooError) as caught:
        astrozoo.load(folder)
    capsys.readouterr()
    for command in commands:
        argv = ["info", str(folder)] if command == "info" else ["predict", str(folder), str(table)]
        assert main(argv) != 0
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("astrozoo: error:"), captured.err
        assert captured.out == ""
    return caught.value


def test_metadata_that_is_a_list(folder, table, capsys):
    (folder / "metadata.json").write_text("[]")
    err = assert_refused_in_one_line(folder, table, capsys)
    assert isinstance(err, ConfigError) and "Received: list" in str(err)


def test_files_that_are_a_list(folder, table, capsys):
    edit_metadata(folder, lambda m: {**m, "files": list(m["files"])})
    err = assert_refused_in_one_line(folder, table, capsys)
    assert "files to be a JSON object of file records" in str(err)


def test_file_record_that_is_a_string(folder, table, capsys):
    edit_metadata(folder, lambda m: {**m, "files": {**m["files"], "config.json": "deadbeef"}})
    err = assert_refused_in_one_line(folder, table, capsys)
    assert "files['config.json'] must be" in str(err) and "'deadbeef'" in str(err)


def test_deeply_nested_json(folder, table, capsys):
    rewrite(folder, "config.json", "[" * 200_000 + "]" * 200_000)
    err = assert_refused_in_one_line(folder, table, capsys)
    assert "nested too deeply" in str(err)


def test_arguments_nested_deeply(folder, table, capsys):
    nested = 1
    for _ in range(50):
        nested = [nested]
    edit_arguments(folder, hidden_units=nested)
    assert "levels deep" in str(assert_refused_in_one_line(folder, table, capsys))


def test_config_that_is_a_list(folder, table, capsys):
    rewrite(folder, "config.json", '["mlp", {}]')
    err = assert_refused_in_one_line(folder, table, capsys)
    assert "config.json': expected the document to be a JSON object. Received: list" in str(err)


def test_huge_layer_refused_before_it_is_built(folder, table, capsys):
    edit_arguments(folder, hidden_units=[30_000_000])
    err = assert_refused_in_one_line(folder, table, capsys)
    assert "arguments.hidden_units[0] is 30000000; expected at most" in str(err)


def test_number_of_ten_thousand_digits(folder, table, capsys):
    config = (
        (folder / "config.json")
        .read_text()
        .replace('"hidden_units": [', '"hidden_units": [' + "9" * 10_000 + ", ")
    )
    rewrite(folder, "config.json", config)
    assert "not valid JSON" in str(assert_refused_in_one_line(folder, table, capsys))


def test_nan_weights(tmp_path, table, capsys):
    builder, arguments, _ = TINY_CONFIGS["mlp-classifier"]
    model = build_from_config(builder, arguments)
    weights = model.get_weights()
    weights[-1] = np.full_like(weights[-1], np.nan)
    model.set_weights(weights)
    folder = astrozoo.save(model, tmp_path / "nan")  # a folder whose records are honest
    err = assert_refused_in_one_line(folder, table, capsys, commands=("predict",))
    assert "holds NaN or infinite values" in str(err)


def test_weights_of_the_wrong_shape(folder, table, capsys):
    edit_arguments(folder, hidden_units=[8, 4])
    err = assert_refused_in_one_line(folder, table, capsys, commands=("predict",))
    assert isinstance(err, ConfigError) and "does not fit the architecture" in str(err)


@pytest.mark.parametrize("name", ["config.json", "model.weights.h5"])
def test_symlink_leaving_the_folder(folder, table, capsys, tmp_path, name):
    outside = tmp_path / f"outside-{name}"
    (folder / name).rename(outside)
    (folder / name).symlink_to(outside)  # same bytes, so its sha256 record still holds
    err = assert_refused_in_one_line(folder, table, capsys)
    assert isinstance(err, IntegrityError) and "outside the model folder" in str(err)


def test_symlink_inside_the_folder_is_allowed(folder):
    (folder / "model.weights.h5").rename(folder / "weights-copy.h5")
    (folder / "model.weights.h5").symlink_to("weights-copy.h5")
    assert astrozoo.load(folder).output_shape == (None, 3)


def test_imagenet_backbone_weights_never_downloaded(folder, table, capsys, monkeypatch):
    import keras

    def no_download(*args, **kwargs):
        raise AssertionError("loading a folder reached for the network")

    monkeypatch.setattr(keras.utils, "get_file", no_download)
    _, arguments, _ = TINY_CONFIGS["resnet_transfer-compact"]
    config = {
        "builder": "resnet_transfer",
        "arguments": {**arguments, "backbone": "resnet50", "backbone_weights": "imagenet"},
    }
    rewrite(folder, "config.json", json.dumps(config))
    err = assert_refused_in_one_line(folder, table, capsys)
    assert "arguments.backbone_weights is 'imagenet'; expected none in a model folder" in str(err)


def test_backbone_naming_its_own_folder(folder, table, capsys):
    _, arguments, _ = TINY_CONFIGS["resnet_transfer-compact"]
    config = {"builder": "resnet_transfer", "arguments": {**arguments, "backbone": str(folder)}}
    rewrite(folder, "config.json", json.dumps(config))
    err = assert_refused_in_one_line(folder, table, capsys, commands=("predict",))
    assert isinstance(err, ConfigError) and "Unknown backbone" in str(err)


def test_untampered_folder_still_loads(folder):
    assert astrozoo.load(folder).output_shape == (None, 3)


def test_keras_config_with_a_huge_layer_is_refused(tmp_path, table, capsys):
    builder, arguments, _ = TINY_CONFIGS["mlp-classifier"]
    folder = astrozoo.save(build_from_config(builder, arguments), tmp_path / "keras-format")
    text = (folder / "config.json").read_text()
    assert '"units": ' in text
    rewrite(folder, "config.json", text.replace('"units": ', '"units": 3000000', 1))  # 256 -> 3000000256
    config = json.loads((folder / "config.json").read_text())
    assert "class_name" in config  # Keras's own format
    assert_refused_in_one_line(folder, table, capsys)
