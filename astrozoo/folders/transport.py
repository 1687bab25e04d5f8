"""Hugging Face Hub transport: pinned, sha256-verified downloads of model folders.

huggingface_hub checks sizes, not sha256, so integrity is checked here: every
file is compared with the sha256 recorded in the zoo manifest (zoo models) or in
the repo's own ``metadata.json`` (any astrozoo repo) before it is used, and a
file that fails is deleted from the cache. A repo saved by Keras itself records
no sha256: its files are used with an `UnverifiedFilesWarning` recommending a
pinned revision. This module sits below loading and
publishing and imports neither.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from astrozoo.errors import AstrozooError, IntegrityError, ModelNotFoundError
from astrozoo.folders.files import CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE
from astrozoo.folders.integrity import UnverifiedFilesWarning, check_relative_name, verify_file

HF_PREFIX = "hf://"


def parse_reference(ref: str) -> str:
    """Returns the repo id of an ``hf://org/name`` reference.

    Example:
        >>> parse_reference("hf://astrozoo/galaxy-resnet")
        'astrozoo/galaxy-resnet'
    """
    repo_id = ref.removeprefix(HF_PREFIX).strip("/")
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts) or ".." in parts:
        raise ModelNotFoundError(f"Expected a Hub reference 'hf://org/name'. Received: {ref!r}")
    return repo_id


def offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is set (read at call time, so tests and notebooks can flip it)."""
    from huggingface_hub import constants  # noqa: PLC0415

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return value.upper() in {"1", "ON", "YES", "TRUE"} or bool(constants.HF_HUB_OFFLINE)


def require_online(action: str) -> None:
    """Raises a clear `AstrozooError` when ``HF_HUB_OFFLINE`` forbids reaching the Hub for ``action``.

    Example:
        >>> import os
        >>> from unittest import mock
        >>> import huggingface_hub.constants  # it reads HF_HUB_OFFLINE once: import it outside the patch
        >>> with mock.patch.dict(os.environ, {"HF_HUB_OFFLINE": "1"}):
        ...     require_online("push to 'org/name'")
        Traceback (most recent call last):
        ...
        astrozoo.errors.AstrozooError: Cannot push to 'org/name': HF_HUB_OFFLINE is set...
    """
    if offline():
        raise AstrozooError(
            f"Cannot {action}: HF_HUB_OFFLINE is set, so the Hugging Face Hub may not be reached. "
            f"Expected an online session. Received: HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE', '')!r}; "
            "unset it to publish."
        )


def endpoint() -> str | None:
    """The Hub endpoint from ``HF_ENDPOINT`` (read at call time), or None for huggingface.co."""
    return os.environ.get("HF_ENDPOINT") or None


def _cache_dir() -> Path:
    from huggingface_hub import constants  # noqa: PLC0415

    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    return Path(constants.HF_HUB_CACHE)


def download(repo_id: str, revision: str | None = None, records: dict | None = None) -> Path:
    """Downloads an astrozoo model repo into the HF cache and verifies every file.

    Args:
        repo_id: ``"org/name"``.
        revision: branch, tag or commit; None means ``main``. Zoo models pin a commit.
        records: ``{file: {"sha256", "size"}}`` to verify against (the zoo
            manifest's); by default the repo's own ``metadata.json``.

    Returns:
        The snapshot folder, ready for `astrozoo.folders.loading.load_folder`. A repo whose
        ``metadata.json`` records no sha256 (saved by Keras's ``model.save("hf://...")``)
        gives its ``config.json`` and ``model.weights.h5`` unverified, with an `UnverifiedFilesWarning`.

    Raises:
        ModelNotFoundError: the repo, revision or a required file does not exist.
        IntegrityError: a file's sha256 or size differs; it is removed from the cache.
        AstrozooError: offline with nothing cached, or the Hub is unreachable.
    """
    from filelock import FileLock  # noqa: PLC0415

    lock_dir = _cache_dir() / ".astrozoo-locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    # One process downloads and verifies; the others wait, then find the files cached.
    with FileLock(str(lock_dir / f"{repo_id.replace('/', '--')}.lock")):
        metadata_path = _fetch(repo_id, METADATA_FILE, revision)
        if records is not None:
            verify_or_evict(metadata_path, records[METADATA_FILE])
        else:
            records = _records_from_metadata(metadata_path, repo_id)
        if records is None:
            _warn_unverified(repo_id, revision)
            records = {name: None for name in (CONFIG_FILE, WEIGHTS_FILE)}
        folder = metadata_path.parent
        for name, record in records.items():
            if name == METADATA_FILE:
                continue
            path = _fetch(repo_id, check_relative_name(name), revision)
            if record is not None:
                verify_or_evict(path, record)
        return folder


