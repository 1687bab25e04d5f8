"""The training loop shared by the recipes: Adam, early stopping and LR decay on validation."""

from __future__ import annotations

import keras
import numpy as np

from astrozoo.datasets import Split
from astrozoo.spec import spec


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
