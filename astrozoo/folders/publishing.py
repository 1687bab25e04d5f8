"""Publishing a model folder to the Hugging Face Hub (`astrozoo.push`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras

from astrozoo.folders.files import CARD_FILE, REQUIRED_FILES
from astrozoo.folders.loading import load_folder
from astrozoo.folders.saving import save
from astrozoo.folders.transport import HF_PREFIX, endpoint, parse_reference, require_online


def push(
    model_or_folder,
    repo_id: str,
    token: str | None = None,
    private: bool = False,
    commit_message: str | None = None,
) -> str:
    """Publishes an astrozoo model to the Hugging Face Hub.

    The repo receives the model folder, in Keras's own format: ``config.json`` (the
    Keras-serialized model, its spec and preprocessing included), ``model.weights.h5``,
    ``metadata.json`` (spec, sha256s, library versions) and ``README.md``, a
    model card with YAML front matter.

    Args:
        model_or_folder: a model built or loaded by astrozoo, or a folder written by `astrozoo.save`.
        repo_id: ``"org/name"``.
        token: Hub token; defaults to the logged-in user's (``HF_TOKEN``).
        private: create the repo as private.
        commit_message: message of the upload commit.

    Returns:
        The commit sha, to pin with ``astrozoo.load("hf://org/name", revision=sha)``;
        ``keras.saving.load_model("hf://org/name")`` loads the repo too, after ``import astrozoo``.

    Raises:
        AstrozooError: ``HF_HUB_OFFLINE`` is set.
    """
    from huggingface_hub import HfApi  # noqa: PLC0415 (only publishing needs the upload client)

    repo_id = parse_reference(repo_id)
    require_online(f"push to {repo_id!r}")
    # Loading a folder verifies every file and that its config builds; re-saving names the
    # model after its repo, so the card's usage snippet reads astrozoo.load("hf://org/name").
    model = model_or_folder if isinstance(model_or_folder, keras.Model) else load_folder(model_or_folder)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save(model, Path(tmp) / "model", name=f"{HF_PREFIX}{repo_id}")
        api = HfApi(endpoint=endpoint(), token=token)
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            allow_patterns=[*REQUIRED_FILES, CARD_FILE],
            commit_message=commit_message or f"Upload astrozoo model {repo_id}",
        )
    return commit.oid
