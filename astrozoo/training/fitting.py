"""The training loop shared by the recipes: Adam, early stopping and LR decay on validation."""

from __future__ import annotations

import keras
import numpy as np

from astrozoo.datasets import Split
from astrozoo.errors import TrainingError
from astrozoo.spec import spec
from astrozoo.training.metrics import classification_report, single_answer


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
    validation: Split,
    epochs: int,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    patience: int = 15,
    class_weight: dict | None = None,
    loss=None,
    verbose: int = 2,
) -> keras.callbacks.History:
    """Compiles and fits a model; keeps the weights of the best validation loss.

    Classifiers use sparse categorical cross-entropy, regressors the Huber loss
    (delta 0.05), unless ``loss`` is given.
    The learning rate halves after ``patience // 3`` epochs without improvement
    of the validation loss; training stops after ``patience``.
    """
    task = spec(model).task
    if loss is None:
        loss = (
            "sparse_categorical_crossentropy" if task == "classification" else keras.losses.Huber(delta=0.05)
        )
    metrics = ["accuracy"] if task == "classification" else ["mae"]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=metrics)
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=max(patience // 3, 1)),
    ]
    return model.fit(
        train.x, train.y, validation_data=(validation.x, validation.y), epochs=epochs,
        batch_size=batch_size, class_weight=class_weight, callbacks=callbacks, verbose=verbose,
    )  # fmt: skip


def ensure_learned(model: keras.Model, train: Split, validation: Split, name: str = "the model") -> None:
    """Refuses a trained model that does no better than one constant answer on validation.

    A network can fail to train (a bad initialization, too high a learning rate)
    and still be saved by early stopping at its least bad epoch. Such a model
    answers the same class for every example, or predicts a regression target
    no better than the training mean; `astrozoo.training.train` calls this
    before writing anything, so that no such model is ever saved.

    Raises:
        TrainingError: every validation example gets the same class, or the
            validation RMSE is not below that of always answering the
            training mean.

    Example:
        >>> import numpy as np
        >>> from astrozoo import builders
        >>> model = builders.mlp(["a"], class_names=["x", "y"], hidden_units=[2])
        >>> for weights in model.trainable_weights:  # a network whose weights are all 0
        ...     _ = weights.assign(np.zeros(weights.shape))
        >>> data = Split(np.array([[0.0], [1.0]]), np.array([0, 1]), np.array(["p", "q"]))
        >>> ensure_learned(model, data, data, "demo")
        Traceback (most recent call last):
        ...
        astrozoo.errors.TrainingError: demo did not learn: it answers 'x' for all 2 validation examples...
    """
    model_spec = spec(model)
    predicted = np.asarray(model.predict(validation.x, batch_size=256, verbose=0))
    if model_spec.task == "classification":
        answer = single_answer(classification_report(predicted, validation.y, model_spec.class_names))
        if answer is not None and len(validation) > 1:
            raise TrainingError(
                f"{name} did not learn: it answers {answer!r} for all {len(validation)} validation examples."
            )
        return
    truth = np.asarray(validation.y, dtype=np.float64).reshape(len(validation), -1)
    rmse = float(np.sqrt(np.mean((predicted.reshape(truth.shape) - truth) ** 2)))
    train_mean = np.asarray(train.y, dtype=np.float64).reshape(len(train), -1).mean(axis=0)
    constant = float(np.sqrt(np.mean((train_mean - truth) ** 2)))
    if not rmse < constant:
        raise TrainingError(
            f"{name} did not learn: its validation RMSE {rmse:.4g} is no better than always answering "
            f"the training mean ({constant:.4g})."
        )