def _warn_unverified(repo_id: str, revision: str | None) -> None:
    pinned = revision is not None and len(revision) == 40
    advice = f" Pin a commit so that they cannot change: load('hf://{repo_id}', revision=COMMIT)."
    advice = "" if pinned else advice
    warnings.warn(
        f"hf://{repo_id}: metadata.json records no sha256 (saved by Keras, not astrozoo), so its files are "
        f"used unverified.{advice}",
        UnverifiedFilesWarning,
        stacklevel=3,
    )


def verify_or_evict(path: Path, record: dict) -> None:
    """Verifies a cached file; on mismatch deletes it (and its blob) and raises IntegrityError."""
    try:
        verify_file(path, record)
    except IntegrityError:
        blob = path.resolve()
        path.unlink(missing_ok=True)
        blob.unlink(missing_ok=True)
        raise


def _records_from_metadata(metadata_path: Path, repo_id: str) -> dict | None:
    """The repo's sha256 records; None for Keras's own metadata, which records none."""
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        metadata_path.unlink(missing_ok=True)
        raise AstrozooError(f"hf://{repo_id}: metadata.json is not JSON ({err}).") from None
    if not isinstance(metadata, dict):
        raise AstrozooError(f"hf://{repo_id}: metadata.json must be an object. Received: {type(metadata)}")
    if "files" not in metadata and "keras_version" in metadata:
        return None
    files = metadata.get("files")
    if not isinstance(files, dict):
        raise AstrozooError(
            f"hf://{repo_id}: metadata.json is neither astrozoo metadata (a 'files' object) nor Keras's "
            f"('keras_version'). Received keys: {sorted(metadata)}"
        )
    missing = [n for n in (CONFIG_FILE, WEIGHTS_FILE) if n not in files]
    if missing:
        raise AstrozooError(f"hf://{repo_id}: metadata.json lists no sha256 for {missing}.")
    return files


def _fetch(repo_id: str, filename: str, revision: str | None) -> Path:
    from huggingface_hub import hf_hub_download  # noqa: PLC0415
    from huggingface_hub.utils import (  # noqa: PLC0415 (.errors has them only from 0.25 on)
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"hf://{repo_id}" + (f"@{revision}" if revision else "")
    try:
        return Path(
            hf_hub_download(
                repo_id,
                filename,
                revision=revision,
                endpoint=endpoint(),
                cache_dir=_cache_dir(),
                local_files_only=offline(),
            )
        )
    except LocalEntryNotFoundError:  # a subclass of EntryNotFoundError: test it first
        if offline():
            raise AstrozooError(
                f"{where}: {filename} is not in the local Hugging Face cache and HF_HUB_OFFLINE=1. "
                "Load it once while online (or unset HF_HUB_OFFLINE) to cache it."
            ) from None
        raise AstrozooError(f"{where}: cannot reach the Hub to download {filename}.") from None
    except RepositoryNotFoundError:
        raise ModelNotFoundError(f"{where}: no such repository on the Hub (or it is private).") from None
    except RevisionNotFoundError:
        raise ModelNotFoundError(f"{where}: no such revision.") from None
    except EntryNotFoundError:
        raise ModelNotFoundError(f"{where}: the repo has no {filename}; is it an astrozoo model?") from None
