"""Loading models: by zoo name, from a folder or ``.keras`` file, or from the Hugging Face Hub.

A model folder holds ``config.json`` (the Keras-serialized model),
``model.weights.h5`` (weights only), ``metadata.json`` (Keras's keys plus the
model's spec, library versions, parameter count, and the sha256 and size of the
other files) and ``README.md`` (its model card, for people). Every file with a
sha256 record is checked before it is read; the config is then deserialized by
Keras in safe mode, so only classes built into Keras or registered by astrozoo
are rebuilt, and no Lambda layer, pickle or code from a folder ever runs.
Folders of format 1 (``config.json`` naming an astrozoo builder and its
arguments) are rebuilt by that builder, as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from astrozoo.builders import build_from_config
from astrozoo.errors import AstrozooError, ConfigError, ModelNotFoundError
from astrozoo.folders import manifest, transport, validation, zoo
from astrozoo.folders.files import (
    CONFIG_FILE,
    DESCRIPTIVE_FIELDS,
    METADATA_FILE,
    WEIGHTS_FILE,
    is_builder_config,
    read_folder_json,
)
from astrozoo.folders.integrity import check_relative_name, verify_file
from astrozoo.spec import attach_spec, spec

KERAS_SUFFIX = ".keras"


def load(ref: str | os.PathLike, revision: str | None = None) -> keras.Model:
    """Loads a zoo model by name, a model folder, a ``.keras`` file or a Hub repo, files verified first.

    Args:
        ref: a zoo name (``"galaxy-resnet"``), a folder written by `save` or by
            Keras (``model.save("hf://...")`` writes the same files), a ``.keras``
            file, or ``"hf://org/repo"`` (downloaded into the Hugging Face cache,
            every file checked against the sha256 in the repo's ``metadata.json``;
            a repo saved by Keras records none, which an `UnverifiedFilesWarning` says).
        revision: Hub branch, tag or commit (``hf://`` references only).

    Returns:
        A `keras.Model`, weights filled. An astrozoo model's spec is reachable
        with `astrozoo.spec`; a model saved by plain Keras has none (see
        `astrozoo.zoo_model.as_zoo_model` to give it one).

    Raises:
        ModelNotFoundError: nothing of that name; close zoo names are suggested.
        IntegrityError: a file's sha256 or size differs from its record.
        ConfigError: the config names an unknown builder, bad arguments, a Lambda
            layer or a class neither Keras nor astrozoo registers.

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
    if ref_text.endswith(KERAS_SUFFIX) and Path(ref_text).is_file():
        return keras_model(ref_text)
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
    if records is not None:
        for name, record in records.items():
            verify_file(folder / check_relative_name(name), record)
    if _saved_by_keras(folder):  # e.g. by model.save("hf://..."): no sha256 records to check
        model = keras_model(folder)
        return attach_spec(model, spec(model).replace(**describe)) if describe else model
    config, metadata = read_folder_json(folder)
    if records is None:
        for name, record in metadata["files"].items():
            verify_file(folder / check_relative_name(name), record)
    if is_builder_config(config):
        model = build_from_config(config["builder"], config["arguments"])
    else:
        model = keras_model(folder)
    built = spec(model)
    stored = metadata["spec"]
    if tuple(stored.get("class_names", ())) != built.class_names or stored.get("task") != built.task:
        raise ConfigError(
            f"{str(folder / METADATA_FILE)!r} describes task={stored.get('task')!r} with "
            f"class_names={stored.get('class_names')}, but its config builds task={built.task!r} "
            f"with class_names={list(built.class_names)}."
        )
    if is_builder_config(config):
        validation.load_checked_weights(model, folder / WEIGHTS_FILE)  # shapes that fit, finite values
    else:
        validation.check_finite_weights(model, folder / WEIGHTS_FILE)
    fields = {k: stored[k] for k in DESCRIPTIVE_FIELDS if k in stored}
    fields.update(describe)
    return attach_spec(model, built.replace(**fields))


def keras_model(path: str | os.PathLike) -> keras.Model:
    """Loads a Keras folder or ``.keras`` file in safe mode, uncompiled; verifies nothing itself.

    Only classes built into Keras or registered by astrozoo are rebuilt: a Lambda
    layer or an unregistered class is refused. An `astrozoo.zoo_model.ZooModel`
    comes back with its spec.

    Raises:
        ConfigError: the config is not one Keras can rebuild safely.

    Example:
        >>> import tempfile, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> path = tempfile.mkdtemp() + "/mlp.keras"
        >>> model.save(path)
        >>> astrozoo.spec(keras_model(path)).class_names
        ('STAR', 'QSO')
    """
    try:
        return keras.saving.load_model(os.fspath(path), compile=False, safe_mode=True)
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"Cannot load {os.fspath(path)!r} as a Keras model in safe mode: expected only layers built "
            f"into Keras or registered by astrozoo, and no Lambda layer. Keras said: {err}"
        ) from err


def _saved_by_keras(folder: Path) -> bool:
    """Whether a folder is Keras's own: a Keras config, and Keras's ``metadata.json`` (no sha256 records)."""
    try:
        config = validation.read_json_document(folder / CONFIG_FILE)
        metadata = validation.read_json_document(folder / METADATA_FILE)
    except (OSError, ConfigError):
        return False  # not Keras's either: read_folder_json says what is wrong
    keras_config = isinstance(config, dict) and not is_builder_config(config) and "class_name" in config
    keras_metadata = isinstance(metadata, dict) and "keras_version" in metadata
    return keras_config and keras_metadata and "astrozoo_format" not in metadata


def _load_zoo(name: str, entry: dict) -> keras.Model:
    """Loads a zoo model from the weights shipped in the package, else from its pinned Hub revision.

    Every file is checked against the manifest's sha256, ``metadata.json`` included, so the spec the
    folder describes is the one the manifest pinned.
    """
    folder = zoo.zoo_folder(name, entry)  # every file it lists, verified
    return load_folder(folder, records={}, name=name, **zoo.pinned_hub(entry))
