"""Augmentation layers, active only when the model is called with ``training=True``."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="astrozoo")
class RandomDihedral(keras.layers.Layer):
    """Applies one of the 8 flips and 90-degree rotations, drawn per image.

    Sky images have no preferred orientation, so each element of the dihedral
    group D4 is an equally valid view. Images must be square. At inference
    (``training=False``) the layer returns its input unchanged.

    Args:
        seed: seed of the layer's random generator.

    Example:
        >>> import numpy as np
        >>> x = np.arange(2 * 4 * 4).reshape(2, 4, 4, 1).astype("float32")
        >>> np.array_equal(np.asarray(RandomDihedral(seed=1)(x, training=False)), x)
        True
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        batch = ops.shape(images)[0]
        draws = keras.random.uniform((3, batch, 1, 1, 1), seed=self.seed_generator)
        transpose, flip_lr, flip_ud = (draws[i] < 0.5 for i in range(3))
        x = ops.where(transpose, ops.transpose(images, (0, 2, 1, 3)), images)
        x = ops.where(flip_lr, ops.flip(x, axis=2), x)
        return ops.where(flip_ud, ops.flip(x, axis=1), x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
