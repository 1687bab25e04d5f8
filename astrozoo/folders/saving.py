"""Saving a model folder (`astrozoo.save`): Keras config, weights, verified metadata and card.

The folder is the one Keras writes for ``model.save("hf://...")``: ``config.json``
(the model serialized as an `astrozoo.zoo_model.ZooModel`, spec included),
``model.weights.h5`` and ``metadata.json`` (Keras's keys, plus astrozoo's: the
spec, each file's sha256, library versions), so ``keras.saving.load_model``
reads it as well as `astrozoo.load`. It is written beside its destination and
moved into place only when complete; `astrozoo.folders.loading` reads it back.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np

from astrozoo.errors import AstrozooError
from astrozoo.folders.card import model_card
from astrozoo.folders.files import (
    CARD_FILE,
    CONFIG_FILE,
    DESCRIPTIVE_FIELDS,
    FOLDER_FORMAT_VERSION,
    METADATA_FILE,
    MODEL_FILES,
    WEIGHTS_FILE,
)
from astrozoo.folders.integrity import current_umask, file_record
from astrozoo.spec import spec
from astrozoo.zoo_model import as_zoo_model


def save(model: keras.Model, folder: str | os.PathLike, *, overwrite: bool = False, **describe) -> Path:
    """Writes a model folder that `load` turns back into the same model.

    The folder is written beside its destination and moved into place only when
    complete, so a crash never leaves a half-written model behind.

    Args:
        model: a model built by an astrozoo builder or loaded by `load`.
        folder: destination folder.
        overwrite: replace an existing folder.
        **describe: descriptive spec fields to set, e.g. ``name``, ``metrics``,
            ``description``, ``license``, ``training``.

    Returns:
        The folder's path.

    Example:
        >>> import tempfile, numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> folder = astrozoo.save(model, tempfile.mkdtemp() + "/my-mlp", name="my-mlp")
        >>> sorted(p.name for p in folder.iterdir())
        ['README.md', 'config.json', 'metadata.json', 'model.weights.h5']
    """
    model_spec = spec(model)
    unknown = set(describe) - set(DESCRIPTIVE_FIELDS)
    if unknown:
        raise TypeError(f"save() got unknown fields {sorted(unknown)}; expected among {DESCRIPTIVE_FIELDS}")
    model_spec = model_spec.replace(**describe)
    folder = Path(folder)
    if not model_spec.name:
        model_spec = model_spec.replace(name=folder.name)  # the card's title, the predict output's source
    if folder.exists() and not overwrite:
        raise AstrozooError(f"Folder {str(folder)!r} already exists: pass overwrite=True to replace it.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.partial-"))
    staging.chmod(0o777 & ~current_umask())  # mkdtemp makes it private; a model folder is not
    try:
        # A fresh, uncompiled ZooModel over the same layers: no optimizer state, the spec in its config.
        zoo_model = as_zoo_model(model, model_spec)
        _write_json(staging / CONFIG_FILE, keras.saving.serialize_keras_object(zoo_model))
        zoo_model.save_weights(staging / WEIGHTS_FILE)
        _write_json(staging / METADATA_FILE, folder_metadata(zoo_model, staging))
        (staging / CARD_FILE).write_text(model_card(model_spec), encoding="utf-8")
        _move_into_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def folder_metadata(model: keras.Model, folder: Path) -> dict:
    """``metadata.json`` of a folder holding ``model``'s config and weights: Keras's keys, then astrozoo's.

    Args:
        model: a model carrying its spec (`astrozoo.spec`).
        folder: the folder whose ``config.json`` and ``model.weights.h5`` are recorded.
    """
    now = datetime.datetime.now(datetime.UTC)
    return {
        "keras_version": keras.__version__,
        "date_saved": now.strftime("%Y-%m-%d@%H:%M:%S"),  # Keras's own format for this key
        "astrozoo_format": FOLDER_FORMAT_VERSION,
        "spec": spec(model).to_dict(),  # builder and arguments included, for provenance
        "files": {name: file_record(folder / name) for name in MODEL_FILES},
        "parameter_count": int(model.count_params()),
        "versions": library_versions(),
        "created": now.isoformat(timespec="seconds"),
    }


def library_versions() -> dict:
    """Versions of the libraries a saved model depends on, and the system it was saved on (e.g. Linux x86_64).

    NumPy and astropy compute what recipes fit before training (e.g. rrlyrae's period prior), so a
    retrain that differs in the last bits can be traced to them or to the machine.
    """
    import astropy  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415 (heavy, only needed here)

    from astrozoo import __version__  # noqa: PLC0415

    return {
        "astrozoo": __version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "astropy": astropy.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",  # no host or kernel: metadata is published
    }


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _move_into_place(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.replace(staging, folder)
        return
    retired = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
    os.replace(folder, retired / folder.name)
    os.replace(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)
