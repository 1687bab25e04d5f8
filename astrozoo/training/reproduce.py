"""`astrozoo train NAME` (`astrozoo.training.train`): reproduce a zoo model from its data and record
what it measured."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import keras
import numpy as np

from astrozoo.datasets.base import SPLIT_SEED, with_extra_training
from astrozoo.errors import ConfigError, ModelNotFoundError, TrainingError
from astrozoo.folders import manifest
from astrozoo.folders.card import model_card
from astrozoo.folders.files import CARD_FILE, METADATA_FILE, folder_spec, read_folder_json
from astrozoo.folders.integrity import atomic_write_text, file_record
from astrozoo.folders.saving import save
from astrozoo.spec import spec
from astrozoo.training.fitting import ensure_learned
from astrozoo.training.metrics import report_for
from astrozoo.training.recipes import RECIPES, fit_members, prepared


def train(
    name: str,
    data_dir: str | os.PathLike | None = None,
    epochs: int | None = None,
    seed: int = 0,
    output: str | os.PathLike | None = None,
    update_manifest: bool | None = None,
    verbose: int = 2,
    members: int | None = None,
    overrides: dict | None = None,
) -> Path:
    """Trains a zoo model from scratch on its dataset and writes its model folder.

    Splits are fixed (`astrozoo.datasets.base.SPLIT_SEED`); model selection
    (early stopping, learning-rate decay) uses the validation split only; the
    test split is scored once at the end.

    Args:
        name: zoo model name, e.g. ``"sdss-mlp"``.
        data_dir: folder holding the datasets (default: ``ASTROZOO_DATA``).
        epochs: maximum epochs (default: the recipe's).
        seed: seed of weight initialization, shuffling and augmentation.
        output: model folder to write (default: the package's ``weights/NAME``).
        update_manifest: record files and metrics in the manifest; defaults to
            True when writing to the package's weights folder.
        verbose: Keras fit verbosity.
        members: models to train and average (default: the recipe's; see
            `astrozoo.training.recipes.fit_members`).
        overrides: builder arguments replacing the recipe's (a variant, e.g.
            ``{"augment": "rotation"}``); needs an ``output`` (`ConfigError` without).
            ``refit`` is refused (`ConfigError`): it trains on the validation split.

    Returns:
        The model folder.

    Raises:
        TrainingError: the trained classifier answers one class for every
            validation example or scores no better than chance there (or a
            regressor does no better than the training mean); nothing is written
            (see `astrozoo.training.fitting.ensure_learned`).
    """
    if name not in RECIPES:
        raise ModelNotFoundError.for_name(name, RECIPES)
    recipe = RECIPES[name]
    output, zoo_folder = _model_folder(name, output)
    if update_manifest is None:
        update_manifest = zoo_folder
    if overrides and (zoo_folder or update_manifest):
        raise ConfigError(
            f"A variant of the {name} recipe (overrides {overrides}) is not the zoo model: give it an "
            f"output folder, so that the package's weights/{name} and its manifest entry stay as they are."
        )
    if (overrides or {}).get("refit"):
        raise ConfigError(
            "--set refit=true is for astrozoo cv: a refitted network has trained on the validation split, so "
            "astrozoo train could neither check it there nor report validation scores for its card. "
            f"Received: overrides {overrides}."
        )
    keras.utils.set_random_seed(seed)
    splits, fitted_overrides = prepared(recipe, recipe.dataset.load_splits(data_dir), overrides)
    epochs = epochs or recipe.epochs
    started = time.perf_counter()
    members = members or recipe.members
    split_sizes = {part: len(split) for part, split in splits.items()}  # extra_train separately
    splits = with_extra_training(splits)
    model = fit_members(recipe, splits, epochs, verbose, members, fitted_overrides)
    metrics = {"validation": evaluate(model, splits["validation"])}
    try:
        ensure_learned(
            metrics["validation"], splits["train"].y, splits["validation"].y, f"{name} (seed {seed})"
        )
    except TrainingError as err:
        raise TrainingError(
            f"{err} Nothing was written. Try another --seed (another initialization) or a lower "
            "learning rate (--set learning_rate=..., with --output), or check the labels and inputs."
        ) from None
    others = recipe.baselines(model, splits, epochs, verbose) if recipe.baselines else {}
    wall_time = time.perf_counter() - started
    scored = [part for part in splits if part not in ("train", "validation")]  # test, and e.g. "uncertain"
    metrics.update({part: evaluate(model, splits[part]) for part in scored})
    for label, other in others.items():  # baselines trained on the same split, for comparison
        metrics[label] = {part: evaluate(other, splits[part]) for part in ("validation", "test")}
    metrics["headline"] = recipe.headline
    command = (
        f"astrozoo train {name} --data $ASTROZOO_DATA --seed {seed}"
        + (f" --epochs {epochs}" if epochs != recipe.epochs else "")
        + (f" --members {members}" if members != recipe.members else "")
        + "".join(f" --set '{key}={json.dumps(value)}'" for key, value in (overrides or {}).items())
    )
    training = {
        "data": recipe.dataset.NAME,
        "origin": recipe.dataset.ORIGIN,
        "command": command,
        "seed": seed,
        "split_seed": SPLIT_SEED,
        "split_sizes": split_sizes,
        "max_epochs": epochs,
        "wall_time_s": round(wall_time, 1),
        "limitations": list(recipe.limitations),
    }
    folder = save(
        model, output, overwrite=True, name=name, description=recipe.description, metrics=metrics,
        training=training, license=recipe.dataset.LICENSE, citation=recipe.dataset.CITATION,
    )  # fmt: skip
    if update_manifest:
        record_in_manifest(name, folder)
    return folder


def record_in_manifest(name: str, folder: Path, manifest_path: Path | None = None) -> None:
    """Writes (atomically) a model folder's manifest entry: its files' hashes, Hub pin and summary.

    The folder's ``metadata.json`` and ``config.json`` stay the one record of the model's spec; the
    entry pins them by sha256 and keeps a `astrozoo.folders.manifest.summary` for listing. The folder
    is loaded first, so a folder that does not load is never recorded.

    Example:
        >>> import json, tempfile
        >>> path = Path(tempfile.mkdtemp()) / "weights_manifest.json"
        >>> _ = path.write_text(json.dumps({"format_version": manifest.FORMAT_VERSION, "models": {}}))
        >>> record_in_manifest("sdss-mlp", manifest.WEIGHTS_DIR / "sdss-mlp", path)
        >>> entry = json.loads(path.read_text())["models"]["sdss-mlp"]
        >>> entry["summary"]["input"], entry["hub"]
        ('table (u, g, r, i, z)', {'repo_id': 'astrozoo/sdss-mlp', 'revision': None})
    """
    from astrozoo.folders.loading import load_folder  # noqa: PLC0415

    path = Path(manifest_path or manifest.MANIFEST_PATH).resolve()  # resolve: keep the symlink
    data = manifest.read_manifest(path)
    load_folder(folder)  # checks the folder's own hashes and that its config builds its spec
    model_spec = folder_spec(Path(folder))  # the spec as written, not as its builder would complete it now
    hub = data["models"].get(name, {}).get("hub") or {"repo_id": f"astrozoo/{name}", "revision": None}
    files = {p.name: file_record(p) for p in sorted(Path(folder).iterdir()) if p.is_file()}
    data["models"][name] = {"summary": manifest.summary(model_spec), "hub": hub, "files": files}
    data["models"] = dict(sorted(data["models"].items()))
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def refresh_card(
    name: str, folder: str | os.PathLike | None = None, manifest_path: str | os.PathLike | None = None
) -> Path:
    """Rewrites a trained model folder's description and limitations from its recipe, without retraining.

    A recipe's ``description`` and ``limitations`` are prose about a model (what a later check found,
    a caution for users); changing them should not mean training the model again. This copies them
    into the folder's ``metadata.json``, renders its ``README.md`` card again from that spec and, for
    the package's own folder, records the folder in the manifest (`record_in_manifest`). The weights,
    ``config.json``, metrics and training record are left as they are, so their hashes still hold.

    Args:
        name: zoo model name, e.g. ``"sdss-mlp"``.
        folder: the model folder (default: the package's ``weights/NAME``).
        manifest_path: a manifest to record the folder in; without one, the package's own
            folder is recorded in the package's manifest and any other folder nowhere.

    Returns:
        The model folder.

    Example:
        >>> import shutil, tempfile
        >>> from astrozoo.folders import manifest
        >>> copy = Path(tempfile.mkdtemp()) / "sdss-mlp"
        >>> _ = shutil.copytree(manifest.WEIGHTS_DIR / "sdss-mlp", copy)
        >>> refresh_card("sdss-mlp", copy) == copy
        True
        >>> RECIPES["sdss-mlp"].limitations[0] in (copy / "README.md").read_text()
        True
    """
    if name not in RECIPES:
        raise ModelNotFoundError.for_name(name, RECIPES)
    recipe = RECIPES[name]
    folder, zoo_folder = _model_folder(name, folder)
    _, metadata = read_folder_json(folder)
    described = metadata["spec"]
    described["description"] = recipe.description
    described["training"] = {**described.get("training", {}), "limitations": list(recipe.limitations)}
    atomic_write_text(folder / METADATA_FILE, json.dumps(metadata, indent=2) + "\n")
    atomic_write_text(folder / CARD_FILE, model_card(folder_spec(folder)))
    if manifest_path is not None or zoo_folder:
        record_in_manifest(name, folder, manifest_path)
    return folder


def _model_folder(name: str, folder: str | os.PathLike | None) -> tuple[Path, bool]:
    """``folder`` (default: the package's ``weights/NAME``), and whether it is that package folder."""
    zoo = manifest.WEIGHTS_DIR / name
    folder = Path(folder) if folder else zoo
    return folder, folder.resolve() == zoo.resolve()


def evaluate(model: keras.Model, split) -> dict:
    """Scores a model on a split: `classification_report` or `regression_report` of its predictions."""
    return predict_and_score(model, split)[1]


def predict_and_score(model: keras.Model, split) -> tuple[np.ndarray, dict]:
    """A model's outputs on a split (class probabilities, or a column of values) and `evaluate`'s score."""
    predicted = np.asarray(model.predict(split.x, batch_size=256, verbose=0))
    return predicted, report_for(predicted, split.y, spec(model).class_names)
