"""Convolutions equivariant to the dihedral groups D_N (flips and turns by 360/N degrees).

A sky image has no preferred orientation. Augmentation teaches an ordinary CNN
that by example; a group convolution builds it in: each filter is applied in all
2N orientations, so rotating or flipping the input rotates or flips the feature
maps and permutes their orientation channels (Cohen & Welling 2016). With the
default N = 4 (D4: flips and quarter turns) that holds exactly; with N = 8 or 16
the kernels are turned by interpolation and it holds approximately for the
finer turns (exactly for flips and quarter turns when N is a multiple of 4).
Scaife & Porter (2021) found D16 networks the most accurate on MiraBest FRI/FRII images.

Feature maps of the group layers carry ``filters * 2N`` channels, ordered
``(filter, orientation)``. `DihedralLiftConv2D` turns an image into such maps,
`DihedralConv2D` maps them to new ones, `DihedralBatchNormalization` normalizes
them with statistics shared by the orientations, and `DihedralPooling`
reduces over the orientations, leaving features that no longer change when
the input is flipped or turned (up to the same spatial turn). Every layer of
one network takes the same ``rotations``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


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


def _source_maps(rotations: int) -> np.ndarray:
    """``maps[g]`` takes a centred (row, column) position of a transformed array to where it reads from.

    Element ``rotations * m + r`` of the dihedral group D_N (N = ``rotations``) flips
    the columns when ``m`` is 1, then turns by ``r`` steps of 360/N degrees, the
    way `dihedral_transform` does for N = 4.
    """
    maps = []
    for mirror in (0, 1):
        flip = np.diag([1.0, -1.0]) if mirror else np.eye(2)
        for r in range(rotations):
            angle = 2 * np.pi * r / rotations
            turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
            maps.append(flip @ turn)
    return np.round(np.stack(maps), 12)


def _cayley_table(rotations: int = 4) -> np.ndarray:
    """``table[g, h]`` is the index of the composition ``g h`` (apply ``h`` first)."""
    maps = _source_maps(rotations)

    def index_of(matrix):
        return int(np.argmin(np.abs(maps - matrix).sum(axis=(1, 2))))

    # transforming by h, then g, reads position p from maps[h] @ maps[g] @ p
    return np.array([[index_of(maps[h] @ maps[g]) for h in range(len(maps))] for g in range(len(maps))])


def _inverses(table: np.ndarray) -> np.ndarray:
    return np.array([int(np.flatnonzero(row == 0)[0]) for row in table])


def exact_rotations(rotations: int) -> bool:
    """Whether D_N's turns map the pixel grid onto itself (N = 1, 2 or 4): no interpolation."""
    return 4 % int(rotations) == 0


def kernel_transforms(kernel_size: int, rotations: int = 4) -> np.ndarray:
    """The ``(2N, k*k, k*k)`` matrices turning a flattened ``k x k`` kernel by each element of D_N.

    Row ``p`` of ``matrices[g]`` reads the kernel where ``g`` takes position ``p`` from.

    For N = 1, 2 or 4 each matrix is a permutation (the pixel grid turns onto
    itself). Otherwise a kernel turned by 360/N degrees is bilinearly
    interpolated, and kernels are kept to the disc of radius ``k / 2`` (the
    positions a turn keeps inside the square), as steerable CNNs do (Weiler &
    Cesa 2019): equivariance to those turns is then approximate, exact to flips
    and quarter turns when N is a multiple of 4.

    Example:
        >>> m = kernel_transforms(3, 4)
        >>> m.shape, bool(np.all(m.sum(axis=2) == 1))  # 8 permutations of the 9 positions
        ((8, 9, 9), True)
        >>> m = kernel_transforms(5, 8)
        >>> m.shape, int(np.count_nonzero(m[0].sum(axis=1)))  # 16 elements; 21 of 25 positions in the disc
        ((16, 25, 25), 21)
    """
    k = int(kernel_size)
    centre = (k - 1) / 2
    rows, columns = np.meshgrid(np.arange(k) - centre, np.arange(k) - centre, indexing="ij")
    positions = np.stack([rows.ravel(), columns.ravel()], axis=1)
    inside = np.ones(k * k, bool) if exact_rotations(rotations) else np.hypot(*positions.T) <= centre + 0.5
    matrices = []
    for source_map in _source_maps(rotations):
        matrix = np.zeros((k * k, k * k))
        for p, position in enumerate(positions):
            if not inside[p]:
                continue
            row, column = source_map @ position + centre
            r0, c0 = np.floor(row + 1e-9), np.floor(column + 1e-9)
            for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
                weight = (1 - abs(row - (r0 + dr))) * (1 - abs(column - (c0 + dc)))
                q_row, q_column = int(r0 + dr), int(c0 + dc)
                if weight > 1e-9 and 0 <= q_row < k and 0 <= q_column < k and inside[q_row * k + q_column]:
                    matrix[p, q_row * k + q_column] += weight
        matrices.append(matrix)
    return np.stack(matrices)


