"""The files of a model folder, and reading a model's spec without building it or importing Keras.

A model folder (written by `astrozoo.save`) is a Keras folder: ``config.json``
(the Keras-serialized `astrozoo.zoo_model.ZooModel`, spec included),
``model.weights.h5`` (weights only), ``metadata.json`` (Keras's keys plus the
spec, library versions and each file's sha256) and ``README.md`` (the card).
Folders of format 1 hold astrozoo's builder name and arguments in ``config.json``
instead; they still load. `folder_spec` reads a model's spec from these JSON
files alone, without TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from astrozoo.errors import ConfigError, ModelNotFoundError
from astrozoo.folders import validation
from astrozoo.folders.integrity import check_relative_name
from astrozoo.spec import ModelSpec

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
CARD_FILE = "README.md"
MODEL_FILES = (CONFIG_FILE, WEIGHTS_FILE)
REQUIRED_FILES = (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE)
FOLDER_FORMAT_VERSION = 2  # metadata.json's "astrozoo_format"; 1: config.json held builder and arguments
ZOO_MODEL_CLASS = "astrozoo>ZooModel"  # the registered name a Keras config of an astrozoo model carries
# Spec fields that describe a model without changing what it computes: saved in metadata, restored on load.
DESCRIPTIVE_FIELDS = ("name", "description", "metrics", "training", "hub", "license", "citation")


def folder_spec(folder: Path) -> ModelSpec:
    """Returns the spec that a model folder's ``metadata.json`` and ``config.json`` describe.

    Reads neither weights nor Keras.

    Example:
        >>> from astrozoo.folders.manifest import WEIGHTS_DIR
        >>> folder_spec(WEIGHTS_DIR / "sdss-mlp").class_names
        ('STAR', 'GALAXY', 'QSO')
    """
    config, metadata = read_folder_json(folder)
    if is_builder_config(config):
        return ModelSpec.from_dict({**metadata["spec"], **config})
    return ModelSpec.from_dict(metadata["spec"])


def is_builder_config(config: dict) -> bool:
    """Whether a ``config.json`` is a format-1 builder config (else it is a Keras-serialized model).

    Example:
        >>> is_builder_config({"builder": "mlp", "arguments": {}})
        True
        >>> is_builder_config({"class_name": "Functional", "config": {}})
        False
    """
    return set(config) == {"builder", "arguments"}


def read_folder_json(folder: Path) -> tuple[dict, dict]:
    """Reads and checks a model folder's ``config.json`` and ``metadata.json``.

    Raises:
        ModelNotFoundError: the folder does not exist.
        ConfigError: a file is missing, not JSON, or not of the expected shape (see
            `astrozoo.folders.validation`).
        IntegrityError: a file resolves outside the folder.
    """
    if not folder.is_dir():
        raise ModelNotFoundError(f"Model folder {str(folder)!r} does not exist.")
    documents = []
    for name in (CONFIG_FILE, METADATA_FILE):
        path = validation.check_inside(folder, name)
        try:
            documents.append(validation.read_json_document(path))
        except FileNotFoundError:
            raise ConfigError(
                f"{str(folder)!r} is not an astrozoo model folder: {name} is missing. "
                f"Expected {CONFIG_FILE}, {WEIGHTS_FILE} and {METADATA_FILE} written by astrozoo.save."
            ) from None
    config = validation.check_config(documents[0], folder / CONFIG_FILE)
    metadata = validation.check_metadata(documents[1], folder / METADATA_FILE)
    missing = set(MODEL_FILES) - set(metadata["files"])
    if missing:
        raise ConfigError(f"{str(folder / METADATA_FILE)!r} lists no sha256 for {sorted(missing)}.")
    for name in {*REQUIRED_FILES, *metadata["files"]}:
        validation.check_inside(folder, check_relative_name(name))
    return config, metadata
