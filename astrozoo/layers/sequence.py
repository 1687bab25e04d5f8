"""Light-curve preprocessing as a Keras layer, aware of padding masks."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="astrozoo")
class LightCurvePreprocessing(keras.layers.Layer):
    """Normalizes padded multi-band light curves inside the model.

    Input: (batch, steps, 3 + n_bands + extra_channels) with channels ``time``
    (days, or phase for folded light curves), ``value`` (magnitude or flux),
    ``error``, a one-hot band code, then any extra channels (e.g. log10 of the
    period); padded steps are all zeros and are masked. Output channels:
    ``log1p`` of the time since the previous observation, the value minus its
    per-band mean and divided by the light curve's scatter, the error divided by
    the same scatter, the band code, the extra channels unchanged and, with
    ``append_scatter``, log10 of the scatter (the amplitude the normalization
    removed). Padded steps stay zero.

    Args:
        n_bands: number of band channels after the first three.
        extra_channels: number of channels after the band code, passed through.
        append_scatter: append log10 of each light curve's scatter as a channel.

    Example:
        >>> import numpy as np
        >>> x = np.zeros((1, 4, 4), "float32")
        >>> x[0, :3] = [[0.0, 17.0, 0.1, 1], [1.0, 17.2, 0.1, 1], [3.0, 16.8, 0.1, 1]]
        >>> out = LightCurvePreprocessing(n_bands=1)(x)
        >>> out.numpy()[0, :, 1].astype(float).round(2).tolist()
        [0.0, 1.22, -1.22, 0.0]
    """

    def __init__(self, n_bands=1, extra_channels=0, append_scatter=False, **kwargs):
        super().__init__(**kwargs)
        self.n_bands = int(n_bands)
        self.extra_channels = int(extra_channels)
        self.append_scatter = bool(append_scatter)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        x = ops.cast(inputs, "float32")
        if mask is None:
            mask = ops.any(ops.not_equal(x, 0.0), axis=-1)
        valid = ops.expand_dims(ops.cast(mask, "float32"), -1)
        time, value, error = x[..., :1], x[..., 1:2], x[..., 2:3]
        bands = x[..., 3 : 3 + self.n_bands] * valid
        extras = x[..., 3 + self.n_bands :] * valid
        previous = ops.concatenate([time[:, :1], time[:, :-1]], axis=1)
        dt = ops.log1p(ops.relu(time - previous)) * valid
        per_band = ops.sum(value * bands, axis=1, keepdims=True)
        counts = ops.sum(bands, axis=1, keepdims=True)
        band_mean = per_band / ops.maximum(counts, 1.0)
        centred = (value - ops.sum(bands * band_mean, axis=-1, keepdims=True)) * valid
        n = ops.maximum(ops.sum(valid, axis=1, keepdims=True), 1.0)
        scatter = ops.sqrt(ops.sum(centred**2, axis=1, keepdims=True) / n)
        scatter = ops.maximum(scatter, 1e-6)
        channels = [dt, centred / scatter, error * valid / scatter, bands, extras]
        if self.append_scatter:
            channels.append(ops.log10(scatter) * valid)
        return ops.concatenate(channels, axis=-1)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + int(self.append_scatter))

    def get_config(self):
        return {
            **super().get_config(),
            "n_bands": self.n_bands,
            "extra_channels": self.extra_channels,
            "append_scatter": self.append_scatter,
        }
