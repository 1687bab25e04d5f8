"""The azimuthally averaged radial profile of an image, as a Keras layer with no weights."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="astrozoo")
class RadialProfile(keras.layers.Layer):
    """Mean of each channel in ``bins`` concentric rings around the image centre.

    Ring-like structure (a galaxy's inner or outer ring, a bar's ends, a shell)
    shows as a bump in this profile, whatever its orientation: the profile does
    not change when the image is flipped or rotated by 90 degrees. Pixels beyond
    the inscribed circle are ignored. The ring a pixel falls in depends on the
    distance of its centre from the image centre, in equal steps out to the
    image's half-width.

    Args:
        bins: number of rings, from the centre out.

    Input shape: ``(batch, height, width, channels)``, with known height and width.
    Output shape: ``(batch, bins * channels)``, ring by ring, each ring's channels together.

    Example:
        >>> import numpy as np
        >>> y, x = np.mgrid[:16, :16] - 7.5
        >>> ring = (np.abs(np.hypot(x, y) - 5) < 1).astype("float32")[None, :, :, None]
        >>> profile = keras.ops.convert_to_numpy(RadialProfile(bins=4)(ring))
        >>> int(profile.argmax()), profile.shape
        (2, (1, 4))
    """

    def __init__(self, bins: int = 16, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(bins, int) and bins > 0):
            raise ValueError(f"bins must be a positive integer. Received: bins={bins!r}")
        self.bins = bins

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        if height is None or width is None:
            raise ValueError(
                f"RadialProfile needs images of a known size. Received input shape {tuple(input_shape)}."
            )
        y, x = np.mgrid[:height, :width]
        radius = np.hypot(y - (height - 1) / 2, x - (width - 1) / 2) / (min(height, width) / 2)
        ring = np.floor(radius * self.bins).astype(int).ravel()
        averaging = np.zeros((height * width, self.bins), dtype="float32")
        inside = ring < self.bins
        averaging[np.flatnonzero(inside), ring[inside]] = 1.0
        averaging /= np.maximum(averaging.sum(axis=0, keepdims=True), 1.0)
        self.averaging = averaging  # a constant (pixels, bins), not a weight: rebuilt from the config

    def call(self, images):
        shape = ops.shape(images)
        pixels = ops.reshape(images, (shape[0], shape[1] * shape[2], shape[3]))
        profile = ops.einsum("bpc,pn->bnc", pixels, ops.convert_to_tensor(self.averaging, images.dtype))
        return ops.reshape(profile, (shape[0], self.bins * shape[3]))

    def compute_output_shape(self, input_shape):
        channels = input_shape[3]
        return (input_shape[0], None if channels is None else self.bins * channels)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins}
