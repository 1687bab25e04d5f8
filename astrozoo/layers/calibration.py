"""Temperature scaling and logit adjustment of a classifier's probabilities, as Keras layers."""

from __future__ import annotations

import math

import keras
from keras import ops

EPSILON = 1e-7  # probabilities are clipped here before the logarithm


@keras.saving.register_keras_serializable(package="astrozoo")
class TemperatureScaling(keras.layers.Layer):
    """Rescales class probabilities ``p`` to ``softmax(log(p) / temperature)``.

    This is temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural
    Networks"): since ``log(softmax(z))`` is ``z`` minus a constant, it equals a
    softmax of the logits divided by ``temperature``. A temperature above 1 softens
    overconfident probabilities, below 1 sharpens them; the predicted class never
    changes. The layer has no weights: its temperature lives in the config, set by
    `astrozoo.training.calibrate` from validation data.

    Args:
        temperature: a positive number; 1 leaves the probabilities unchanged.

    Example:
        >>> import numpy as np
        >>> p = np.array([[0.9, 0.1]], "float32")
        >>> TemperatureScaling(2.0)(p).numpy().round(3).tolist()
        [[0.75, 0.25]]
    """

    def __init__(self, temperature: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.temperature = check_temperature(temperature)

    def call(self, probabilities):
        logits = ops.log(ops.clip(probabilities, EPSILON, 1.0))
        return ops.softmax(logits / self.temperature, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}


@keras.saving.register_keras_serializable(package="astrozoo")
class LogitAdjustment(keras.layers.Layer):
    """Shifts class probabilities ``p`` to ``softmax(log(p) + offsets)``.

    Adding ``offsets[k]`` to class ``k``'s log-probability multiplies its odds
    against every other class by ``exp(offsets[k] - offsets[j])``: a fixed change
    of the class priors (logit adjustment, Menon et al. 2021, "Long-tail learning
    via logit adjustment"). It can undo part of the class weighting a network was
    trained with (see `astrozoo.training.logit_adjustment_for`), so that a rare
    class is no longer predicted as often as the weights made it. Unlike a
    temperature, it can change the predicted class. The layer has no weights: its
    offsets live in the config.

    Args:
        offsets: one finite number per class, in the output's order.

    Example:
        >>> import numpy as np
        >>> p = np.array([[0.5, 0.5]], "float32")
        >>> LogitAdjustment([0.0, np.log(3.0)])(p).numpy().round(3).tolist()
        [[0.25, 0.75]]
    """

    def __init__(self, offsets, **kwargs):
        super().__init__(**kwargs)
        self.offsets = check_offsets(offsets)

    def call(self, probabilities):
        logits = ops.log(ops.clip(probabilities, EPSILON, 1.0))
        return ops.softmax(logits + ops.convert_to_tensor(self.offsets, dtype=logits.dtype), axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "offsets": list(self.offsets)}


def check_offsets(offsets, n_classes: int | None = None) -> list[float]:
    """``offsets`` as a list of floats, or a ValueError saying what logit offsets must be.

    Example:
        >>> check_offsets([0, -1.5], n_classes=2)
        [0.0, -1.5]
    """
    try:
        values = [float(v) for v in offsets]
    except (TypeError, ValueError):
        values = None
    if values is None or not all(math.isfinite(v) for v in values):
        raise ValueError(
            f"logit_adjustment must be a list of finite numbers, one per class. Received: {offsets!r}"
        )
    if n_classes is not None and len(values) != n_classes:
        raise ValueError(
            f"logit_adjustment needs one number per class ({n_classes}). Received {len(values)}: {offsets!r}"
        )
    return values


def check_temperature(temperature) -> float:
    """``temperature`` as a float, or a ValueError saying what a temperature must be."""
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(
            f"temperature must be a positive, finite number (1: unchanged). Received: {temperature!r}"
        )
    return value
