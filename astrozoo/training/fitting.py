"""The training loop of the recipes: Adam(W), early stopping, a rate schedule, weight averaging."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np

from astrozoo.builders.registry import build_from_config
from astrozoo.datasets import Split
from astrozoo.datasets.base import concatenate_splits
from astrozoo.errors import ConfigError, TrainingError
from astrozoo.spec import spec
from astrozoo.training.metrics import not_learned
from astrozoo.training.mixup import MixupBatches, one_hot_labels

SCHEDULES = ("plateau", "cosine")
TRAINING_SETTINGS = (
    "learning_rate", "batch_size", "patience", "schedule", "recalibrate_batch_norm", "weight_averaging",
    "weight_decay", "mixup", "label_smoothing", "calibrate", "undo_class_weights", "refit",
)  # fmt: skip
"""Arguments of `fit` that ``--set KEY=VALUE`` may replace (see `training_settings`); ``calibrate``:
whether `astrozoo.training.recipes.fit_members` temperature-scales the trained model on validation; and
``undo_class_weights``: the fraction of a recipe's class weights that `astrozoo.training.recipes.fit_with`
undoes in the trained model's decisions (`astrozoo.training.adjust_logits`); and ``refit``: whether
`astrozoo.training.recipes.fit_with` then trains a fresh network on train + validation (`refit`)."""


def training_settings(overrides: dict | None, **recipe_settings) -> dict:
    """A recipe's `fit` settings, replaced by the training settings among ``overrides``.

    Args:
        overrides: ``--set`` values; those not in `TRAINING_SETTINGS` (builder
            arguments) are ignored here.
        **recipe_settings: the recipe's own settings (e.g. ``batch_size=32``).

    Raises:
        ConfigError: a training setting has a value `fit` cannot use.

    Example:
        >>> training_settings({"learning_rate": 3e-4, "filters": [8]}, batch_size=32, learning_rate=1e-3)
        {'batch_size': 32, 'learning_rate': 0.0003}
        >>> training_settings({"patience": 0})
        Traceback (most recent call last):
        ...
        astrozoo.errors.ConfigError: --set patience must be a positive integer. Received: 0.
    """
    chosen = {key: value for key, value in (overrides or {}).items() if key in TRAINING_SETTINGS}
    for key, value in chosen.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key == "learning_rate":
            valid, expected = number and value > 0, "a positive number"
        elif key == "schedule":
            valid, expected = value in SCHEDULES, f"one of {list(SCHEDULES)}"
        elif key in ("recalibrate_batch_norm", "calibrate", "refit"):
            valid, expected = isinstance(value, bool), "true or false"
        elif key == "weight_decay":
            valid, expected = number and value >= 0, "a number >= 0"
        elif key == "undo_class_weights":
            valid, expected = number and value >= 0, "a fraction >= 0 (0: keep the weighted decisions)"
        elif key == "mixup":
            valid, expected = number and value >= 0, "a number >= 0 (0: off)"
        elif key == "label_smoothing":
            valid, expected = number and 0 <= value < 1, "a number in [0, 1) (0: off)"
        elif key == "weight_averaging":
            valid, expected = number and 0 <= value < 1, "a momentum in [0, 1) (0: off)"
        else:  # batch_size, patience
            valid, expected = number and isinstance(value, int) and value > 0, "a positive integer"
        if not valid:
            raise ConfigError(f"--set {key} must be {expected}. Received: {value!r}.")
    return {**recipe_settings, **chosen}


def balanced_class_weights(y: np.ndarray, n_classes: int, power: float = 1.0) -> dict[int, float]:
    """Class weights ∝ (1 / frequency) ** power, normalized to a mean of 1 over samples.

    Example:
        >>> {k: round(v, 2) for k, v in balanced_class_weights(np.array([0, 0, 0, 1]), 2).items()}
        {0: 0.67, 1: 2.0}
    """
    counts = np.bincount(y, minlength=n_classes).astype(float)
    weights = np.where(counts > 0, (counts.sum() / np.maximum(counts, 1)) ** power, 0.0)
    weights /= (weights * counts).sum() / counts.sum()
    return {k: float(w) for k, w in enumerate(weights)}


def fit(
    model: keras.Model,
    train: Split,
    validation: Split | None,
    epochs: int,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    patience: int = 15,
    class_weight: dict | None = None,
    loss=None,
    schedule: str = "plateau",
    recalibrate_batch_norm: bool = False,
    weight_averaging: float = 0.0,
    weight_decay: float = 0.0,
    mixup: float = 0.0,
    label_smoothing: float = 0.0,
    learning_rates: Sequence[float] | None = None,
    verbose: int = 2,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> keras.callbacks.History:
    """Compiles and fits a model; keeps the weights of the best validation loss.

    Classifiers use sparse categorical cross-entropy, regressors the Huber loss
    (delta 0.05), unless ``loss`` is given. Training stops after ``patience``
    epochs without improvement of the validation loss.

    Args:
        schedule: ``"plateau"`` halves the learning rate after ``patience // 3``
            epochs without improvement of the validation loss; ``"cosine"`` decays
            it from ``learning_rate`` to 0 over ``epochs`` epochs (Loshchilov &
            Hutter 2017), so that the last epochs take small, settling steps.
        recalibrate_batch_norm: once training has ended (best weights restored),
            re-estimate the batch-normalization statistics on the training split
            (see `reestimate_batch_norm`).
        weight_averaging: if above 0, the momentum of an exponential moving
            average of the weights (Polyak averaging; Keras' ``use_ema``), e.g.
            0.99 averages over about the last 100 steps. Validation, early
            stopping and the returned model then use the averaged weights, which
            wander less from one epoch to the next than the weights being trained.
        weight_decay: if above 0, AdamW's decoupled weight decay (Loshchilov &
            Hutter 2019): each step shrinks every weight by ``learning_rate *
            weight_decay`` of itself, instead of Adam without decay.
        mixup: if above 0, a classifier trains on mixed pairs of examples and
            labels, the mixing weight drawn from Beta(``mixup``, ``mixup``) (see
            `astrozoo.training.mixup.MixupBatches`); the loss becomes categorical
            cross-entropy on one-hot labels, which on validation equals the sparse one.
        label_smoothing: if above 0, a classifier's one-hot targets become
            ``1 - label_smoothing`` for the labelled class and the rest shared by the
            others (Szegedy et al. 2016), in training and in the validation loss that
            early stopping watches: a network is then never pushed to be certain of
            a label that may be wrong.
        learning_rates: instead of a validation split, the learning rate of
            each epoch (``validation`` is then None, and ``epochs``, ``schedule``,
            ``patience`` and ``learning_rate`` are unused): the model trains for ``len(learning_rates)``
            epochs with no early stopping and keeps its last (or, with
            ``weight_averaging``, last averaged) weights. `refit` replays a
            finished run's rates this way.
        callbacks: further Keras callbacks, called after fit's own (e.g. a progress line).
        (the other arguments are those of ``keras.Model.fit`` and ``compile``.)

    Example:
        >>> import numpy as np
        >>> from astrozoo import builders
        >>> x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
        >>> data = Split(x, (x[:, 0] > 0).astype(int), np.arange(64))
        >>> model = builders.mlp(["a", "b"], class_names=["neg", "pos"], hidden_units=(8,))
        >>> history = fit(model, data, data, epochs=3, schedule="cosine", verbose=0)
        >>> len(history.history["loss"])
        3
    """
    task = spec(model).task
    if loss is None:
        loss = (
            "sparse_categorical_crossentropy" if task == "classification" else keras.losses.Huber(delta=0.05)
        )
    metrics = ["accuracy"] if task == "classification" else ["mae"]
    if (validation is None) == (learning_rates is None):
        raise ValueError("fit needs either a validation split or the learning_rates of a run without one.")
    extra_callbacks = list(callbacks)
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    ]
    if learning_rates is not None:
        rates = [float(rate) for rate in learning_rates]
        epochs, callbacks = len(rates), [keras.callbacks.LearningRateScheduler(lambda epoch: rates[epoch])]
    elif schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=max(patience // 3, 1))
        )
    elif schedule == "cosine":
        steps_per_epoch = math.ceil(len(train) / batch_size)
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * steps_per_epoch)
    else:
        raise ValueError(f"schedule must be one of {list(SCHEDULES)}. Received: schedule={schedule!r}")
    averaging = {}
    if weight_averaging:
        averaging = {"use_ema": True, "ema_momentum": weight_averaging}
        # First, so that the callbacks after it (early stopping's best weights) see the averaged weights.
        callbacks.insert(0, keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if weight_decay:
        optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay, **averaging)
    else:
        optimizer = keras.optimizers.Adam(learning_rate, **averaging)
    data = {"x": train.x, "y": train.y, "batch_size": batch_size, "class_weight": class_weight}
    validation_data = None if validation is None else (validation.x, validation.y)
    if (mixup or label_smoothing) and task != "classification":
        raise ConfigError(
            "Mixup and label smoothing act on class labels, so they need a classifier. "
            f"Received a {task} model."
        )
    if mixup or label_smoothing:  # both train on one-hot labels
        n_classes = len(spec(model).class_names)
        if validation is not None:
            validation_data = (validation.x, one_hot_labels(validation.y, n_classes))
        if mixup:
            seed = int(np.random.randint(2**31))  # from the global seed (keras.utils.set_random_seed)
            data = {"x": MixupBatches(train.x, train.y, n_classes, mixup, batch_size, class_weight, seed)}
        else:
            data["y"] = one_hot_labels(train.y, n_classes)
        if loss == "sparse_categorical_crossentropy":
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    callbacks += extra_callbacks
    history = model.fit(**data, validation_data=validation_data, epochs=epochs, callbacks=callbacks,
                        verbose=verbose)  # fmt: skip
    if recalibrate_batch_norm:
        reestimate_batch_norm(model, train.x, batch_size)
    return history


def refit(model: keras.Model, history: keras.callbacks.History, train: Split, validation: Split,
          **settings) -> keras.Model:  # fmt: skip
    """A fresh network like ``model``, trained on ``train`` + ``validation`` as ``model`` was on ``train``.

    Early stopping needs examples the network does not train on, so the network it
    keeps never learned from the validation split. This trains a new one (same
    builder and arguments, new initialization) on both splits for the number of
    epochs that early stopping kept, replaying the learning rate of each of those
    epochs, which the plateau schedule recorded in ``history``. Nothing is then left
    to score it on but a test split or the held-out fold of a cross-validation.

    Args:
        model: the network trained by `fit` on ``train`` with early stopping on ``validation``.
        history: what that `fit` returned.
        train: its training split.
        validation: its validation split.
        **settings: the same `fit` settings as that run (batch size, class weights,
            weight averaging...); its ``schedule``, ``patience`` and ``learning_rate``
            give way to the replayed rates.

    Returns:
        The new network.

    Raises:
        ConfigError: ``history`` has no learning rates (a run without the plateau schedule).

    Example:
        >>> from astrozoo import builders
        >>> x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
        >>> data = Split(x, (x[:, 0] > 0).astype(int), np.arange(64))
        >>> model = builders.mlp(["a", "b"], class_names=["neg", "pos"], hidden_units=(8,))
        >>> history = fit(model, data, data, epochs=4, verbose=0)
        >>> again = refit(model, history, data, data, verbose=0)
        >>> again is model, spec(again).arguments == spec(model).arguments
        (False, True)
    """
    rates, losses = history.history.get("learning_rate"), history.history["val_loss"]
    if rates is None:
        raise ConfigError(
            "refit replays the learning rates that the plateau schedule records each epoch; this run "
            f"recorded none. Received a history with {sorted(history.history)}."
        )
    kept = int(np.argmin(losses)) + 1  # the epoch early stopping restored (the first best one)
    fresh = build_from_config(spec(model).builder, spec(model).arguments)
    fit(fresh, concatenate_splits(train, validation), None, kept, learning_rates=rates[:kept], **settings)
    return fresh


def reestimate_batch_norm(model: keras.Model, x: np.ndarray, batch_size: int = 32, seed: int = 0) -> int:
    """Re-estimates every batch-normalization layer's moving statistics on ``x`` ("precise BN").

    During training the moving means and variances are exponential averages
    over recent batches, taken while the weights still change, so at the end
    they lag behind the weights the model keeps. This sets them to the plain
    average of the batch statistics over one pass of ``x`` (in random order,
    in training mode, as in training) with the weights fixed; nothing else
    changes. Used by `fit` with ``recalibrate_batch_norm=True``.

    Args:
        model: a built model; layers nested in it are found too.
        x: training inputs.
        batch_size: batch size of the pass (the training one).
        seed: seed of the batch order.

    Returns:
        The number of batch-normalization layers recalibrated.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.BatchNormalization()])
        >>> x = np.random.default_rng(0).normal(5.0, 2.0, size=(256, 2)).astype("float32")
        >>> reestimate_batch_norm(model, x)
        1
        >>> np.allclose(model.layers[0].moving_mean, x.mean(axis=0), atol=1e-4)
        True
    """
    layers = [
        layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not layers:
        return 0
    momenta = [layer.momentum for layer in layers]
    order = np.random.default_rng(seed).permutation(len(x))
    try:
        for i, start in enumerate(range(0, len(x), batch_size)):
            for layer in layers:  # moving = the mean of the i + 1 batches seen so far
                layer.momentum = i / (i + 1)
            model(x[np.sort(order[start : start + batch_size])], training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
    return len(layers)


def ensure_learned(report: dict, train_y, validation_y, name: str = "the model") -> None:
    """Refuses a trained model whose validation scores are no better than chance.

    A network can fail to train (a bad initialization, too high a learning rate)
    and still be saved by early stopping at its least bad epoch. Such a
    classifier answers the same class for every example, or answers several no
    better than guessing would (`astrozoo.training.metrics.not_learned`: the
    chance of scoring as well by ignoring the input is above 1%); such a
    regressor predicts no better than the training mean.
    `astrozoo.training.train` calls this before writing anything, so that no
    such model is ever saved.

    Args:
        report: the model's scores on the validation split, a `classification_report`
            or `regression_report` (as `astrozoo.training.reproduce.evaluate` returns).
        train_y: training targets (a regressor is compared with their mean).
        validation_y: validation targets.
        name: how the error names the model.

    Raises:
        TrainingError: the classifier answers one class for every validation
            example or scores no better than chance, or the validation RMSE is
            not below that of always answering the training mean.

    Example:
        >>> from astrozoo.training.metrics import classification_report
        >>> report = classification_report([[0.9, 0.1], [0.8, 0.2]], [0, 1], ["x", "y"])
        >>> ensure_learned(report, [0, 1], [0, 1], "demo")
        Traceback (most recent call last):
        ...
        astrozoo.errors.TrainingError: demo did not learn: on the validation split it answers 'x' for all ...
    """
    if "confusion_matrix" in report:  # a classifier
        reason = not_learned(report)
        if reason is not None:
            raise TrainingError(f"{name} did not learn: on the validation split {reason}.")
        return
    truth = np.asarray(validation_y, dtype=np.float64).ravel()
    constant = float(np.sqrt(np.mean((np.mean(np.asarray(train_y, dtype=np.float64)) - truth) ** 2)))
    if not report["rmse"] < constant:
        raise TrainingError(
            f"{name} did not learn: its validation RMSE {report['rmse']:.4g} is no better than always "
            f"answering the training mean ({constant:.4g})."
        )
