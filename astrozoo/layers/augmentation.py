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


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralViews(keras.layers.Layer):
    """At inference, stacks the 8 flips and rotations of each image along the batch axis.

    With `DihedralAverage` after the network's output this gives test-time
    averaging inside the model: predictions no longer depend on how the sky
    image is oriented. In training the layer passes its input through. Images
    must be square.

    Example:
        >>> import numpy as np
        >>> DihedralViews()(np.zeros((2, 4, 4, 1), "float32")).shape
        TensorShape([16, 4, 4, 1])
    """

    def call(self, images, training=False):
        if training:
            return images
        views = []
        for base in (images, ops.transpose(images, (0, 2, 1, 3))):
            for flip_lr in (False, True):
                for flip_ud in (False, True):
                    x = ops.flip(base, axis=2) if flip_lr else base
                    views.append(ops.flip(x, axis=1) if flip_ud else x)
        return ops.concatenate(views, axis=0)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralAverage(keras.layers.Layer):
    """At inference, averages the outputs of the 8 views `DihedralViews` stacked.

    Example:
        >>> import numpy as np
        >>> views = np.tile(np.array([[0.2, 0.8], [0.6, 0.4]], "float32"), (8, 1))  # 8 views x 2 images
        >>> DihedralAverage()(views).numpy().astype(float).round(2).tolist()
        [[0.2, 0.8], [0.6, 0.4]]
    """

    def call(self, outputs, training=False):
        if training:
            return outputs
        n = ops.shape(outputs)[-1]
        return ops.mean(ops.reshape(outputs, (8, -1, n)), axis=0)

    def compute_output_shape(self, input_shape):
        return input_shape
