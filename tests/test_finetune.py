"""`astrozoo.finetune` and `astrozoo finetune`: tiny bases, small synthetic data with a learnable signal."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import TINY_CONFIGS
from PIL import Image

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.cli import main
from astrozoo.errors import InputError, TrainingError
from astrozoo.training import finetune as finetune_module
from astrozoo.training.finetune import _with_classes

FAST = {"epochs": 6, "progress": False, "learning_rate": 0.02, "fine_tune_learning_rate": 0.005}


def saved_base(tmp_path, config: str, **changes):
    builder, arguments, _ = TINY_CONFIGS[config]
    if builder == "mlp":  # as a trained base would be: its normalization fitted to magnitudes like ours
        changes = {"adapt_data": np.random.default_rng(9).normal(18, 1, (64, 3)), **changes}
    model = build_from_config(builder, {**arguments, **changes})
    return astrozoo.save(model, tmp_path / f"base-{config}")


def blob_images(folder, per_class: int = 20, seed: int = 0) -> dict[str, list]:
    """PNG cutouts: a bright central blob, or noise alone."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:24, :24]
    blob = 200 * np.exp(-((yy - 11.5) ** 2 + (xx - 11.5) ** 2) / 18)
    files = {}
    for label in ("blob", "flat"):
        files[label] = []
        (folder / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.uniform(0, 50, (24, 24, 3)) + (blob[..., None] if label == "blob" else 0)
            path = folder / label / f"{i}.png"
            Image.fromarray(np.clip(pixels, 0, 255).astype("uint8")).save(path)
            files[label].append(path)
    return files


def colour_table(path, n: int = 160, label: str = "kind", seed: int = 0, random_labels: bool = False):
    """u, g, r magnitudes and a label set by the g - r colour (or at random), and a redshift following it."""
    rng = np.random.default_rng(seed)
    mags = rng.normal(18, 1, (n, 3))
    colour = mags[:, 1] - mags[:, 2]
    kinds = np.where(rng.random(n) < 0.5 if random_labels else colour > 0, "red", "blue")
    redshift = 0.2 + 0.05 * colour
    rows = [
        f"{u:.4f},{g:.4f},{r:.4f},{k},{z:.5f}" for (u, g, r), k, z in zip(mags, kinds, redshift, strict=True)
    ]
    path.write_text(f"u,g,r,{label},redshift\n" + "\n".join(rows) + "\n")
    return path


def test_new_classes_from_class_folders_get_a_new_head(tmp_path):
    base = saved_base(tmp_path, "resnet_transfer-compact")
    blob_images(tmp_path / "data")
    model = astrozoo.finetune(base, tmp_path / "data", seed=1, **FAST)
    model_spec = astrozoo.spec(model)
    assert model_spec.class_names == ("blob", "flat")
    assert model_spec.training["examples"] == {"blob": 20, "flat": 20, "skipped": 0}
    assert model_spec.training["split_sizes"] == {"train": 32, "validation": 8}
    assert model_spec.metrics["validation"]["n"] == 8
    assert all(layer.trainable for layer in model._flatten_layers())  # returned unfrozen


def test_same_classes_keep_the_head_in_the_base_order(tmp_path):
    base = astrozoo.load(saved_base(tmp_path, "cnn"))
    head = base.get_layer("predictions").get_weights()
    kept = _with_classes(base, ["FRII", "FRI"])
    assert astrozoo.spec(kept).class_names == ("FRI", "FRII")
    for new, old in zip(kept.get_layer("predictions").get_weights(), head, strict=True):
        np.testing.assert_array_equal(new, old)
    fresh = _with_classes(base, ["a", "b", "c"])
    assert fresh.get_layer("predictions").get_weights()[0].shape == (head[0].shape[0], 3)
    np.testing.assert_array_equal(
        fresh.get_layer("conv_0").get_weights()[0], base.get_layer("conv_0").get_weights()[0]
    )


def test_a_table_of_files_with_the_base_classes(tmp_path):
    base = saved_base(tmp_path, "cnn", class_names=["blob", "flat"], channels=3)
    files = blob_images(tmp_path / "images")
    table = tmp_path / "labels.csv"
    lines = [f"{path.relative_to(tmp_path)},{label}" for label, paths in files.items() for path in paths]
    table.write_text("path,label\n" + "\n".join(lines) + "\n")
    model = astrozoo.finetune(base, table, **FAST)
    assert astrozoo.spec(model).class_names == ("blob", "flat")
    assert astrozoo.spec(model).training["base"]["name"] == str(base)


def test_a_table_base_learns_a_new_target_column(tmp_path):
    base = saved_base(tmp_path, "mlp-classifier")
    model = astrozoo.finetune(base, colour_table(tmp_path / "stars.csv"), target="kind", **FAST)
    model_spec = astrozoo.spec(model)
    assert model_spec.class_names == ("blue", "red")
    assert model_spec.metrics["validation"]["accuracy"] > 0.7


def test_a_regressor_keeps_its_head_and_learns_a_numeric_target(tmp_path):
    base = saved_base(tmp_path, "mlp-regressor")
    model = astrozoo.finetune(base, colour_table(tmp_path / "galaxies.csv"), **FAST)  # target: redshift
    model_spec = astrozoo.spec(model)
    assert model_spec.task == "regression" and model_spec.target_names == ("redshift",)
    assert "nmad" in model_spec.metrics["validation"]
    with pytest.raises(InputError, match="numeric"):
        astrozoo.finetune(base, colour_table(tmp_path / "galaxies.csv"), target="kind", **FAST)


def test_the_command_writes_a_folder_that_loads_predicts_and_names_its_base(tmp_path, capsys):
    base = saved_base(tmp_path, "mlp-classifier")
    table = colour_table(tmp_path / "stars.csv")
    out = tmp_path / "mine"
    code = main(["finetune", str(base), str(table), "-o", str(out), "--target", "kind", "--epochs", "6",
                 "--set", "learning_rate=0.02", "--set", "fine_tune_learning_rate=0.005"])  # fmt: skip
    printed = capsys.readouterr().err
    assert code == 0, printed
    assert "stage 1 (head) epoch 1/2:" in printed  # the progress lines
    model = astrozoo.load(out)
    predictions = astrozoo.predict(model, [table])
    assert set(predictions["label"]) <= {"blue", "red"} and "p_red" in predictions.colnames
    card = (out / "README.md").read_text()
    sha = json.loads((base / "metadata.json").read_text())["files"]["model.weights.h5"]["sha256"]
    assert sha in card
    counts = astrozoo.spec(model).training["examples"]
    assert f"blue {counts['blue']}, red {counts['red']}" in card
    assert f"astrozoo finetune {base} {table} -o {out} --target kind" in card
    assert "## Metrics on the validation split" in card and "95% interval" in card


def test_a_run_that_learns_nothing_is_refused_and_writes_nothing(tmp_path, capsys):
    base = saved_base(tmp_path, "mlp-classifier")
    table = colour_table(tmp_path / "random.csv", random_labels=True)
    with pytest.raises(TrainingError, match="did not learn.*Nothing was written"):
        astrozoo.finetune(base, table, target="kind", **FAST)
    out = tmp_path / "nothing"
    assert main(["finetune", str(base), str(table), "-o", str(out), "--target", "kind", "--epochs", "3"]) == 1
    assert not out.exists() and not list(tmp_path.glob(".nothing*"))


def test_ctrl_c_writes_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(finetune_module, "fit", interrupted)
    base = saved_base(tmp_path, "mlp-classifier")
    out = tmp_path / "mine"
    code = main(
        ["finetune", str(base), str(colour_table(tmp_path / "t.csv")), "-o", str(out), "--target", "kind"]
    )
    assert code == 130 and "nothing was written" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".mine*"))


