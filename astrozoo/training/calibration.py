"""Temperature scaling fitted on validation data: probabilities that mean what they say."""

from __future__ import annotations

import keras
import numpy as np

from astrozoo.builders.registry import rebuilt
from astrozoo.layers.calibration import EPSILON
from astrozoo.spec import spec

TEMPERATURE_RANGE = (0.05, 20.0)  # searched on a log scale; a fit at either end says the data are too few


def temperature_log_loss(probabilities, y_true, temperature: float) -> float:
    """Mean negative log-likelihood of ``y_true`` under ``softmax(log(p) / temperature)``.

    Example:
        >>> p = [[0.9, 0.1], [0.9, 0.1]]
        >>> round(temperature_log_loss(p, [0, 1], 1.0), 3), round(temperature_log_loss(p, [0, 1], 1e6), 3)
        (1.204, 0.693)
    """
    return _scaled_log_loss(_log_probabilities(probabilities), np.asarray(y_true), temperature)


def _log_probabilities(probabilities) -> np.ndarray:
    return np.log(np.clip(np.asarray(probabilities, np.float64), EPSILON, 1.0))


def _scaled_log_loss(log_probabilities: np.ndarray, y_true: np.ndarray, temperature: float) -> float:
    logits = log_probabilities / float(temperature)
    logits -= logits.max(axis=1, keepdims=True)
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-log_softmax[np.arange(len(log_softmax)), y_true].mean())


def fit_temperature(probabilities, y_true) -> float:
    """The temperature that minimizes the log loss of ``probabilities`` on ``y_true``.

    A grid of 201 temperatures, evenly spaced in log between 0.05 and 20, then a
    finer grid of 201 around the best (steps of about 0.03%). The log loss is
    a smooth function of one number here, so the grid needs no starting guess.

    Args:
        probabilities: (n, classes) predicted probabilities, e.g. on the validation split.
        y_true: (n,) true class indices.

    Returns:
        The temperature: above 1 when the probabilities were overconfident.

    Raises:
        ValueError: shapes that do not match, or fewer than 2 examples.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = rng.integers(0, 2, 2000)
        >>> right = rng.random(2000) < 0.7  # 70% right, but 95% sure
        >>> predicted = np.where(right, y, 1 - y)
        >>> p = np.where(predicted[:, None] == np.arange(2), 0.95, 0.05)
        >>> t = fit_temperature(p, y)
        >>> from astrozoo.layers import TemperatureScaling
        >>> confidence = TemperatureScaling(t)(p.astype("float32")).numpy().max(axis=1)
        >>> round(t, 2), round(float(confidence.mean()), 3), round(float(right.mean()), 3)
        (3.27, 0.711, 0.711)
    """
    probabilities = np.asarray(probabilities, np.float64)
    y_true = np.asarray(y_true, int)
    if probabilities.ndim != 2 or len(probabilities) != len(y_true) or len(y_true) < 2:
        raise ValueError(
            "fit_temperature needs (n, classes) probabilities and n labels, n >= 2. "
            f"Received: probabilities of shape {probabilities.shape}, {len(y_true)} labels"
        )
    log_probabilities = _log_probabilities(probabilities)  # once, not once per temperature tried
    low, high = np.log(TEMPERATURE_RANGE)
    for _ in range(2):
        grid = np.exp(np.linspace(low, high, 201))
        losses = [_scaled_log_loss(log_probabilities, y_true, t) for t in grid]
        best = int(np.argmin(losses))
        low, high = np.log(grid[max(best - 1, 0)]), np.log(grid[min(best + 1, len(grid) - 1)])
    return float(grid[best])


def calibrate(model: keras.Model, split) -> tuple[keras.Model, float]:
    """Temperature-scales a trained classifier on ``split`` (its validation data, never the test split).

    Fits one temperature by minimizing the log loss of the model's probabilities
    on ``split`` and returns the same network rebuilt with that temperature in its
    config (`astrozoo.layers.TemperatureScaling`); its weights are copied, and its
    predicted classes are unchanged. A model that already had a temperature gets
    the product of the two, so calibrating twice is calibrating once.

    Args:
        model: a classifier built by an astrozoo builder.
        split: a `Split` with ``x`` and ``y`` (class indices).

    Returns:
        The calibrated model and the temperature that was fitted on ``split``.

    Raises:
        ValueError: ``model`` is a regressor.

    Example:
        >>> import numpy as np, astrozoo
        >>> from astrozoo.datasets import Split
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"])
        >>> x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
        >>> calibrated, t = calibrate(model, Split(x, (x[:, 0] > 0).astype(int), np.arange(64)))
        >>> astrozoo.spec(calibrated).arguments["temperature"] == t
        True
    """
    model_spec = spec(model)
    if model_spec.task != "classification":
        raise ValueError(f"Only classifiers can be temperature-scaled. Received a {model_spec.task} model.")
    probabilities = model.predict(split.x, batch_size=256, verbose=0)
    temperature = fit_temperature(probabilities, split.y)
    before = float(model_spec.arguments.get("temperature", 1.0))
    return rebuilt(model, temperature=before * temperature), temperature
