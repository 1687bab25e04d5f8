"""Saving and loading astrozoo model folders: JSON config, weights, verified metadata.

A model folder holds ``config.json`` (builder name and arguments),
``model.weights.h5`` (weights only), ``metadata.json`` (the model's spec,
library versions, parameter count, and the sha256 and size of the other files)
and ``README.md`` (its model card, for people).
Loading rebuilds the architecture with an astrozoo builder, checks every file's
sha256, then fills the weights: no Keras config, pickle or code is ever
deserialized from a folder.
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

from astrozoo import hub, manifest
from astrozoo.builders import build_from_config
from astrozoo.builders.registry import complete_arguments, rebuilt
from astrozoo.card import model_card
from astrozoo.errors import AstrozooError, ConfigError, ModelNotFoundError
from astrozoo.integrity import check_relative_name, file_record, verify_file
from astrozoo.model_folder import (
    CARD_FILE,
    CONFIG_FILE,
    METADATA_FILE,
    MODEL_FILES,
    WEIGHTS_FILE,
    read_folder_json,
)
from astrozoo.spec import attach_spec, spec

DESCRIPTIVE_FIELDS = ("name", "description", "metrics", "training", "hub", "license", "citation")


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
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a model folder is not
    try:
        config = {"builder": model_spec.builder, "arguments": model_spec.arguments}
        _write_json(staging / CONFIG_FILE, config)
        _save_weights_only(model, staging / WEIGHTS_FILE)
        description = model_spec.to_dict()
        for key in ("builder", "arguments"):
            description.pop(key)
        metadata = {
            "astrozoo_format": manifest.FORMAT_VERSION,
            "spec": description,
            "files": {name: file_record(staging / name) for name in MODEL_FILES},
            "parameter_count": int(model.count_params()),
            "versions": library_versions(),
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        _write_json(staging / METADATA_FILE, metadata)
        (staging / CARD_FILE).write_text(model_card(model_spec), encoding="utf-8")
        _move_into_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load(ref: str | os.PathLike, revision: str | None = None) -> keras.Model:
    """Loads a zoo model by name, or a model folder, with every file verified first.

    Args:
        ref: a zoo name (``"galaxy-resnet"``), a folder written by `save`, or
            ``"hf://org/repo"`` (downloaded into the Hugging Face cache, every
            file checked against the sha256 in the repo's ``metadata.json``).
        revision: Hub branch, tag or commit (``hf://`` references only).

    Returns:
        A `keras.Model` built by an astrozoo builder, weights filled, its spec
        reachable with `astrozoo.spec`.

    Raises:
        ModelNotFoundError: nothing of that name; close zoo names are suggested.
        IntegrityError: a file's sha256 or size differs from its record.
        ConfigError: the config names an unknown builder or bad arguments.

    Example:
        >>> import astrozoo
        >>> astrozoo.load("no-such-model")
        Traceback (most recent call last):
        ...
        astrozoo.errors.ModelNotFoundError: Unknown model 'no-such-model'...
    """
    ref_text = os.fspath(ref)
    if ref_text.startswith(hub.HF_PREFIX):
        return load_folder(hub.download(hub.parse_reference(ref_text), revision))
    if revision is not None:
        raise AstrozooError(f"revision applies to hf:// references only. Received: ref={ref_text!r}")
    models = manifest.read_manifest()["models"]
    if ref_text in models:
        return _load_zoo(ref_text, models[ref_text])
    if Path(ref_text).is_dir():
        return load_folder(ref_text)
    raise ModelNotFoundError.for_name(ref_text, models)


def load_folder(folder: str | os.PathLike, records: dict | None = None, **describe) -> keras.Model:
    """Loads a model folder, checking files against ``records`` or its own metadata.

    Args:
        folder: a folder written by `save`.
        records: ``{file name: {"sha256", "size"}}`` to verify against (the zoo
            manifest's); defaults to the folder's ``metadata.json``.
        **describe: descriptive spec fields overriding the folder's metadata.
    """
    folder = Path(folder)
    metadata_path = folder / METADATA_FILE
    if records is not None:
        for name, record in records.items():
            verify_file(folder / check_relative_name(name), record)
    config, metadata = read_folder_json(folder)
    if records is None:
        for name, record in metadata["files"].items():
            verify_file(folder / check_relative_name(name), record)
    model = build_from_config(config["builder"], config["arguments"])
    built = spec(model)
    stored = metadata["spec"]
    if tuple(stored.get("class_names", ())) != built.class_names or stored.get("task") != built.task:
        raise ConfigError(
            f"{str(metadata_path)!r} describes task={stored.get('task')!r} with "
            f"class_names={stored.get('class_names')}, but its config builds task={built.task!r} "
            f"with class_names={list(built.class_names)}."
        )
    model.load_weights(folder / WEIGHTS_FILE)
    fields = {k: stored[k] for k in DESCRIPTIVE_FIELDS if k in stored}
    fields.update(describe)
    return attach_spec(model, built.replace(**fields))


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


def _load_zoo(name: str, entry: dict) -> keras.Model:
    """Loads a zoo model from the weights shipped in the package, else from its pinned Hub revision."""
    records = entry.get("files", {})
    if not {CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE} <= set(records):
        raise ConfigError(f"Manifest entry {name!r} must list {[CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE]}.")
    folder = manifest.WEIGHTS_DIR / name
    if not folder.is_dir():
        location = entry.get("hub") or {}
        if not location.get("repo_id") or not location.get("revision"):
            raise AstrozooError(
                f"The weights of zoo model {name!r} are not installed (expected {str(folder)!r}) and it "
                "has no pinned Hub revision to download them from. Reinstall astrozoo."
            )
        folder = hub.download(location["repo_id"], location["revision"], records=records)
    described = manifest.entry_spec(name, entry)
    fields = {k: getattr(described, k) for k in DESCRIPTIVE_FIELDS}
    model = load_folder(folder, records=records, **fields)
    expected = complete_arguments(described.builder, described.arguments)  # builders may gain arguments
    if (spec(model).builder, spec(model).arguments) != (described.builder, expected):
        raise ConfigError(f"Zoo model {name!r}: config.json disagrees with the manifest's builder arguments.")
    return model


def _save_weights_only(model: keras.Model, path: Path) -> None:
    """Writes the model's weights without any optimizer state.

    Keras stores a compiled model's optimizer variables (Adam keeps two per
    weight) in ``save_weights``; a fresh copy of the architecture holding the
    same weights stores only what inference and fine-tuning need.
    """
    rebuilt(model).save_weights(path)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


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
