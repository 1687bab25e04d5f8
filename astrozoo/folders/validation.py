"""Checks that a model folder is well formed before anything is built from it.

A folder whose sha256 records were rewritten with it passes integrity checks, so
its JSON and weights are checked here too: the shape of ``config.json`` and
``metadata.json``, files that stay inside the folder, builder arguments within
caps that keep a model from filling memory while it is built, no argument that
would fetch weights from the network, and weights that are finite and fit the
architecture. Every problem is one `ConfigError` or `IntegrityError` line.
Nothing here imports Keras at module level, so ``astrozoo info`` stays light.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping
from pathlib import Path

from astrozoo.errors import ConfigError, IntegrityError

MAX_JSON_BYTES = 16 * 1024 * 1024  # a folder's JSON describes a model; the weights live elsewhere
MAX_ARGUMENT_INTEGER = 65_536  # widths, filters, steps: larger ones fill memory when Keras builds the model
MAX_IMAGE_SIZE = 4_096  # pixels per side that an image model resizes its input to
MAX_LIST_LENGTH = 256  # layers per stack (and feature names, classes) in one argument
MAX_DEPTH = 8  # levels of lists and objects inside the arguments (an ensemble's members nest two)
# Arguments a builder uses only while training (a download, adapt data): never read from a folder.
FORBIDDEN_ARGUMENTS = ("backbone_weights", "adapt_data")


def read_json_document(path: Path) -> object:
    """Reads one JSON file of a model folder, refusing huge, deeply nested or invalid ones.

    Raises:
        ConfigError: the file is over `MAX_JSON_BYTES`, not UTF-8 JSON, or nested too deep to parse.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.json"
        >>> _ = path.write_text("[" * 100_000 + "]" * 100_000)
        >>> read_json_document(path)
        Traceback (most recent call last):
        ...
        astrozoo.errors.ConfigError: '...config.json' is nested too deeply to be a model folder's JSON...
    """
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ConfigError(f"{str(path)!r} has {size} bytes; expected at most {MAX_JSON_BYTES} for JSON.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ConfigError(
            f"{str(path)!r} is nested too deeply to be a model folder's JSON. "
            "Expected a few levels of objects."
        ) from None
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError, or an integer of too many digits
        raise ConfigError(f"{str(path)!r} is not valid JSON: {_short(str(err))}") from None


def check_inside(folder: Path, name: str) -> Path:
    """Returns ``folder / name`` if it resolves inside ``folder`` (a symlink may not leave it).

    A Hugging Face cache snapshot (``.../snapshots/REVISION``) may also link into
    its repo's ``blobs`` folder, as the cache stores every file.

    Raises:
        IntegrityError: the path, or a symlink on it, resolves outside the folder.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> (folder / "config.json").symlink_to("/etc/hostname")
        >>> check_inside(folder, "config.json")
        Traceback (most recent call last):
        ...
        astrozoo.errors.IntegrityError: Refusing '...config.json': it resolves to '/etc/hostname', outside...
    """
    path = folder / name
    resolved, root = path.resolve(), folder.resolve()
    roots = [root]
    if folder.parent.name == "snapshots":  # a Hugging Face cache snapshot links to its repo's blobs/
        roots.append((folder.parent.parent / "blobs").resolve())
    if not any(resolved == r or r in resolved.parents for r in roots):
        raise IntegrityError(
            f"Refusing {str(path)!r}: it resolves to {str(resolved)!r}, outside the model folder "
            f"{str(root)!r}. Expected files inside the folder (a symlink may not leave it)."
        )
    return path


def check_config(config: object, path: Path) -> dict:
    """Returns ``config`` if it is a Keras-serialized model or ``{"builder": str, "arguments": {...}}``,
    with every size within its cap.

    Raises:
        ConfigError: another shape, a size over a cap, or an argument that only training may use.

    Example:
        >>> check_config({"builder": "mlp", "arguments": {"hidden_units": [30000000]}}, Path("config.json"))
        Traceback (most recent call last):
        ...
        astrozoo.errors.ConfigError: 'config.json': arguments.hidden_units[0] is 30000000; expected at most...
    """
    _expect(config, dict, "a JSON object", path, "the document")
    if isinstance(config.get("class_name"), str) and isinstance(config.get("config"), dict):
        _check_layer_sizes(config["config"], path)
        return config
    if set(config) != {"builder", "arguments"}:
        raise ConfigError(
            f"{str(path)!r} must hold a Keras-serialized model ('class_name', 'config') or astrozoo's "
            f"'builder' and 'arguments'. Received keys: {sorted(config)}"
        )
    _expect(config["builder"], str, "a builder name (a string)", path, "builder")
    _expect(config["arguments"], dict, "a JSON object", path, "arguments")
    check_arguments(config["arguments"], path)
    return config


LAYER_SIZE_KEYS = frozenset(
    {
        "units",
        "filters",
        "kernel_size",
        "input_dim",
        "output_dim",
        "num_heads",
        "key_dim",
        "target_shape",
        "size",
    }
)
"""Keras layer arguments that set how many weights a layer allocates when it is built."""


def _check_layer_sizes(config: dict, path: Path) -> None:
    """Caps the sizes of every layer of a Keras config, and the builder arguments its spec carries.

    Walked with a stack, not recursion: a Keras config nests deeply and only the JSON parser bounds it.
    """
    stack: list[tuple[object, str]] = [(config, "config")]
    while stack:
        value, where = stack.pop()
        items = (
            enumerate(value) if isinstance(value, list) else value.items() if isinstance(value, dict) else ()
        )
        for key, item in items:
            inner = f"{where}[{key}]" if isinstance(value, list) else f"{where}.{key}"
            if key == "arguments" and isinstance(item, dict):
                check_arguments(item, path, inner)
            elif key in LAYER_SIZE_KEYS and not isinstance(value, list):
                _check_value(item, inner, MAX_ARGUMENT_INTEGER, path, 1)
            elif isinstance(item, list | dict):
                stack.append((item, inner))


def check_arguments(arguments: Mapping, path: Path, where: str = "arguments", depth: int = 0) -> None:
    """Refuses builder arguments that would fill memory or reach the network while a model is built.

    Integers (widths, filters, sizes) are capped before Keras allocates a single
    weight, since building a layer allocates its weights at once; nested
    arguments (an ensemble's members) are checked the same way.

    Raises:
        ConfigError: an argument over a cap, a list too long, nested too deep, or one in
            `FORBIDDEN_ARGUMENTS`.
    """
    _check_depth(depth, where, path)
    for key, value in arguments.items():
        if key in FORBIDDEN_ARGUMENTS and value is not None:
            raise ConfigError(
                f"{str(path)!r}: {where}.{key} is {_short(repr(value))}; expected none in a model folder "
                "(its weights are in model.weights.h5; nothing is downloaded or read while loading)."
            )
        cap = MAX_IMAGE_SIZE if key == "image_size" else MAX_ARGUMENT_INTEGER
        _check_value(value, f"{where}.{key}", cap, path, depth + 1)


def _check_value(value: object, where: str, cap: int, path: Path, depth: int) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return  # a missing_value of NaN is legitimate; builders refuse misplaced ones
        if abs(value) > cap:
            raise ConfigError(
                f"{str(path)!r}: {where} is {_short(repr(value))}; expected at most {cap} "
                "(a larger model would fill memory while it is built)."
            )
        return
    _check_depth(depth, where, path)
    if isinstance(value, list):
        if len(value) > MAX_LIST_LENGTH:
            raise ConfigError(
                f"{str(path)!r}: {where} has {len(value)} items; expected at most {MAX_LIST_LENGTH}."
            )
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]", cap, path, depth + 1)
        return
    if isinstance(value, dict):
        check_arguments(value, path, where, depth)


def check_metadata(metadata: object, path: Path) -> dict:
    """Returns ``metadata`` if it holds a ``spec`` object and ``files`` of ``{"sha256", "size"}`` records.

    Raises:
        ConfigError: another shape, e.g. ``files`` a list or a record a string.

    Example:
        >>> check_metadata({"spec": {}, "files": {"config.json": "abc"}}, Path("metadata.json"))
        Traceback (most recent call last):
        ...
        astrozoo.errors.ConfigError: 'metadata.json': files['config.json'] must be {"sha256": ...
    """
    _expect(metadata, dict, "a JSON object", path, "the document")
    _expect(metadata.get("spec"), dict, "a JSON object", path, "spec")
    _expect(metadata.get("files"), dict, "a JSON object of file records", path, "files")
    for name, record in metadata["files"].items():
        if not (
            isinstance(record, dict)
            and isinstance(record.get("sha256"), str)
            and isinstance(record.get("size", 0), int)
            and not isinstance(record.get("size", 0), bool)
        ):
            raise ConfigError(
                f'{str(path)!r}: files[{name!r}] must be {{"sha256": ..., "size": ...}}. '
                f"Received: {_short(repr(record))}"
            )
    return metadata


def load_checked_weights(model, weights_path: Path) -> None:
    """Fills ``model`` from a weights file, refusing weights that do not fit it or are not finite.

    Raises:
        ConfigError: the file's weights have other shapes or layers than the architecture,
            or hold NaN or infinite values.
    """

    with warnings.catch_warnings(record=True) as caught:  # Keras warns about each layer it skips
        warnings.simplefilter("always")
        try:
            model.load_weights(weights_path)
            failure = None
        except (ValueError, TypeError, KeyError, OSError) as err:
            failure = err
    if failure is None:
        for warning in caught:  # a load that worked warns as it always did
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    else:
        raise ConfigError(
            f"{str(weights_path)!r} does not fit the architecture its config.json builds: "
            f"{_short(str(failure), 300)}"
        ) from None
    check_finite_weights(model, weights_path)


def check_finite_weights(model, weights_path: Path) -> None:
    """Refuses a loaded model whose weights hold NaN or infinite values.

    Raises:
        ConfigError: a weight is not finite.
    """
    import numpy as np  # noqa: PLC0415 (numpy comes with Keras, which is loaded by now)

    for weight in model.weights:
        if not np.all(np.isfinite(weight.numpy())):
            raise ConfigError(
                f"{str(weights_path)!r}: weight {weight.path!r} holds NaN or infinite values; "
                "expected finite numbers. Refusing a model that would predict NaN."
            )


def _check_depth(depth: int, where: str, path: Path) -> None:
    if depth > MAX_DEPTH:
        raise ConfigError(f"{str(path)!r}: {where} is nested {depth} levels deep; expected <= {MAX_DEPTH}.")


def _expect(value: object, kind: type, description: str, path: Path, where: str) -> None:
    if not isinstance(value, kind):
        raise ConfigError(
            f"{str(path)!r}: expected {where} to be {description}. Received: {type(value).__name__} "
            f"{_short(repr(value))}"
        )


def _short(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters and marked with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
