"""The zoo manifest (`weights_manifest.json`): the one source of truth for zoo models."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

from astrozoo.errors import ConfigError
from astrozoo.spec import ModelSpec

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the astrozoo package, which ships the weights
MANIFEST_PATH = PACKAGE_DIR / "weights_manifest.json"
WEIGHTS_DIR = PACKAGE_DIR / "weights"
FORMAT_VERSION = 1


def read_manifest(path: str | Path | None = None) -> dict:
    """Reads and checks a manifest file; returns ``{"format_version": 1, "models": {...}}``.

    Args:
        path: the manifest; defaults to the one shipped in the package.

    Raises:
        ConfigError: the file is not valid JSON or lacks the expected structure.
    """
    path = Path(path or MANIFEST_PATH)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as err:
        raise ConfigError(f"Cannot read the zoo manifest {str(path)!r}: {err}") from err
    return copy.deepcopy(_read_manifest(path, stamp))


@functools.lru_cache(maxsize=4)
def _read_manifest(path: Path, stamp: int) -> dict:
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


def entry_spec(name: str, entry: dict) -> ModelSpec:
    """Turns a manifest entry into a ModelSpec (its ``files`` are left out)."""
    fields = {k: v for k, v in entry.items() if k != "files"}
    return ModelSpec.from_dict({**fields, "name": name})


def list_models(task: str | None = None, path: str | Path | None = None) -> list[str]:
    """Names of the zoo models, sorted, optionally only those of one task.

    Args:
        task: ``"classification"``, ``"regression"``, or None for all.

    Example:
        >>> all(isinstance(name, str) for name in list_models())
        True
    """
    models = read_manifest(path)["models"]
    return sorted(name for name, entry in models.items() if task in (None, entry.get("task")))
