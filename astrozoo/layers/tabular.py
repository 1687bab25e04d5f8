"""Tabular feature engineering as a Keras layer: colours, logarithms, missing values."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="astrozoo")
class TabularFeatures(keras.layers.Layer):
    """Derives model features from raw catalogue columns, inside the model.

    The input holds the raw columns named by ``features``, in that order. The
    output holds, in order: the raw columns, one colour per ``colours`` pair
    (difference of two columns, e.g. ``u - g``), ``log10`` of each column in
    ``log_features``, and, when ``missing_value`` is set, one 0/1 flag per raw
    column telling whether it was missing. Missing inputs (equal to
    ``missing_value``, NaN or infinite) become 0, as does any derived feature
    computed from them.

    Args:
        features: names of the raw input columns.
        colours: pairs of column names whose difference is a feature.
        log_features: columns whose ``log10`` is a feature (values <= 0 count as missing).
        missing_value: sentinel that marks a missing value (e.g. -99.99), or None.

    Example:
        >>> import numpy as np
        >>> layer = TabularFeatures(["u", "g", "r"], colours=[("u", "g"), ("g", "r")])
        >>> layer(np.array([[19.0, 18.0, 17.5]], "float32")).numpy().round(2).tolist()
        [[19.0, 18.0, 17.5, 1.0, 0.5]]
    """

    def __init__(self, features, colours=(), log_features=(), missing_value=None, **kwargs):
        super().__init__(**kwargs)
        self.features = [str(f) for f in features]
        self.colours = [[str(a), str(b)] for a, b in colours]
        self.log_features = [str(f) for f in log_features]
        self.missing_value = None if missing_value is None else float(missing_value)
        unknown = {n for pair in self.colours for n in pair} | set(self.log_features)
        unknown -= set(self.features)
        if unknown:
            raise ValueError(
                f"Derived features use columns that are not inputs: {sorted(unknown)}. "
                f"Received: features={self.features}"
            )

    @property
    def output_names(self) -> list[str]:
        """Names of the output features, in order."""
        names = list(self.features)
        names += [f"{a}-{b}" for a, b in self.colours]
        names += [f"log10({f})" for f in self.log_features]
        if self.missing_value is not None:
            names += [f"missing({f})" for f in self.features]
        return names

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        valid = ops.isfinite(x)
        if self.missing_value is not None:
            valid = ops.logical_and(valid, ops.abs(x - self.missing_value) > 1e-6)
        x = ops.where(valid, x, ops.zeros_like(x))
        index = {name: i for i, name in enumerate(self.features)}
        columns = [x]
        for a, b in self.colours:
            both = ops.logical_and(valid[:, index[a]], valid[:, index[b]])
            diff = x[:, index[a]] - x[:, index[b]]
            columns.append(ops.expand_dims(ops.where(both, diff, ops.zeros_like(diff)), -1))
        for name in self.log_features:
            value = x[:, index[name]]
            ok = ops.logical_and(valid[:, index[name]], value > 0)
            logged = ops.log10(ops.where(ok, value, ops.ones_like(value)))
            columns.append(ops.expand_dims(ops.where(ok, logged, ops.zeros_like(value)), -1))
        if self.missing_value is not None:
            columns.append(1.0 - ops.cast(valid, "float32"))
        return ops.concatenate(columns, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.output_names))

    def get_config(self):
        return {
            **super().get_config(),
            "features": self.features,
            "colours": self.colours,
            "log_features": self.log_features,
            "missing_value": self.missing_value,
        }
