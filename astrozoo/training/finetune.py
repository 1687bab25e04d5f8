"""`astrozoo.finetune`: adapt a zoo model to your own labelled files, in two stages, in one call."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from astrozoo.builders.registry import build_from_config
from astrozoo.builders.resnet import backbone_blocks, set_trainable_blocks
from astrozoo.datasets import Split
from astrozoo.datasets.base import shuffled_classes
from astrozoo.errors import ConfigError, InputError, TrainingError
from astrozoo.folders import manifest, transport
from astrozoo.folders.files import METADATA_FILE, WEIGHTS_FILE
from astrozoo.folders.loading import load
from astrozoo.spec import ModelSpec, attach_spec, spec
from astrozoo.training.finetune_data import LabelledData, read_labelled, target_column
from astrozoo.training.fitting import balanced_class_weights, ensure_learned, fit, training_settings
from astrozoo.training.metrics import report_for

HEAD_LAYERS = ("predictions",)
"""Layers that a new set of classes replaces (every builder names its output layer so)."""
DEFAULT_SETTINGS = {
    "learning_rate": 1e-3,
    "fine_tune_learning_rate": 1e-4,
    "batch_size": 16,
    "patience": 10,
    "trainable_blocks": 2,
    "recalibrate_batch_norm": True,
}
"""Settings made for a few hundred examples; ``**settings`` (``--set``) replace them."""
FINETUNE_SETTINGS = (*DEFAULT_SETTINGS, "weight_averaging", "weight_decay", "label_smoothing")
DEFAULT_EPOCHS = 30
IMBALANCE = 1.5
"""Classes are weighted when the largest outnumbers the smallest by more than this factor."""


def finetune(
    base: str | os.PathLike | keras.Model,
    data: str | os.PathLike,
    *,
    target: str | None = None,
    validation: float | str | os.PathLike = 0.2,
    epochs: int | None = None,
    seed: int = 0,
    progress: bool = True,
    **settings,
) -> keras.Model:
    """Fine-tunes a zoo model on your own labelled files and returns it, ready for `astrozoo.save`.

    Stage 1 trains only the output layer, the rest frozen (frozen batch normalization runs in
    inference mode), so that a new, random head cannot wreck the pretrained features with large
    early gradients; stage 2 unfreezes the top ``trainable_blocks`` residual blocks of a ResNet
    (other networks: every layer) and trains on at ``fine_tune_learning_rate``. Each stage stops
    early on the validation loss and keeps its best weights. Labels the base already knows (the
    same classes) keep its trained head; other labels get a new head sized to them (class names
    sorted); a regressor keeps its head. The preprocessing and training-only augmentation stay
    inside the model; a base's logit adjustment and temperature, fitted to its own data, are dropped.

    Args:
        base: a zoo name, a model folder, ``hf://org/repo``, or a model built or loaded by astrozoo.
        data: labelled examples (see `astrozoo.training.finetune_data.read_labelled`).
        target: the label column (default ``label``; a regressor's: its target name).
        validation: the fraction of ``data`` held out for early stopping and the reported metrics
            (stratified by class, or by target quantile for a regressor; seeded), or separate
            labelled data.
        epochs: most epochs of stage 2 (stage 1: a third of them); default 30.
        seed: seed of the split, the new head's initialization, shuffling and augmentation.
        progress: print one line per epoch to stderr.
        **settings: replace `DEFAULT_SETTINGS` (``learning_rate`` of stage 1,
            ``fine_tune_learning_rate``, ``batch_size``, ``patience``, ``trainable_blocks``,
            ``recalibrate_batch_norm`` after stage 2) or set
            ``weight_averaging``, ``weight_decay``, ``label_smoothing`` (see `astrozoo.training.fit`).

    Returns:
        The fine-tuned model; its spec records the base (name and sha256 of its weights), the data
        (examples per class), the validation metrics, the command and its caveats.

    Raises:
        InputError: the data cannot be read, or holds one class only.
        ConfigError: an unknown setting, or a classifier given a numeric target.
        TrainingError: the model learned nothing (see `astrozoo.training.ensure_learned`).

    Example:
        >>> import tempfile, pathlib, numpy as np, astrozoo
        >>> rng = np.random.default_rng(0)
        >>> mags = rng.normal(18, 1, (300, 5))
        >>> rows = "".join(",".join(f"{v:.3f}" for v in m) + f",{'red' if m[1] > m[2] else 'blue'}\\n"
        ...                for m in mags)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "colours.csv"
        >>> _ = path.write_text("u,g,r,i,z,label\\n" + rows)
        >>> model = astrozoo.finetune("sdss-mlp", path, epochs=6, progress=False, learning_rate=0.01,
        ...                           fine_tune_learning_rate=0.003)
        >>> astrozoo.spec(model).class_names
        ('blue', 'red')
    """
    started = time.perf_counter()
    chosen = _settings(settings)
    model, record = _base(base)
    base_spec = spec(model)
    column = target_column(base_spec, target)
    labelled = read_labelled(data, base_spec, target)
    if isinstance(validation, int | float) and not isinstance(validation, bool):
        if not 0 < validation < 1:
            raise ConfigError(
                f"validation must be a fraction in (0, 1) or labelled data. Received: {validation}"
            )
        held_out = None
    else:
        held_out = read_labelled(validation, base_spec, target)
    keras.utils.set_random_seed(seed)
    if base_spec.task == "classification":
        class_names = _class_names(labelled, held_out, column)
        model = _with_classes(model, class_names)
    else:
        model = _with_classes(model, None)
    model_spec = spec(model)
    train, checked = _splits(labelled, held_out, validation, model_spec, seed)
    epochs = int(epochs or DEFAULT_EPOCHS)
    fit_settings = {k: chosen[k] for k in ("batch_size", "patience") if k in chosen}
    fit_settings.update(
        {k: chosen[k] for k in ("weight_averaging", "weight_decay", "label_smoothing") if k in chosen}
    )
    if model_spec.task == "classification":
        fit_settings["class_weight"] = _class_weights(train.y, len(model_spec.class_names))
    head_epochs = max(epochs // 3, 1)
    _train_only_head(model)
    fit(model, train, checked, head_epochs, learning_rate=chosen["learning_rate"], verbose=0,
        callbacks=_progress("stage 1 (head)", head_epochs, progress), **fit_settings)  # fmt: skip
    unfrozen = _unfreeze_top(model, chosen["trainable_blocks"])
    # A few hundred examples make few steps, after which the unfrozen batch-normalization statistics
    # still lag behind the weights: they are re-estimated on the training split (precise BN).
    fit(model, train, checked, epochs, learning_rate=chosen["fine_tune_learning_rate"], verbose=0,
        recalibrate_batch_norm=chosen["recalibrate_batch_norm"],
        callbacks=_progress(f"stage 2 ({unfrozen})", epochs, progress), **fit_settings)  # fmt: skip
    _unfreeze_all(model)
    report = report_for(np.asarray(model.predict(checked.x, batch_size=256, verbose=0)), checked.y,
                        model_spec.class_names)  # fmt: skip
    try:
        ensure_learned(report, train.y, checked.y, f"{record['name']} fine-tuned on {labelled.origin!r}")
    except TrainingError as err:
        raise TrainingError(
            f"{err} Nothing was written. Check the labels and inputs, give more examples, or try another "
            "seed or a lower learning rate (--set learning_rate=...)."
        ) from None
    command = _command(record["name"], data, target, validation, epochs, seed, settings)
    training = {
        "data": f"{Path(labelled.origin).name} ({_count_text(labelled, model_spec)})",
        "origin": f"labelled examples read from {labelled.origin}"
        + (f"; validation examples from {held_out.origin}" if held_out is not None else ""),
        "base": record,
        "examples": _counts(labelled, model_spec),
        "command": command,
        "seed": seed,
        "split_seed": seed,
        "split_sizes": {"train": len(train), "validation": len(checked)},
        "max_epochs": epochs,
        "settings": chosen,
        "wall_time_s": round(time.perf_counter() - started, 1),
        "limitations": _caveats(record, base_spec, labelled, held_out, checked),
    }
    described = model_spec.replace(
        name=None,
        description=_description(record, model_spec, labelled),
        metrics={
            "validation": report,
            "headline": "accuracy" if model_spec.task == "classification" else "nmad",
        },
        training=training,
        hub={},
        license=base_spec.license,
        citation=base_spec.citation,
    )
    return attach_spec(model, described)


def base_record(ref: str | os.PathLike | keras.Model) -> dict:
    """The name of a fine-tuning base and the sha256 of its weights file (None for a model in memory).

    Example:
        >>> record = base_record("sdss-mlp")
        >>> record["name"], len(record["weights_sha256"])
        ('sdss-mlp', 64)
    """
    if isinstance(ref, keras.Model):
        return {"name": spec(ref).name or ref.name, "weights_sha256": None}
    text = os.fspath(ref)
    models = manifest.read_manifest()["models"]
    if text in models:
        return {"name": text, "weights_sha256": models[text]["files"][WEIGHTS_FILE]["sha256"]}
    if text.startswith(transport.HF_PREFIX):
        folder = transport.download(transport.parse_reference(text), None)
    else:
        folder = Path(text)
    metadata = json.loads((Path(folder) / METADATA_FILE).read_text(encoding="utf-8"))
    return {"name": text, "weights_sha256": metadata["files"][WEIGHTS_FILE]["sha256"]}


def _base(base) -> tuple[keras.Model, dict]:
    model = base if isinstance(base, keras.Model) else load(base)
    spec(model)  # refuses a model without a spec
    return model, base_record(base if not isinstance(base, keras.Model) else model)


def _settings(settings: dict) -> dict:
    unknown = sorted(set(settings) - set(FINETUNE_SETTINGS))
    if unknown:
        raise ConfigError(
            f"Unknown fine-tuning settings {unknown}. Expected among {list(FINETUNE_SETTINGS)}."
        )
    own = ("fine_tune_learning_rate", "trainable_blocks")
    for key in own:
        value = settings.get(key, DEFAULT_SETTINGS[key])
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key == "trainable_blocks" and not (number and isinstance(value, int) and value >= 0):
            raise ConfigError(f"--set trainable_blocks must be a whole number >= 0. Received: {value!r}.")
        if key == "fine_tune_learning_rate" and not (number and value > 0):
            raise ConfigError(
                f"--set fine_tune_learning_rate must be a positive number. Received: {value!r}."
            )
    shared = training_settings({k: v for k, v in settings.items() if k not in own})
    return {**DEFAULT_SETTINGS, **settings, **shared}


def _class_names(labelled: LabelledData, held_out: LabelledData | None, column: str) -> list[str]:
    labels = [str(v) for v in labelled.labels]
    names = sorted(set(labels))
    if len(names) < 2:
        raise InputError(
            f"Expected at least two classes in column {column!r} of {labelled.origin!r}. "
            f"Received only {names}."
        )
    if held_out is not None:
        unknown = sorted(set(map(str, held_out.labels)) - set(names))
        if unknown:
            raise InputError(
                f"The validation data {held_out.origin!r} has labels {unknown} that the training data "
                f"{labelled.origin!r} lacks (it has {names})."
            )
    return names


def _with_classes(model: keras.Model, class_names: Sequence[str] | None) -> keras.Model:
    """The base rebuilt for ``class_names`` (None: a regressor's own targets), holding its weights.

    The same classes, in any order, keep the base's head (reordered to the base's order); new
    ones get a new, randomly initialized head. Logit adjustment and temperature are dropped.
    """
    model_spec = spec(model)
    keep_head = class_names is None or set(class_names) == set(model_spec.class_names)
    changes = {}
    if model_spec.task == "regression" and len(model_spec.target_names) != 1:
        raise ConfigError(
            f"Fine-tuning a regressor needs one target; the base predicts {list(model_spec.target_names)}."
        )
    if class_names is not None:
        names = list(model_spec.class_names) if keep_head else list(class_names)
        changes = {"logit_adjustment": None, "temperature": 1.0, "class_names": names}
    arguments = dict(model_spec.arguments)
    if model_spec.builder == "ensemble":
        arguments["member_arguments"] = {**arguments["member_arguments"], **changes}
        changes.pop("class_names", None)
    arguments.update(changes)
    if model_spec.builder == "resnet_transfer":
        arguments["trainable_blocks"] = None
    fresh = build_from_config(model_spec.builder, arguments)
    _copy_layer_weights(model, fresh, skip=() if keep_head else HEAD_LAYERS)
    return fresh


def _copy_layer_weights(source: keras.Model, target: keras.Model, skip: Sequence[str]) -> None:
    """Copies weights layer by layer, matched by name, into nested models too, leaving ``skip`` layers."""
    for layer in target.layers:
        if layer.name in skip or not layer.weights:
            continue
        origin = source.get_layer(layer.name)
        if isinstance(layer, keras.Model):
            _copy_layer_weights(origin, layer, skip)
        else:
            layer.set_weights(origin.get_weights())
            if hasattr(layer, "finalize_state"):  # an adapted Normalization derives its mean and variance
                layer.finalize_state()


def _leaves(model: keras.Model) -> list:
    """Every layer inside ``model``, nested ones included, except the models that hold them."""
    return [
        layer for layer in model._flatten_layers(include_self=False) if not isinstance(layer, keras.Model)
    ]


def _train_only_head(model: keras.Model) -> None:
    for layer in _leaves(model):
        layer.trainable = layer.name in HEAD_LAYERS or layer.name.startswith("head_")


def _unfreeze_all(model: keras.Model) -> None:
    for layer in _leaves(model):
        layer.trainable = True


def _unfreeze_top(model: keras.Model, blocks: int) -> str:
    """Stage 2: a ResNet's top ``blocks`` residual blocks and head, or every layer of other networks."""
    if spec(model).builder == "resnet_transfer":
        names = set_trainable_blocks(model, min(int(blocks), len(backbone_blocks(model))))
        return f"top blocks {', '.join(names)} unfrozen" if names else "head"
    _unfreeze_all(model)
    return "all layers"


def _splits(labelled, held_out, fraction, model_spec: ModelSpec, seed: int) -> tuple[Split, Split]:
    """Training and validation splits: ``held_out`` when given, else a stratified, seeded part."""
    y = _targets(labelled, model_spec)
    ids = np.asarray(labelled.sources)
    if held_out is not None:
        return Split(labelled.x, y, ids), Split(held_out.x, _targets(held_out, model_spec),
                                                np.asarray(held_out.sources))  # fmt: skip
    strata = y if model_spec.task == "classification" else _quantile_bins(y)
    chosen = []
    for members in shuffled_classes(strata, seed):
        chosen.append(members[: max(round(fraction * len(members)), 1 if len(members) >= 2 else 0)])
    validation = np.sort(np.concatenate(chosen))
    train = np.setdiff1d(np.arange(len(y)), validation)
    if len(validation) == 0 or len(train) == 0:
        raise InputError(f"{len(y)} examples are too few to hold {fraction:.0%} out for validation.")
    return (Split(labelled.x[train], y[train], ids[train]),
            Split(labelled.x[validation], y[validation], ids[validation]))  # fmt: skip


def _targets(labelled: LabelledData, model_spec: ModelSpec) -> np.ndarray:
    if model_spec.task == "regression":
        return labelled.labels.astype("float32")
    index = {name: i for i, name in enumerate(model_spec.class_names)}
    return np.asarray([index[str(v)] for v in labelled.labels], dtype=np.int64)


def _quantile_bins(y: np.ndarray, bins: int = 5) -> np.ndarray:
    edges = np.quantile(y, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(edges, y)


def _class_weights(y: np.ndarray, n_classes: int) -> dict | None:
    counts = np.bincount(y, minlength=n_classes)
    return balanced_class_weights(y, n_classes) if counts.max() > IMBALANCE * max(counts.min(), 1) else None


class _EpochLine(keras.callbacks.Callback):
    """Prints one line per epoch to stderr: the stage, the epoch, and the losses and metrics."""

    def __init__(self, stage: str, epochs: int):
        super().__init__()
        self.stage, self.epochs = stage, epochs

    def on_epoch_end(self, epoch, logs=None):
        values = ", ".join(f"{k} {v:.4g}" for k, v in (logs or {}).items() if k != "learning_rate")
        print(f"{self.stage} epoch {epoch + 1}/{self.epochs}: {values}", file=sys.stderr, flush=True)


def _progress(stage: str, epochs: int, progress: bool) -> list:
    return [_EpochLine(stage, epochs)] if progress else []


def _counts(labelled: LabelledData, model_spec: ModelSpec) -> dict:
    if model_spec.task == "regression":
        return {"examples": len(labelled), "skipped": len(labelled.skipped)}
    names, counts = np.unique([str(v) for v in labelled.labels], return_counts=True)
    return {**{str(n): int(c) for n, c in zip(names, counts, strict=True)}, "skipped": len(labelled.skipped)}


def _count_text(labelled: LabelledData, model_spec: ModelSpec) -> str:
    counts = _counts(labelled, model_spec)
    skipped = counts.pop("skipped")
    if model_spec.task == "regression":
        text = f"{counts['examples']} examples"
    else:
        text = f"{len(labelled)} examples; " + ", ".join(f"{k} {v}" for k, v in counts.items())
    return text + (f"; {skipped} unreadable, skipped" if skipped else "")


def _description(record: dict, model_spec: ModelSpec, labelled: LabelledData) -> str:
    what = (
        " / ".join(model_spec.class_names) if model_spec.class_names else ", ".join(model_spec.target_names)
    )
    source = Path(labelled.origin).name
    return f"{what}: {record['name']} fine-tuned on {len(labelled)} labelled examples ({source})."


def _caveats(record: dict, base_spec: ModelSpec, labelled, held_out, checked: Split) -> list[str]:
    sha = record["weights_sha256"] or "not recorded (a model in memory)"
    caveats = [
        f"Fine-tuned from {record['name']} (sha256 of its {WEIGHTS_FILE}: {sha}); it inherits that "
        "model's input conventions and its known limitations.",
        f"Scored on the {len(checked)} validation examples only, which early stopping also watched, so the "
        "scores lean optimistic; no separate test split was scored. Score it on examples it never saw.",
    ]
    if held_out is None:
        caveats.append(
            "The validation examples come from the same data as the training ones: how well it carries over "
            "to other surveys, depths or selections is not measured."
        )
    caveats += [f"From {record['name']}: {item}" for item in base_spec.training.get("limitations", [])]
    return caveats


def _command(name, data, target, validation, epochs, seed, settings) -> str:
    parts = ["astrozoo", "finetune", str(name), os.fspath(data), "-o", "FOLDER"]
    if target:
        parts += ["--target", target]
    if isinstance(validation, int | float):
        if validation != 0.2:
            parts += ["--validation", str(validation)]
    else:
        parts += ["--validation-data", os.fspath(validation)]
    parts += ["--epochs", str(epochs), "--seed", str(seed)]
    for key, value in settings.items():
        parts += ["--set", f"{key}={json.dumps(value)}"]
    return shlex.join(parts)
