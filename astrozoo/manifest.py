"""The zoo manifest (`weights_manifest.json`): the one source of truth for zoo models."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from astrozoo.errors import ConfigError, ModelNotFoundError
from astrozoo.spec import ModelSpec

PACKAGE_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = PACKAGE_DIR / "weights_manifest.json"
WEIGHTS_DIR = PACKAGE_DIR / "weights"
FORMAT_VERSION = 1


@functools.lru_cache(maxsize=4)
def read_manifest(path: str | Path = MANIFEST_PATH) -> dict:
    """Reads and checks a manifest file; returns ``{"format_version": 1, "models": {...}}``.

    Raises:
        ConfigError: the file is not valid JSON or lacks the expected structure.
    """
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"Cannot read the zoo manifest {str(path)!r}: {err}") from err
    if manifest.get("format_version") != FORMAT_VERSION or not isinstance(manifest.get("models"), dict):
        raise ConfigError(
            f"Zoo manifest {str(path)!r} must be an object with format_version={FORMAT_VERSION} "
            f"and a 'models' object. Received keys: {sorted(manifest)}"
        )
    return manifest


def zoo_entry(name: str, path: str | Path = MANIFEST_PATH) -> dict:
    """Returns the manifest entry of a zoo model.

    Raises:
        ModelNotFoundError: no model of that name, with close matches suggested.
    """
    models = read_manifest(path)["models"]
    if name not in models:
        raise ModelNotFoundError.for_name(name, models)
    return models[name]


def entry_spec(name: str, entry: dict) -> ModelSpec:
    """Turns a manifest entry into a ModelSpec (its ``files`` are left out)."""
    fields = {k: v for k, v in entry.items() if k != "files"}
    return ModelSpec.from_dict({**fields, "name": name})


def list_models(task: str | None = None, path: str | Path = MANIFEST_PATH) -> list[str]:
    """Names of the zoo models, sorted, optionally only those of one task.

    Args:
        task: ``"classification"``, ``"regression"``, or None for all.

    Example:
        >>> all(isinstance(name, str) for name in list_models())
        True
    """
    models = read_manifest(path)["models"]
    return sorted(name for name, entry in models.items() if task in (None, entry.get("task")))
