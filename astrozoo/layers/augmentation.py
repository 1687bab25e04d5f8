"""Augmentation layers, active only when the model is called with ``training=True``."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="astrozoo")
class RandomDihedral(keras.layers.Layer):
    """Applies one of the 8 flips and 90-degree rotations, drawn per image.

    Sky images have no preferred orientation, so each element of the dihedral
    group D4 is an equally valid view. Images must be square. At inference
    (``training=False``) the layer returns its input unchanged.

    Args:
        seed: seed of the layer's random generator.
        max_angle: if above 0, each image is also turned by an angle drawn
            uniformly in [-max_angle, max_angle] degrees (bilinear interpolation,
            edges reflected), so that with ``max_angle=45`` every orientation is
            seen, not only the 8 of the group.

    Example:
        >>> import numpy as np
        >>> x = np.arange(2 * 4 * 4).reshape(2, 4, 4, 1).astype("float32")
        >>> np.array_equal(np.asarray(RandomDihedral(seed=1)(x, training=False)), x)
        True
    """

    def __init__(self, seed=None, max_angle=0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(max_angle) <= 180.0:
            raise ValueError(f"max_angle must be between 0 and 180 degrees. Received: max_angle={max_angle}")
        self.seed = seed
        self.max_angle = float(max_angle)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        batch = ops.shape(images)[0]
        draws = keras.random.uniform((3, batch, 1, 1, 1), seed=self.seed_generator)
        transpose, flip_lr, flip_ud = (draws[i] < 0.5 for i in range(3))
        x = ops.where(transpose, ops.transpose(images, (0, 2, 1, 3)), images)
        x = ops.where(flip_lr, ops.flip(x, axis=2), x)
        x = ops.where(flip_ud, ops.flip(x, axis=1), x)
        return self._turn(x) if self.max_angle else x

    def _turn(self, images):
        """Rotates each image about its centre by a random angle within ``max_angle`` degrees."""
        shape = ops.shape(images)
        angle = keras.random.uniform(
            (shape[0],), -self.max_angle, self.max_angle, seed=self.seed_generator
        ) * (np.pi / 180.0)
        cos, sin = ops.cos(angle), ops.sin(angle)
        cy = (ops.cast(shape[1], angle.dtype) - 1.0) / 2.0
        cx = (ops.cast(shape[2], angle.dtype) - 1.0) / 2.0
        zeros = ops.zeros_like(angle)
        transform = ops.stack(  # maps each output pixel (x, y) to where it is read in the input
            [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, zeros, zeros], axis=1
        )
        return ops.image.affine_transform(images, transform, interpolation="bilinear", fill_mode="reflect")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "max_angle": self.max_angle}


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
