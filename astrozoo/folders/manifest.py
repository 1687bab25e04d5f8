"""The zoo manifest (`weights_manifest.json`): which models the zoo holds, and the hashes that pin them.

Each model folder's ``metadata.json`` and ``config.json`` are the one source of
truth for what a model is (its spec, metrics, training record). A manifest entry
holds only what the zoo needs besides: the sha256 and size of every file in the
folder (the folder's own JSON included, so trusting the manifest means trusting
the folder), the Hub pin (``repo_id``, ``revision``) to download it from when the
package ships no weights, and a summary that `list_models` and ``astrozoo list``
read without opening any folder.
"""

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
# 1: each entry repeated the folder's whole spec. 2: files, hub and summary only. No reader of 1 is kept:
# the only manifest astrozoo reads by default is the package's own, written with the package.
FORMAT_VERSION = 2
ENTRY_KEYS = ("summary", "hub", "files")


def read_manifest(path: str | Path | None = None) -> dict:
    """Reads and checks a manifest file; returns ``{"format_version": 2, "models": {...}}``.

    Args:
        path: the manifest; defaults to the one shipped in the package.

    Raises:
        ConfigError: the file is not valid JSON, lacks the expected structure, or has another format.

    Example:
        >>> entry = read_manifest()["models"]["sdss-mlp"]
        >>> sorted(entry), entry["summary"]["task"]
        (['files', 'hub', 'summary'], 'classification')
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
            f"and a 'models' object. Received format_version={manifest.get('format_version')!r} and keys "
            f"{sorted(manifest)}. Record each model folder again with "
            "astrozoo.training.reproduce.record_in_manifest to write the current format."
        )
    return manifest


def summary(model_spec: ModelSpec) -> dict:
    """The manifest's summary of a model: what ``astrozoo list`` shows, so it reads no folder.

    Example:
        >>> from astrozoo.spec import InputSpec
        >>> about = summary(ModelSpec(builder="mlp", arguments={}, task="regression", target_names=("z",),
        ...                           input=InputSpec(kind="table", columns=("u", "g"))))
        >>> about["outputs"], about["input"], about["headline_metric"]
        (['z'], 'table (u, g)', '-')
    """
    columns = f" ({', '.join(model_spec.input.columns)})" if model_spec.input.kind == "table" else ""
    return {
        "task": model_spec.task,
        "description": model_spec.description,
        "outputs": list(model_spec.output_names),
        "input": model_spec.input.kind + columns,
        "headline_metric": model_spec.headline_metric(),
    }


def summaries(task: str | None = None, path: str | Path | None = None) -> dict[str, dict]:
    """Each zoo model's `summary`, by name, sorted, optionally only those of one task.

    Example:
        >>> summaries(task="classification")["sdss-mlp"]["outputs"]
        ['STAR', 'GALAXY', 'QSO']
    """
    models = read_manifest(path)["models"]
    return {
        name: models[name].get("summary", {})
        for name in sorted(models)
        if task in (None, models[name].get("summary", {}).get("task"))
    }


def list_models(task: str | None = None, path: str | Path | None = None) -> list[str]:
    """Names of the zoo models, sorted, optionally only those of one task.

    Args:
        task: ``"classification"``, ``"regression"``, or None for all.

    Example:
        >>> all(isinstance(name, str) for name in list_models())
        True
    """
    return list(summaries(task, path))