def _dihedral_group(rotations) -> tuple[int, int]:
    """``(N, 2N)``: the checked ``rotations`` of D_N and its number of elements (orientations)."""
    if isinstance(rotations, bool) or not isinstance(rotations, int | np.integer) or rotations < 1:
        raise ValueError(
            "rotations must be a positive integer (4: flips and quarter turns, D4). "
            f"Received: rotations={rotations!r}."
        )
    return int(rotations), 2 * int(rotations)


class _DihedralConvBase(keras.layers.Layer):
    def __init__(
        self, filters, kernel_size=3, use_bias=True, kernel_initializer="he_normal", rotations=4, **kwargs
    ):
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
        self.rotations, self.group_order = _dihedral_group(rotations)
        self._transforms = kernel_transforms(self.kernel_size, self.rotations).astype("float32")

    def _add_bias(self):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def _convolve(self, x, kernels):
        """``kernels``: (k*k, in_channels, filters, group order) -> convolution with 'same' padding."""
        k = self.kernel_size
        kernel = ops.reshape(kernels, (k, k, -1, self.filters * self.group_order))
        y = ops.conv(x, kernel, strides=1, padding="same")
        if self.use_bias:
            y = y + ops.repeat(self.bias, self.group_order)
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters * self.group_order)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "rotations": self.rotations,
        }


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralLiftConv2D(_DihedralConvBase):
    """First layer of a dihedral-equivariant CNN: each filter applied in all orientations.

    Args:
        filters: number of filters; the output has ``filters * 2 * rotations`` channels.
        kernel_size: odd kernel size (same padding keeps the symmetry exact).
        use_bias: add one bias per filter (shared by its orientations).
        kernel_initializer: initializer of the ``(k, k, in_channels, filters)`` kernel.
        rotations: N of the group D_N: 4 (the default) for flips and quarter turns,
            exact; 8 or 16 add turns by 45 or 22.5 degrees, with interpolated
            kernels (see `kernel_transforms`), as in Scaife & Porter's D16 networks.

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
        >>> DihedralLiftConv2D(2, 5, rotations=8)(x).shape  # 2 filters x 16 orientations
        TensorShape([1, 8, 8, 32])
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
        transforms = ops.convert_to_tensor(self._transforms, self.kernel.dtype)
        kernels = ops.einsum("gpq,qcf->pcfg", transforms, flat)  # (k*k, in_channels, filters, 2N)
        return self._convolve(x, kernels)


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralConv2D(_DihedralConvBase):
    """Group convolution on dihedral feature maps (``channels * 2N`` in, ``filters * 2N`` out).

    Output orientation ``g`` applies the filter turned by ``g`` to the input
    orientations relabelled by ``g``'s inverse, which keeps the whole stack
    equivariant.

    Args:
        filters: number of filters; the output has ``filters * 2 * rotations`` channels.
        kernel_size: odd kernel size.
        use_bias: add one bias per filter (shared by its orientations).
        kernel_initializer: initializer of the ``(k, k, channels, 2N, filters)`` kernel.
        rotations: N of the group D_N (see `DihedralLiftConv2D`); the input must come
            from layers with the same N.

    Example:
        >>> import numpy as np
        >>> DihedralConv2D(3)(np.zeros((1, 8, 8, 16), "float32")).shape
        TensorShape([1, 8, 8, 24])
    """

    def build(self, input_shape):
        channels = int(input_shape[-1])
        if channels % self.group_order:
            raise ValueError(
                f"DihedralConv2D(rotations={self.rotations}) expects feature maps with a multiple of "
                f"{self.group_order} channels (filters x orientations). Received: {channels} channels."
            )
        k = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(k, k, channels // self.group_order, self.group_order, self.filters),
            initializer=self.kernel_initializer,
        )
        self._add_bias()
        table = _cayley_table(self.rotations)
        inverse = _inverses(table)
        # relabel[g, h]: which input orientation output orientation g reads at h
        self._relabel = np.stack([table[inverse[g]] for g in range(self.group_order)]).ravel()

    def call(self, x):
        k, order = self.kernel_size, self.group_order
        flat = ops.reshape(self.kernel, (k * k, -1, order, self.filters))
        relabelled = ops.take(flat, self._relabel, axis=2)
        relabelled = ops.reshape(relabelled, (k * k, -1, order, order, self.filters))
        transforms = ops.convert_to_tensor(self._transforms, self.kernel.dtype)
        stacked = ops.einsum("gpq,qcghf->pchfg", transforms, relabelled)  # (k*k, channels, 2N, filters, 2N)
        return self._convolve(x, ops.reshape(stacked, (k * k, -1, self.filters, order)))


def _grouped(x, group_order):
    shape = ops.shape(x)
    return ops.reshape(x, (*shape[:-1], shape[-1] // group_order, group_order))


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralBatchNormalization(keras.layers.Layer):
    """Batch normalization with one mean, variance, scale and offset per filter, shared by its orientations.

    Args:
        momentum: momentum of the moving statistics.
        epsilon: added to the variance.
        rotations: N of the group D_N of the feature maps (2N orientations per filter).

    Example:
        >>> import numpy as np
        >>> layer = DihedralBatchNormalization()
        >>> tuple(layer(np.ones((2, 4, 4, 16), "float32")).shape), tuple(layer.normalization.gamma.shape)
        ((2, 4, 4, 16), (2,))
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, rotations=4, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.rotations, self.group_order = _dihedral_group(rotations)
        self.normalization = keras.layers.BatchNormalization(axis=-2, momentum=momentum, epsilon=epsilon)

    def build(self, input_shape):
        order = self.group_order
        self.normalization.build((*input_shape[:-1], int(input_shape[-1]) // order, order))

    def call(self, x, training=False):
        y = self.normalization(_grouped(x, self.group_order), training=training)
        return ops.reshape(y, ops.shape(x))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {"momentum": self.momentum, "epsilon": self.epsilon, "rotations": self.rotations}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="astrozoo")
class DihedralPooling(keras.layers.Layer):
    """Reduces each filter's orientation channels (8, or ``2 * rotations``) to one (``"max"`` or ``"mean"``).

    Example:
        >>> import numpy as np
        >>> x = np.arange(16, dtype="float32").reshape(1, 1, 1, 16)
        >>> DihedralPooling()(x).numpy().tolist()
        [[[[7.0, 15.0]]]]
    """

    def __init__(self, mode="max", rotations=4, **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean'. Received: mode={mode!r}")
        self.mode = mode
        self.rotations, self.group_order = _dihedral_group(rotations)

    def call(self, x):
        grouped = _grouped(x, self.group_order)
        return ops.max(grouped, axis=-1) if self.mode == "max" else ops.mean(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] // self.group_order
        return (*input_shape[:-1], channels)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "rotations": self.rotations}
