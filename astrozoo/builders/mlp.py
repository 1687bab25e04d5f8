"""Multilayer perceptrons for catalogue features."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from astrozoo.builders.registry import (
    adjusted_probabilities,
    dense_stack,
    output_head,
    register_builder,
)
from astrozoo.layers import TabularFeatures
from astrozoo.spec import InputSpec


def _input_spec(args: dict) -> InputSpec:
    return InputSpec(
        kind="table",
        shape=(len(args["features"]),),
        columns=args["features"],
        units=(args.get("input_info") or {}).get("units"),
        missing_value=args.get("missing_value"),
    )


@register_builder("mlp", input_spec=_input_spec, transient=("adapt_data",))
def mlp(
    features: Sequence[str],
    class_names: Sequence[str] | None = None,
    task: str = "classification",
    target_names: Sequence[str] | None = None,
    hidden_units: Sequence[int] = (64, 64),
    dropout: float = 0.1,
    batch_norm: bool = True,
    activation: str = "relu",
    colours: Sequence[tuple[str, str]] = (),
    log_features: Sequence[str] = (),
    missing_value: float | None = None,
    noise_stddev: float = 0.05,
    logit_adjustment: Sequence[float] | None = None,
    temperature: float = 1.0,
    input_info: dict | None = None,
    adapt_data: np.ndarray | None = None,
) -> keras.Model:
    """Builds an MLP classifier or regressor over named catalogue columns.

    The model takes the raw columns in ``features`` order. Inside it: derived
    features (colours, logs, missing flags; see `TabularFeatures`), a
    Normalization layer adapted on ``adapt_data``, Gaussian noise as
    training-only augmentation, the hidden layers and the output head.

    Args:
        features: input column names, e.g. ``["u", "g", "r", "i", "z"]``.
        class_names: classes of a classifier.
        task: ``"classification"`` or ``"regression"``.
        target_names: predicted quantities of a regressor, e.g. ``["redshift"]``.
        hidden_units: width of each hidden layer.
        dropout: dropout rate after each hidden layer.
        batch_norm: add batch normalization after each hidden Dense layer.
        activation: hidden activation.
        colours: column pairs whose difference is added as a feature.
        log_features: columns whose log10 is added as a feature.
        missing_value: sentinel marking missing values (e.g. -99.99).
        noise_stddev: standard deviation of the training-only Gaussian noise
            added to normalized features.
        logit_adjustment: one number per class, added to its log-probability before a final
            softmax (`astrozoo.layers.LogitAdjustment`): ``-tau * log(class_weight)`` undoes a
            fraction ``tau`` of the class weights used in training (see
            `astrozoo.training.logit_adjustment_for`); None: unchanged.
        temperature: divides the log-probabilities before a final softmax (temperature
            scaling, which `astrozoo.training.calibrate` fits on validation data); 1: unchanged.
        input_info: extra description of the input, e.g. ``{"units": "mag"}``.
        adapt_data: training rows (n, len(features)) to adapt the Normalization
            layer on; not recorded in the config (its effect is in the weights).

    Returns:
        An uncompiled `keras.Model`.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(18, 1, (50, 5)).astype("float32")
        >>> model = mlp(["u", "g", "r", "i", "z"], class_names=["STAR", "GALAXY", "QSO"],
        ...             colours=[("u", "g"), ("g", "r")], adapt_data=X)
        >>> model.predict(X[:3], verbose=0).shape
        (3, 3)
    """
    features = list(features)
    inputs = keras.Input(shape=(len(features),), name="features")
    engineered = TabularFeatures(
        features,
        colours=colours,
        log_features=log_features,
        missing_value=missing_value,
        name="preprocessing",
    )
    x = engineered(inputs)
    normalization = keras.layers.Normalization(name="normalization")
    if adapt_data is not None:
        adapt_data = np.asarray(adapt_data, dtype="float32")
        if adapt_data.ndim != 2 or adapt_data.shape[1] != len(features):
            raise ValueError(
                f"adapt_data must have shape (n, {len(features)}) for features {features}. "
                f"Received: shape={adapt_data.shape}"
            )
        normalization.adapt(engineered(adapt_data))
    x = normalization(x)
    x = keras.layers.GaussianNoise(float(noise_stddev), name="augmentation")(x)
    x = dense_stack(x, hidden_units, dropout, batch_norm, activation, prefix="hidden")
    outputs = adjusted_probabilities(
        output_head(x, task, class_names, target_names), task, logit_adjustment, temperature
    )
    return keras.Model(inputs, outputs, name="mlp")
