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
        max_zoom: if above 0, each image is also magnified by a factor drawn
            log-uniformly between 1 / (1 + max_zoom) and 1 + max_zoom about its
            centre (objects of the same kind at other distances).
        max_shift: if above 0, each image is also shifted by up to this fraction
            of its side along each axis (centring errors of a cutout).

    Example:
        >>> import numpy as np
        >>> x = np.arange(2 * 4 * 4).reshape(2, 4, 4, 1).astype("float32")
        >>> np.array_equal(np.asarray(RandomDihedral(seed=1)(x, training=False)), x)
        True
    """

    def __init__(self, seed=None, max_angle=0.0, max_zoom=0.0, max_shift=0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(max_angle) <= 180.0:
            raise ValueError(f"max_angle must be between 0 and 180 degrees. Received: max_angle={max_angle}")
        if not 0.0 <= float(max_zoom) <= 1.0:
            raise ValueError(f"max_zoom must be between 0 and 1. Received: max_zoom={max_zoom}")
        if not 0.0 <= float(max_shift) <= 0.5:
            raise ValueError(
                f"max_shift must be between 0 and 0.5 (of the side). Received: max_shift={max_shift}"
            )
        self.seed = seed
        self.max_angle = float(max_angle)
        self.max_zoom = float(max_zoom)
        self.max_shift = float(max_shift)
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
        return self._transform(x) if self.max_angle or self.max_zoom or self.max_shift else x

    def _transform(self, images):
        """Turns, magnifies and shifts each image about its centre by random amounts within the limits."""
        shape = ops.shape(images)
        height, width = ops.cast(shape[1], "float32"), ops.cast(shape[2], "float32")

        def uniform(limit):
            return keras.random.uniform((shape[0],), -limit, limit, seed=self.seed_generator)

        angle = uniform(self.max_angle) * (np.pi / 180.0)
        inverse_zoom = ops.exp(uniform(float(np.log1p(self.max_zoom))))
        shift_x, shift_y = uniform(self.max_shift) * width, uniform(self.max_shift) * height
        cos, sin = ops.cos(angle) * inverse_zoom, ops.sin(angle) * inverse_zoom
        cy, cx = (height - 1.0) / 2.0, (width - 1.0) / 2.0
        zeros = ops.zeros_like(angle)
        transform = ops.stack(  # maps each output pixel (x, y) to where it is read in the input
            [cos, -sin, cx - cos * cx + sin * cy + shift_x, sin, cos, cy - sin * cx - cos * cy + shift_y,
             zeros, zeros], axis=1,
        )  # fmt: skip
        return ops.image.affine_transform(images, transform, interpolation="bilinear", fill_mode="reflect")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "seed": self.seed,
            "max_angle": self.max_angle,
            "max_zoom": self.max_zoom,
            "max_shift": self.max_shift,
        }


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
