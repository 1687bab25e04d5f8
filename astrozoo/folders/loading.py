"""Loading astrozoo model folders: by zoo name, from a folder, or from the Hugging Face Hub.

A model folder holds ``config.json`` (builder name and arguments),
``model.weights.h5`` (weights only), ``metadata.json`` (the model's spec,
library versions, parameter count, and the sha256 and size of the other files)
and ``README.md`` (its model card, for people).
Loading rebuilds the architecture with an astrozoo builder, checks every file's
sha256, then fills the weights: no Keras config, pickle or code is ever
deserialized from a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from astrozoo.builders import build_from_config
from astrozoo.errors import AstrozooError, ConfigError, ModelNotFoundError
from astrozoo.folders import manifest, transport, validation, zoo
from astrozoo.folders.files import (
    DESCRIPTIVE_FIELDS,
    METADATA_FILE,
    WEIGHTS_FILE,
    read_folder_json,
)
from astrozoo.folders.integrity import check_relative_name, verify_file
from astrozoo.spec import attach_spec, spec


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
    if ref_text.startswith(transport.HF_PREFIX):
        return load_folder(transport.download(transport.parse_reference(ref_text), revision))
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
            manifest's); defaults to the folder's ``metadata.json``; ``{}`` when the
            caller has verified them (`astrozoo.folders.zoo.zoo_folder`).
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
    validation.load_checked_weights(model, folder / WEIGHTS_FILE)  # shapes that fit, finite values
    fields = {k: stored[k] for k in DESCRIPTIVE_FIELDS if k in stored}
    fields.update(describe)
    return attach_spec(model, built.replace(**fields))


def _load_zoo(name: str, entry: dict) -> keras.Model:
    """Loads a zoo model from the weights shipped in the package, else from its pinned Hub revision.

    Every file is checked against the manifest's sha256, ``metadata.json`` included, so the spec the
    folder describes is the one the manifest pinned.
    """
    folder = zoo.zoo_folder(name, entry)  # every file it lists, verified
    return load_folder(folder, records={}, name=name, **zoo.pinned_hub(entry))
