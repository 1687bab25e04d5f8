"""Zoo models by name: the folder a manifest entry pins, and a model's spec read from it.

A zoo model's folder is the package's ``weights/NAME`` or, when the package ships
no weights, the manifest's pinned Hub revision. Its ``metadata.json`` and
``config.json`` hold the spec; the manifest holds their sha256, checked before
they are read. Nothing here imports Keras, so `resolve_spec` answers
``astrozoo info`` without TensorFlow.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from astrozoo.errors import AstrozooError, ConfigError, ModelNotFoundError
from astrozoo.folders import manifest, transport
from astrozoo.folders.files import CONFIG_FILE, METADATA_FILE, REQUIRED_FILES, folder_spec
from astrozoo.folders.integrity import check_relative_name, verify_file
from astrozoo.spec import ModelSpec


def resolve_spec(ref: str | os.PathLike) -> ModelSpec:
    """Returns a model's spec (zoo name or folder) without building it or reading weights.

    Args:
        ref: a zoo name (its folder's JSON files are checked against the manifest's sha256
            first) or a model folder written by `astrozoo.save`.

    Raises:
        ModelNotFoundError: nothing of that name; close zoo names are suggested.
        IntegrityError: a zoo folder's ``config.json`` or ``metadata.json`` differs from its record.

    Example:
        >>> resolve_spec("sdss-mlp").class_names
        ('STAR', 'GALAXY', 'QSO')
    """
    ref_text = os.fspath(ref)
    models = manifest.read_manifest()["models"]
    if ref_text in models:
        return zoo_spec(ref_text, models[ref_text])
    if Path(ref_text).is_dir():
        return folder_spec(Path(ref_text))
    raise ModelNotFoundError.for_name(ref_text, models)


def zoo_spec(name: str, entry: dict) -> ModelSpec:
    """The spec of a zoo model: its verified folder's, named ``name`` and carrying the manifest's Hub pin."""
    folder = zoo_folder(name, entry, (CONFIG_FILE, METADATA_FILE))
    return folder_spec(folder).replace(name=name, **pinned_hub(entry))


def pinned_hub(entry: dict) -> dict:
    """``{"hub": ...}`` from a manifest entry when it names a Hub repo, else ``{}`` (the folder's stands)."""
    return {"hub": entry["hub"]} if entry.get("hub") else {}


def zoo_folder(name: str, entry: dict, files: Iterable[str] | None = None) -> Path:
    """The folder of a zoo model, with ``files`` (default: all it lists) checked against the manifest entry.

    Args:
        name: the zoo name.
        entry: its manifest entry.
        files: the file names to verify (and, from the Hub, to download).

    Raises:
        ConfigError: the entry lacks a record of a required file.
        AstrozooError: no weights are installed and the entry pins no Hub revision.
        IntegrityError: a file's sha256 or size differs from its record.
    """
    records = entry.get("files", {})
    if not set(REQUIRED_FILES) <= set(records):
        raise ConfigError(
            f"Manifest entry {name!r} must list {list(REQUIRED_FILES)}. Received files: {sorted(records)}"
        )
    chosen = {k: records[k] for k in (records if files is None else files)}
    folder = manifest.WEIGHTS_DIR / name
    if folder.is_dir():
        for filename, record in chosen.items():
            verify_file(folder / check_relative_name(filename), record)
        return folder
    location = entry.get("hub") or {}
    if not location.get("repo_id") or not location.get("revision"):
        raise AstrozooError(
            f"The weights of zoo model {name!r} are not installed (expected {str(folder)!r}) and it "
            "has no pinned Hub revision to download them from. Reinstall astrozoo."
        )
    return transport.download(location["repo_id"], location["revision"], records=chosen)
