"""Convolutional image classifiers with the knobs of an introductory course."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from astrozoo.builders.registry import adjusted_probabilities, dense_stack, output_head, register_builder
from astrozoo.layers import (
    DihedralAverage,
    DihedralBatchNormalization,
    DihedralConv2D,
    DihedralLiftConv2D,
    DihedralPooling,
    DihedralViews,
    ImagePreprocessing,
    RandomDihedral,
)
from astrozoo.spec import InputSpec


def image_input_spec(args: dict) -> InputSpec:
    """InputSpec of an image model from its builder arguments."""
    info = args.get("input_info") or {}
    return InputSpec(
        kind="image",
        shape=(None, None, int(args["channels"])),
        bands=info.get("bands", ()),
        units=info.get("units"),
        pixel_scale_arcsec=info.get("pixel_scale_arcsec"),
        field_of_view_arcsec=info.get("field_of_view_arcsec"),
    )


def image_front(inputs, image_size, crop_fraction, stretch, normalize, scale, augment, tta=False, **options):
    """Preprocessing, training-only augmentation, and the test-time views, shared by the image builders.

    ``options`` are further `ImagePreprocessing` arguments (e.g. ``noise_floor_sigma``).
    """
    x = ImagePreprocessing(
        image_size=image_size,
        crop_fraction=crop_fraction,
        stretch=stretch,
        normalize=normalize,
        scale=scale,
        name="preprocessing",
        **options,
    )(inputs)
    if augment == "dihedral":
        x = RandomDihedral(name="augmentation")(x)
    elif augment == "rotation":
        x = RandomDihedral(max_angle=45.0, name="augmentation")(x)
    elif augment == "affine":
        x = RandomDihedral(max_angle=45.0, max_zoom=0.1, max_shift=0.05, name="augmentation")(x)
    elif augment in (None, "none"):
        x = keras.layers.Identity(name="augmentation")(x)
    else:
        raise ValueError(
            f"augment must be 'dihedral', 'rotation', 'affine' or None. Received: augment={augment!r}"
        )
    return DihedralViews(name="tta_views")(x) if tta else x


def image_head_output(x, task, class_names, target_names, tta: bool, logit_adjustment, temperature: float):
    """The output layer, averaged over the 8 test-time views when ``tta``, then `adjusted_probabilities`."""
    outputs = output_head(x, task, class_names, target_names)
    outputs = DihedralAverage(name="tta_average")(outputs) if tta else outputs
    return adjusted_probabilities(outputs, task, logit_adjustment, temperature)


@register_builder("cnn", input_spec=image_input_spec)
def cnn(
    class_names: Sequence[str] | None = None,
    channels: int = 1,
    image_size: Sequence[int] = (64, 64),
    task: str = "classification",
    target_names: Sequence[str] | None = None,
    filters: Sequence[int] = (16, 32, 64),
    kernel_size: int = 3,
    strides: int = 1,
    pool_size: int | None = 2,
    batch_norm: bool = True,
    dense_units: Sequence[int] = (64,),
    dropout: float = 0.5,
    crop_fraction: float = 1.0,
    noise_floor_sigma: float | None = None,
    stretch: str | None = None,
    normalize: str | None = "per_image",
    scale: float = 255.0,
    augment: str | None = "dihedral",
    tta: bool = False,
    equivariant: bool = False,
    rotations: int = 4,
    head_pooling: str = "flatten",
    logit_adjustment: Sequence[float] | None = None,
    temperature: float = 1.0,
    input_info: dict | None = None,
) -> keras.Model:
    """Builds a plain CNN: conv blocks, then a fully connected head with dropout.

    Images of any size enter the model; its preprocessing crops, resizes to
    ``image_size``, stretches and normalizes them, and its augmentation applies
    random flips and 90-degree rotations in training only.

    Args:
        class_names: classes of a classifier.
        channels: number of image channels (1 for radio, 3 for gri/RGB).
        image_size: (height, width) after resizing.
        task: ``"classification"`` or ``"regression"``.
        target_names: predicted quantities of a regressor.
        filters: number of filters of each conv block.
        kernel_size: convolution kernel size.
        strides: convolution stride.
        pool_size: max-pooling size after each block, or None for no pooling.
        batch_norm: batch normalization after each convolution.
        dense_units: widths of the fully connected layers of the head.
        dropout: dropout rate in the fully connected head.
        crop_fraction: central fraction of each side kept before resizing.
        noise_floor_sigma: zero pixels below median + k robust sigma (radio images).
        stretch: ``None``, ``"asinh"`` or ``"log"`` (see `ImagePreprocessing`).
        normalize: normalization mode (see `ImagePreprocessing`).
        scale: divisor for ``normalize="unit"``.
        augment: ``"dihedral"`` (random flips and quarter turns), ``"rotation"``
            (those plus a random turn within 45 degrees, so any angle), ``"affine"``
            (those plus a zoom within 10% and a shift within 5% of the side) or None.
        tta: at inference, average the predictions over the 8 flips and
            rotations of each image (test-time augmentation inside the model).
        equivariant: use D4 group convolutions (`astrozoo.layers.DihedralConv2D`):
            each filter is applied in all 8 orientations, so a block has
            ``8 * filters`` feature maps (8 times fewer weights than a plain CNN
            with as many maps); the orientations are max-pooled before the head.
            Needs ``strides=1`` and an odd ``kernel_size``.
        rotations: with ``equivariant``, N of the dihedral group D_N: 4 for flips and
            quarter turns (exact); 8 or 16 add turns by 45 or 22.5 degrees with
            interpolated kernels (approximate; `astrozoo.layers.equivariant.kernel_transforms`),
            at ``2N * filters`` feature maps a block.
        head_pooling: how the last feature maps reach the head: ``"flatten"`` keeps
            every position (the head knows where a feature is), ``"average"`` or
            ``"max"`` pool over positions (far fewer head weights; the head then
            sees only which features are present).
        logit_adjustment: one number per class, added to its log-probability before a final
            softmax (`astrozoo.layers.LogitAdjustment`): ``-tau * log(class_weight)`` undoes a
            fraction ``tau`` of the class weights used in training (see
            `astrozoo.training.logit_adjustment_for`); None: unchanged.
        temperature: divides the log-probabilities before a final softmax (temperature
            scaling, which `astrozoo.training.calibrate` fits on validation data); 1: unchanged.
        input_info: description of the input: ``bands``, ``units``, ``pixel_scale_arcsec``,
            ``field_of_view_arcsec`` (see `astrozoo.spec.InputSpec`).

    Returns:
        An uncompiled `keras.Model`.

    Example:
        >>> import numpy as np
        >>> model = cnn(["FRI", "FRII"], channels=1, image_size=(16, 16), filters=(4, 8))
        >>> model.predict(np.random.rand(2, 40, 40, 1), verbose=0).shape
        (2, 2)
    """
    inputs = keras.Input(shape=(None, None, int(channels)), name="image")
    x = image_front(
        inputs, image_size, crop_fraction, stretch, normalize, scale, augment, tta,
        noise_floor_sigma=noise_floor_sigma,
    )  # fmt: skip
    if equivariant and int(strides) != 1:  # the layers check their own kernel_size
        raise ValueError(f"An equivariant CNN needs strides=1. Received: strides={strides}.")
    for i, width in enumerate(filters):
        if equivariant:
            conv = DihedralLiftConv2D if i == 0 else DihedralConv2D
            x = conv(int(width), int(kernel_size), use_bias=not batch_norm, rotations=int(rotations),
                     name=f"conv_{i}")(x)  # fmt: skip
        else:
            x = keras.layers.Conv2D(
                int(width),
                int(kernel_size),
                strides=int(strides),
                padding="same",
                use_bias=not batch_norm,
                name=f"conv_{i}",
            )(x)
        if batch_norm:
            if equivariant:
                x = DihedralBatchNormalization(rotations=int(rotations), name=f"conv_{i}_bn")(x)
            else:
                x = keras.layers.BatchNormalization(name=f"conv_{i}_bn")(x)
        x = keras.layers.Activation("relu", name=f"conv_{i}_relu")(x)
        if pool_size:
            x = keras.layers.MaxPooling2D(int(pool_size), name=f"conv_{i}_pool")(x)
    if equivariant:
        x = DihedralPooling("max", rotations=int(rotations), name="orientation_pool")(x)
    x = _head_pooling(head_pooling)(x)
    x = keras.layers.Dropout(float(dropout), name="flatten_dropout")(x) if dropout else x
    x = dense_stack(x, dense_units, dropout, batch_norm=False, prefix="fc")
    outputs = image_head_output(x, task, class_names, target_names, tta, logit_adjustment, temperature)
    return keras.Model(inputs, outputs, name="cnn")


def _head_pooling(kind: str) -> keras.layers.Layer:
    if kind == "flatten":
        return keras.layers.Flatten(name="flatten")
    if kind == "average":
        return keras.layers.GlobalAveragePooling2D(name="global_pool")
    if kind == "max":
        return keras.layers.GlobalMaxPooling2D(name="global_pool")
    raise ValueError(f"head_pooling must be 'flatten', 'average' or 'max'. Received: head_pooling={kind!r}")
