"""Hugging Face Hub transport: pinned, sha256-verified downloads and one-call publishing.

huggingface_hub checks sizes, not sha256, so integrity is checked here: every
file is compared with the sha256 recorded in the zoo manifest (zoo models) or in
the repo's own ``metadata.json`` (any astrozoo repo) before it is used, and a
file that fails is deleted from the cache.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import keras

from astrozoo.errors import AstrozooError, IntegrityError, ModelNotFoundError
from astrozoo.integrity import check_relative_name, verify_file

HF_PREFIX = "hf://"
REQUIRED_FILES = ("config.json", "metadata.json", "model.weights.h5")


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


def _endpoint() -> str | None:
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
        The snapshot folder, ready for `astrozoo.loading.load_folder`.

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
        metadata_path = _fetch(repo_id, "metadata.json", revision)
        if records is None:
            records = _records_from_metadata(metadata_path, repo_id)
        else:
            verify_or_evict(metadata_path, records["metadata.json"])
        folder = metadata_path.parent
        for name, record in records.items():
            if name == "metadata.json":
                continue
            verify_or_evict(_fetch(repo_id, check_relative_name(name), revision), record)
        return folder


def verify_or_evict(path: Path, record: dict) -> None:
    """Verifies a cached file; on mismatch deletes it (and its blob) and raises IntegrityError."""
    try:
        verify_file(path, record)
    except IntegrityError:
        blob = path.resolve()
        path.unlink(missing_ok=True)
        blob.unlink(missing_ok=True)
        raise


def _records_from_metadata(metadata_path: Path, repo_id: str) -> dict:
    try:
        files = json.loads(metadata_path.read_text(encoding="utf-8"))["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        metadata_path.unlink(missing_ok=True)
        raise AstrozooError(f"hf://{repo_id}: metadata.json is not astrozoo metadata ({err}).") from None
    missing = [n for n in ("config.json", "model.weights.h5") if n not in files]
    if missing:
        raise AstrozooError(f"hf://{repo_id}: metadata.json lists no sha256 for {missing}.")
    return files


def _fetch(repo_id: str, filename: str, revision: str | None) -> Path:
    from huggingface_hub import hf_hub_download  # noqa: PLC0415
    from huggingface_hub.errors import (  # noqa: PLC0415
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
                endpoint=_endpoint(),
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


def push(
    model_or_folder,
    repo_id: str,
    token: str | None = None,
    private: bool = False,
    commit_message: str | None = None,
) -> str:
    """Publishes an astrozoo model to the Hugging Face Hub.

    The repo receives the model folder: ``config.json`` (builder and arguments,
    including the preprocessing and augmentation settings), ``model.weights.h5``,
    ``metadata.json`` (spec, sha256s, library versions) and ``README.md``, a
    model card with YAML front matter.

    Args:
        model_or_folder: a model built or loaded by astrozoo, or a folder written by `astrozoo.save`.
        repo_id: ``"org/name"``.
        token: Hub token; defaults to the logged-in user's (``HF_TOKEN``).
        private: create the repo as private.
        commit_message: message of the upload commit.

    Returns:
        The commit sha, to pin with ``astrozoo.load("hf://org/name", revision=sha)``.
    """
    from huggingface_hub import HfApi  # noqa: PLC0415

    from astrozoo.loading import CARD_FILE, load_folder, save  # noqa: PLC0415

    repo_id = parse_reference(repo_id)
    # Loading a folder verifies every file and that its config builds; re-saving names the
    # model after its repo, so the card's usage snippet reads astrozoo.load("hf://org/name").
    model = model_or_folder if isinstance(model_or_folder, keras.Model) else load_folder(model_or_folder)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save(model, Path(tmp) / "model", name=f"{HF_PREFIX}{repo_id}")
        api = HfApi(endpoint=_endpoint(), token=token)
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            allow_patterns=[*REQUIRED_FILES, CARD_FILE],
            commit_message=commit_message or f"Upload astrozoo model {repo_id}",
        )
    return commit.oid
