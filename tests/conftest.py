"""Shared fixtures: the real data folder, tiny model configs, and example inputs."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["HF_HUB_DISABLE_XET"] = "1"  # the local test Hub speaks plain HTTP and LFS
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("ASTROZOO_DATA", ROOT.parent / "shared" / "data"))

# One tiny configuration per builder variant: (builder, arguments, example input shape).
TINY_CONFIGS = {
    "mlp-classifier": (
        "mlp",
        {
            "features": ["u", "g", "r"],
            "class_names": ["STAR", "GALAXY", "QSO"],
            "colours": [["u", "g"], ["g", "r"]],
            "hidden_units": [8, 8],
        },
        (4, 3),
    ),
    "mlp-regressor": (
        "mlp",
        {
            "features": ["u", "g", "r"],
            "task": "regression",
            "target_names": ["redshift"],
            "log_features": ["r"],
            "missing_value": -99.99,
            "hidden_units": [8],
            "batch_norm": False,
        },
        (4, 3),
    ),
    "cnn": (
        "cnn",
        {
            "class_names": ["FRI", "FRII"],
            "channels": 1,
            "image_size": [16, 16],
            "filters": [4, 8],
            "dense_units": [8],
            "stretch": "asinh",
            "noise_floor_sigma": 1.0,
            "tta": True,
        },
        (4, 24, 24, 1),
    ),
    "cnn-equivariant": (
        "cnn",
        {
            "class_names": ["FRI", "FRII"],
            "channels": 1,
            "image_size": [16, 16],
            "filters": [2, 3],
            "dense_units": [8],
            "equivariant": True,
        },
        (4, 24, 24, 1),
    ),
    "resnet_transfer-compact": (
        "resnet_transfer",
        {
            "class_names": ["spiral", "non_spiral"],
            "image_size": [16, 16],
            "compact_widths": [8, 16],
            "compact_blocks": [1, 1],
            "normalize": "unit",
            "trainable_blocks": 1,
        },
        (4, 20, 20, 3),
    ),
    "recurrent-gru": (
        "recurrent",
        {"class_names": ["RRab", "RRc"], "bands": ["g", "r"], "cell": "gru", "units": [8, 8]},
        (4, 12, 5),
    ),
    "recurrent-lstm-bidirectional": (
        "recurrent",
        {
            "task": "regression",
            "target_names": ["period"],
            "bands": ["g"],
            "cell": "lstm",
            "units": [8],
            "bidirectional": True,
        },
        (4, 12, 4),
    ),
}
TINY_CONFIGS["cnn-equivariant-d8"] = (
    "cnn",
    {**TINY_CONFIGS["cnn-equivariant"][1], "rotations": 8},
    TINY_CONFIGS["cnn-equivariant"][2],
)
TINY_CONFIGS["ensemble-of-cnn"] = (
    "ensemble",
    {"member_builder": "cnn", "member_arguments": TINY_CONFIGS["cnn"][1], "members": 2},
    TINY_CONFIGS["cnn"][2],
)


def example_input(shape, seed: int = 0) -> np.ndarray:
    """Random input of ``shape`` that looks like the kind of data its model reads."""
    rng = np.random.default_rng(seed)
    if len(shape) == 3:  # light curves: time, mag, err, one-hot bands; last steps padded
        x = np.zeros(shape, "float32")
        n_bands = shape[2] - 3
        for i in range(shape[0]):
            steps = shape[1] - i
            x[i, :steps, 0] = np.sort(rng.uniform(0, 100, steps))
            x[i, :steps, 1] = rng.normal(17, 0.3, steps)
            x[i, :steps, 2] = rng.uniform(0.01, 0.05, steps)
            x[i, np.arange(steps), 3 + rng.integers(0, n_bands, steps)] = 1.0
        return x
    if len(shape) == 2:
        return rng.normal(18, 1, shape).astype("float32")
    return (rng.random(shape) * 255).astype("float32")


# The caller's Hugging Face settings (many clusters set HF_HUB_OFFLINE=1) must not change what tests do;
# HF_HUB_DISABLE_XET stays, set above for the local test Hub.
HUB_VARIABLES = (
    "HF_HUB_OFFLINE",
    "HF_ENDPOINT",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_HOME",
    "HF_HUB_CACHE",
    "TRANSFORMERS_OFFLINE",
)


@pytest.fixture(autouse=True)
def no_caller_hub_settings(monkeypatch):
    """Removes the caller's Hub variables for each test (and the notebook kernels it starts).

    huggingface_hub reads ``HF_HUB_OFFLINE`` once, at import, so its constant is reset too.
    """
    for name in HUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def data_dir() -> Path:
    """The real data folder (ASTROZOO_DATA, default ../shared/data); skips when absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"real data not found at {DATA_DIR} (set ASTROZOO_DATA to its folder)")
    return DATA_DIR


@pytest.fixture
def local_hub(monkeypatch, tmp_path):
    """A local Hub server on 127.0.0.1 with the real huggingface_hub client pointed at it."""
    import huggingface_hub

    from astrozoo.testing import LocalHub

    hub = LocalHub()
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    # huggingface-hub 0.24 validates a README's metadata against the ENDPOINT it read at import.
    if tuple(int(part) for part in huggingface_hub.__version__.split(".")[:2]) < (0, 25):
        from huggingface_hub import hf_api

        monkeypatch.setattr(hf_api, "ENDPOINT", hub.endpoint)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_TOKEN", "hf_fake_token_for_tests")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield hub
    hub.close()


def as_format_1(folder):
    """Rewrites a folder written by `astrozoo.save` in folder format 1 (builder config), as published before.

    The weights file is kept: format 1 and Keras's own folder address the same weights alike.
    """
    import json

    from astrozoo.folders.integrity import file_record

    metadata = json.loads((folder / "metadata.json").read_text())
    description = metadata["spec"]
    config = {"builder": description.pop("builder"), "arguments": description.pop("arguments")}
    (folder / "config.json").write_text(json.dumps(config))
    for key in ("keras_version", "date_saved"):
        metadata.pop(key)
    metadata["astrozoo_format"] = 1
    metadata["files"]["config.json"] = file_record(folder / "config.json")
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


@pytest.fixture(scope="module")
def galaxy_model(tmp_path_factory):
    """A tiny saved resnet_transfer colour-image classifier (a model folder path)."""
    import astrozoo
    from astrozoo.builders import build_from_config

    model = build_from_config(*TINY_CONFIGS["resnet_transfer-compact"][:2])
    return astrozoo.save(model, tmp_path_factory.mktemp("models") / "tiny-galaxy")


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    """A tiny saved MLP regressor of table rows (a model folder path)."""
    import astrozoo
    from astrozoo.builders import build_from_config

    model = build_from_config(*TINY_CONFIGS["mlp-regressor"][:2])
    return astrozoo.save(model, tmp_path_factory.mktemp("models") / "tiny-photoz")
