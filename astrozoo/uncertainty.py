"""Monte Carlo dropout: a cheap estimate of how unsure a model is about each prediction."""

from __future__ import annotations

import keras
import numpy as np

from astrozoo.builders.registry import copy_weights
from astrozoo.spec import attach_spec, spec


class _AlwaysDropout(keras.layers.Dropout):
    """Dropout that stays active at inference (used only inside `mc_dropout_predict`)."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


def mc_dropout_model(model: keras.Model) -> keras.Model:
    """A copy of ``model`` whose Dropout layers stay active at inference; everything else is unchanged.

    Batch normalization keeps its moving statistics, augmentation stays off and
    test-time averaging stays on, so only the dropout masks vary between calls.
    """

    def clone(layer):
        if isinstance(layer, keras.layers.Dropout):
            return _AlwaysDropout(**layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=clone, recursive=True)  # into ensemble members
    copy_weights(model, copy)
    return attach_spec(copy, spec(model))


def mc_dropout_predict(model: keras.Model, x, samples: int = 30, seed: int | None = 0):
    """Predicts ``samples`` times with dropout active; returns the mean and standard deviation.

    A large spread means the network's answer depends on which units happen to be
    dropped: a sign the input is unlike the training data, or ambiguous.

    Args:
        model: an astrozoo model with Dropout layers.
        x: a batch of inputs.
        samples: number of stochastic forward passes.
        seed: seed of the dropout masks.

    Returns:
        ``(mean, std)``, each shaped like ``model.predict(x)``.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"], dropout=0.5)
        >>> mean, std = mc_dropout_predict(model, np.array([[18.0, 17.5]]), samples=10)
        >>> mean.shape, bool((std > 0).any())
        ((1, 2), True)
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    stochastic = mc_dropout_model(model)
    runs = np.stack([np.asarray(stochastic(x, training=False)) for _ in range(samples)])
    return runs.mean(axis=0), runs.std(axis=0)
