"""Convolutions equivariant to the dihedral group D4 (flips and 90-degree rotations).

A sky image has no preferred orientation. Augmentation teaches an ordinary CNN
that by example; a group convolution builds it in: each filter is applied in all
8 orientations, so rotating or flipping the input rotates or flips the feature
maps and permutes their 8 orientation channels, exactly (Cohen & Welling 2016).
Scaife & Porter (2021) found such networks more accurate than plain CNNs on
MiraBest FRI/FRII images.

Feature maps of the group layers carry ``filters * 8`` channels, ordered
``(filter, orientation)``. `DihedralLiftConv2D` turns an image into such maps,
`DihedralConv2D` maps them to new ones, `DihedralBatchNormalization` normalizes
them with statistics shared by the 8 orientations, and `DihedralPooling`
reduces over the orientations, leaving features that no longer change when
the input is flipped or turned by 90 degrees (up to the same spatial turn).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

GROUP_ORDER = 8


def dihedral_transform(array: np.ndarray, element: int, axes=(0, 1)) -> np.ndarray:
    """Applies element ``element`` (0-7) of D4 to ``array`` over two square ``axes``.

    Element ``4 * m + r`` flips the second axis when ``m`` is 1, then turns the
    result by ``r`` quarter turns.

    Example:
        >>> a = np.arange(4).reshape(2, 2)
        >>> dihedral_transform(a, 1).tolist(), dihedral_transform(a, 4).tolist()
        ([[1, 3], [0, 2]], [[1, 0], [3, 2]])
    """
    turns, mirror = element % 4, element // 4
    array = np.flip(array, axis=axes[1]) if mirror else array
    return np.rot90(array, turns, axes=axes)


def _cayley_table() -> np.ndarray:
    """``table[g, h]`` is the index of the composition ``g h`` (apply ``h`` first)."""
    probe = np.arange(9).reshape(3, 3)
    images = [dihedral_transform(probe, g) for g in range(GROUP_ORDER)]

    def index_of(image):
        return next(k for k, candidate in enumerate(images) if np.array_equal(candidate, image))

    return np.array(
        [[index_of(dihedral_transform(images[h], g)) for h in range(GROUP_ORDER)] for g in range(GROUP_ORDER)]
    )


CAYLEY = _cayley_table()
INVERSE = np.array([int(np.flatnonzero(CAYLEY[g] == 0)[0]) for g in range(GROUP_ORDER)])


def _spatial_permutations(kernel_size: int) -> np.ndarray:
    """Row ``g`` lists, for each flattened kernel position, where element ``g`` takes it from."""
    positions = np.arange(kernel_size * kernel_size).reshape(kernel_size, kernel_size)
    return np.stack([dihedral_transform(positions, g).ravel() for g in range(GROUP_ORDER)])


class _DihedralConvBase(keras.layers.Layer):
    def __init__(self, filters, kernel_size=3, use_bias=True, kernel_initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        if int(kernel_size) % 2 == 0:
            raise ValueError(
                "A dihedral convolution needs an odd kernel_size (an even one shifts 'same' padding "
                f"to one side and breaks the symmetry). Received: kernel_size={kernel_size}."
            )
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self._spatial = _spatial_permutations(self.kernel_size)

    def _add_bias(self):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def _convolve(self, x, kernels):
        """``kernels``: (k*k, in_channels, filters, 8) -> convolution with 'same' padding."""
        k = self.kernel_size
        kernel = ops.reshape(kernels, (k, k, -1, self.filters * GROUP_ORDER))
        y = ops.conv(x, kernel, strides=1, padding="same")
        if self.use_bias:
            y = y + ops.repeat(self.bias, GROUP_ORDER)
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters * GROUP_ORDER)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralLiftConv2D(_DihedralConvBase):
    """First layer of a D4-equivariant CNN: each filter applied in all 8 orientations.

    Args:
        filters: number of filters; the output has ``filters * 8`` channels.
        kernel_size: odd kernel size (same padding keeps the symmetry exact).
        use_bias: add one bias per filter (shared by its 8 orientations).
        kernel_initializer: initializer of the ``(k, k, in_channels, filters)`` kernel.

    Example:
        >>> import numpy as np
        >>> layer = DihedralLiftConv2D(2, 3)
        >>> x = np.random.default_rng(0).normal(size=(1, 8, 8, 1)).astype("float32")
        >>> y = np.asarray(layer(x))
        >>> y_turned = np.asarray(layer(np.rot90(x, 1, axes=(1, 2)).copy()))
        >>> pooled = y.reshape(1, 8, 8, 2, 8).max(-1)  # max over each filter's 8 orientations
        >>> pooled_turned = y_turned.reshape(1, 8, 8, 2, 8).max(-1)
        >>> bool(np.allclose(pooled_turned, np.rot90(pooled, 1, axes=(1, 2)), atol=1e-5))
        True
    """

    def build(self, input_shape):
        k = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(k, k, int(input_shape[-1]), self.filters),
            initializer=self.kernel_initializer,
        )
        self._add_bias()

    def call(self, x):
        k = self.kernel_size
        flat = ops.reshape(self.kernel, (k * k, -1, self.filters))
        kernels = ops.stack([ops.take(flat, self._spatial[g], axis=0) for g in range(GROUP_ORDER)], axis=-1)
        return self._convolve(x, kernels)


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralConv2D(_DihedralConvBase):
    """Group convolution on D4 feature maps (``channels * 8`` in, ``filters * 8`` out).

    Output orientation ``g`` applies the filter turned by ``g`` to the input
    orientations relabelled by ``g``'s inverse, which keeps the whole stack
    equivariant.

    Args:
        filters: number of filters; the output has ``filters * 8`` channels.
        kernel_size: odd kernel size.
        use_bias: add one bias per filter (shared by its 8 orientations).
        kernel_initializer: initializer of the ``(k, k, channels, 8, filters)`` kernel.

    Example:
        >>> import numpy as np
        >>> DihedralConv2D(3)(np.zeros((1, 8, 8, 16), "float32")).shape
        TensorShape([1, 8, 8, 24])
    """

    def build(self, input_shape):
        channels = int(input_shape[-1])
        if channels % GROUP_ORDER:
            raise ValueError(
                f"DihedralConv2D expects feature maps with a multiple of {GROUP_ORDER} channels "
                f"(filters x orientations). Received: {channels} channels."
            )
        k = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(k, k, channels // GROUP_ORDER, GROUP_ORDER, self.filters),
            initializer=self.kernel_initializer,
        )
        self._add_bias()

    def call(self, x):
        k = self.kernel_size
        flat = ops.reshape(self.kernel, (k * k, -1, GROUP_ORDER, self.filters))
        kernels = []
        for g in range(GROUP_ORDER):
            turned = ops.take(flat, self._spatial[g], axis=0)
            kernels.append(ops.take(turned, CAYLEY[INVERSE[g]], axis=2))
        stacked = ops.stack(kernels, axis=-1)  # (k*k, channels, 8, filters, 8)
        return self._convolve(x, ops.reshape(stacked, (k * k, -1, self.filters, GROUP_ORDER)))


def _grouped(x):
    shape = ops.shape(x)
    return ops.reshape(x, (*shape[:-1], shape[-1] // GROUP_ORDER, GROUP_ORDER))


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralBatchNormalization(keras.layers.Layer):
    """Batch normalization with one mean, variance, scale and offset per filter, shared by its 8 orientations.

    Args:
        momentum: momentum of the moving statistics.
        epsilon: added to the variance.

    Example:
        >>> import numpy as np
        >>> layer = DihedralBatchNormalization()
        >>> tuple(layer(np.ones((2, 4, 4, 16), "float32")).shape), tuple(layer.normalization.gamma.shape)
        ((2, 4, 4, 16), (2,))
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.normalization = keras.layers.BatchNormalization(axis=-2, momentum=momentum, epsilon=epsilon)

    def build(self, input_shape):
        self.normalization.build((*input_shape[:-1], int(input_shape[-1]) // GROUP_ORDER, GROUP_ORDER))

    def call(self, x, training=False):
        y = self.normalization(_grouped(x), training=training)
        return ops.reshape(y, ops.shape(x))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralPooling(keras.layers.Layer):
    """Reduces each filter's 8 orientation channels to one (``"max"`` or ``"mean"``).

    Example:
        >>> import numpy as np
        >>> x = np.arange(16, dtype="float32").reshape(1, 1, 1, 16)
        >>> DihedralPooling()(x).numpy().tolist()
        [[[[7.0, 15.0]]]]
    """

    def __init__(self, mode="max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean'. Received: mode={mode!r}")
        self.mode = mode

    def call(self, x):
        grouped = _grouped(x)
        return ops.max(grouped, axis=-1) if self.mode == "max" else ops.mean(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] // GROUP_ORDER
        return (*input_shape[:-1], channels)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