def test_bad_data_says_what_was_expected(tmp_path):
    base = saved_base(tmp_path, "cnn", class_names=["blob", "flat"], channels=3)
    files = blob_images(tmp_path / "images", per_class=12)
    with pytest.raises(
        InputError, match=r"\['path', 'label'\].*'label'\] not found.*Received columns: \['path', 'kind'\]"
    ):
        (tmp_path / "nolabel.csv").write_text("path,kind\nimages/blob/0.png,blob\n")
        astrozoo.finetune(base, tmp_path / "nolabel.csv", **FAST)
    with pytest.raises(InputError, match="3 of the 3 examples.*cannot be read.*missing.png"):
        (tmp_path / "gone.csv").write_text("path,label\n" + "missing.png,blob\n" * 3)
        astrozoo.finetune(base, tmp_path / "gone.csv", **FAST)
    with pytest.raises(InputError, match="at least two classes.*Received only \\['blob'\\]"):
        (tmp_path / "one.csv").write_text("path,label\n" + "".join(f"{p},blob\n" for p in files["blob"]))
        astrozoo.finetune(base, tmp_path / "one.csv", **FAST)
    with pytest.raises(InputError, match="does not exist"):
        astrozoo.finetune(base, tmp_path / "nowhere", **FAST)
    lines = [f"{p},{label}" for label, paths in files.items() for p in paths] + ["missing.png,blob"]
    (tmp_path / "one_missing.csv").write_text("path,label\n" + "\n".join(lines) + "\n")
    with pytest.warns(UserWarning, match="Skipped 1 of the 25 examples.*missing.png"):
        rows = finetune_module.read_labelled(tmp_path / "one_missing.csv", astrozoo.spec(astrozoo.load(base)))
    assert len(rows) == 24


def test_an_unknown_base_and_setting_are_refused(tmp_path):
    with pytest.raises(astrozoo.ModelNotFoundError):
        astrozoo.finetune("no-such-model", tmp_path)
    with pytest.raises(astrozoo.ConfigError, match="Unknown fine-tuning settings"):
        astrozoo.finetune("sdss-mlp", tmp_path, filters=[8])
