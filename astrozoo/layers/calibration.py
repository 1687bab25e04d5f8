"""Temperature scaling of a classifier's probabilities, as a Keras layer."""

from __future__ import annotations

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
