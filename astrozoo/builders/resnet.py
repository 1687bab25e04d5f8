"""ResNet transfer learning: a pretrained backbone, a new head, block-wise unfreezing."""

from __future__ import annotations

import re
from collections.abc import Sequence

import keras

from astrozoo.builders.cnn import image_front, image_head_output, image_input_spec
from astrozoo.builders.registry import register_builder
from astrozoo.spec import spec

KERAS_BACKBONES = {
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet152": "ResNet152",
    "resnet50v2": "ResNet50V2",
    "resnet101v2": "ResNet101V2",
    "resnet152v2": "ResNet152V2",
}
# Arguments that define a backbone and the pixel values it was trained on; an astrozoo
# backbone model imposes its own values for these (the field of view, crop_fraction, is free).
_BACKBONE_ARGUMENTS = (
    "backbone",
    "compact_widths",
    "compact_blocks",
    "channels",
    "image_size",
    "stretch",
    "normalize",
    "scale",
)
_BLOCK = re.compile(r"^(conv\d+_block\d+)_")


def _resolve_model_backbone(args: dict) -> dict:
    """Replaces a backbone model by its recorded architecture and, if asked, its backbone weights.

    The recorded arguments then name a concrete architecture (``"compact"`` or a
    `keras.applications` one), so a saved config rebuilds without the source model.
    """
    source = args["backbone"]
    if not isinstance(source, keras.Model):
        return args
    source_spec = spec(source)
    if source_spec.builder != "resnet_transfer":
        raise ValueError(
            f"A backbone model must be built by 'resnet_transfer'. Received a model built by "
            f"{source_spec.builder!r} (name={source_spec.name!r})."
        )
    args = dict(args)
    for key in _BACKBONE_ARGUMENTS:
        args[key] = source_spec.arguments[key]
    args["backbone_source"] = source_spec.name
    if args["backbone_weights"] == "pretrained":
        args["backbone_weights"] = source.get_layer("backbone").get_weights()
    elif args["backbone_weights"] is not None:
        raise ValueError(
            f"With a backbone model, backbone_weights must be 'pretrained' or None. "
            f"Received: {args['backbone_weights']!r}"
        )
    return args


@register_builder(
    "resnet_transfer",
    input_spec=image_input_spec,
    transient=("backbone_weights",),
    resolve=_resolve_model_backbone,
)
def resnet_transfer(
    class_names: Sequence[str] | None = None,
    backbone: str | keras.Model = "compact",
    backbone_weights=None,
    trainable_blocks: int | None = None,
    channels: int = 3,
    image_size: Sequence[int] = (64, 64),
    task: str = "classification",
    target_names: Sequence[str] | None = None,
    compact_widths: Sequence[int] = (32, 64, 128),
    compact_blocks: Sequence[int] = (2, 2, 2),
    head_units: Sequence[int] = (),
    dropout: float = 0.3,
    crop_fraction: float = 1.0,
    stretch: str | None = None,
    normalize: str | None = "per_image",
    scale: float = 255.0,
    augment: str | None = "dihedral",
    tta: bool = False,
    backbone_source: str | None = None,
    logit_adjustment: Sequence[float] | None = None,
    temperature: float = 1.0,
    input_info: dict | None = None,
) -> keras.Model:
    """Builds a classifier on a ResNet backbone for transfer learning.

    The backbone is a nested model named ``"backbone"`` whose residual blocks are
    named ``convS_blockB`` (the `keras.applications` convention), so
    `set_trainable_blocks` can freeze it and unfreeze its top N blocks.

    Args:
        class_names: classes of a classifier.
        backbone: ``"compact"`` (a small ResNet for astro cutouts), one of
            ``resnet50``, ``resnet101``, ``resnet152`` and their ``v2`` variants
            from `keras.applications`, or a model built by this builder (e.g.
            ``astrozoo.load("galaxy-resnet")``), whose backbone architecture,
            input size and preprocessing are reused.
        backbone_weights: None (random); for `keras.applications` backbones
            ``"imagenet"`` (downloads) or a weights file path; for a backbone
            model ``"pretrained"`` (its trained backbone weights). Not recorded
            in the config, since the saved weights already hold them.
        trainable_blocks: None trains everything; 0 freezes the backbone; N
            unfreezes its top N residual blocks.
        channels: image channels (ImageNet weights need 3).
        image_size: (height, width) the backbone sees.
        task: ``"classification"`` or ``"regression"``.
        target_names: predicted quantities of a regressor.
        compact_widths: filters of each stage of the compact ResNet.
        compact_blocks: residual blocks in each stage of the compact ResNet.
        head_units: widths of optional Dense layers before the output.
        dropout: dropout rate before the output layer.
        crop_fraction: central fraction of each side kept before resizing.
        stretch: ``None``, ``"asinh"`` or ``"log"``.
        normalize: normalization mode (see `ImagePreprocessing`); ImageNet
            backbones want ``"imagenet_caffe"`` (v1) or ``"imagenet_v2"`` (v2).
        scale: divisor for ``normalize="unit"``.
        augment: ``"dihedral"``, ``"rotation"``, ``"affine"`` or None (see `astrozoo.builders.cnn`).
        tta: at inference, average the predictions over the 8 flips and rotations.
        backbone_source: the name of the model the backbone came from (set for you from its spec).
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
        >>> model = resnet_transfer(["spiral", "non_spiral"], image_size=(16, 16),
        ...                         compact_widths=(8, 16), compact_blocks=(1, 1))
        >>> model.predict(np.random.rand(2, 50, 50, 3) * 255, verbose=0).shape
        (2, 2)
    """
    image_size = tuple(int(s) for s in image_size)
    inputs = keras.Input(shape=(None, None, int(channels)), name="image")
    x = image_front(inputs, image_size, crop_fraction, stretch, normalize, scale, augment, tta)
    net = _backbone(backbone, backbone_weights, (*image_size, int(channels)), compact_widths, compact_blocks)
    x = net(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    for i, width in enumerate(head_units):
        x = keras.layers.Dense(int(width), activation="relu", name=f"head_{i}")(x)
    if dropout:
        x = keras.layers.Dropout(float(dropout), name="head_dropout")(x)
    outputs = image_head_output(x, task, class_names, target_names, tta, logit_adjustment, temperature)
    model = keras.Model(inputs, outputs, name="resnet_transfer")
    if trainable_blocks is not None:
        set_trainable_blocks(model, trainable_blocks)
    return model


def _backbone(backbone, weights, input_shape, widths, blocks) -> keras.Model:
    if backbone == "compact":
        net = compact_resnet(input_shape, widths, blocks)
        if isinstance(weights, list):
            net.set_weights(weights)
        elif weights is not None:
            raise ValueError(
                "The compact backbone takes no backbone_weights file; load a zoo model as "
                f"backbone instead. Received: backbone_weights={weights!r}"
            )
        return net
    if backbone not in KERAS_BACKBONES:
        raise ValueError(
            f"Unknown backbone {backbone!r}. Expected 'compact', one of "
            f"{sorted(KERAS_BACKBONES)}, or a resnet_transfer model (load a zoo model with astrozoo.load)."
        )
    application = getattr(keras.applications, KERAS_BACKBONES[backbone])
    return application(include_top=False, weights=weights, input_shape=input_shape, name="backbone")


def compact_resnet(
    input_shape: Sequence[int],
    widths: Sequence[int] = (32, 64, 128),
    blocks: Sequence[int] = (2, 2, 2),
) -> keras.Model:
    """A small ResNet (basic blocks) for 32-128 pixel astronomical cutouts.

    Stage ``s`` (2, 3, ...) has ``blocks[s-2]`` residual blocks named
    ``conv{s}_block{b}``; every stage after the first halves the resolution.

    Example:
        >>> compact_resnet((32, 32, 3), widths=(8, 16), blocks=(1, 1)).output_shape
        (None, 16, 16, 16)
    """
    if len(widths) != len(blocks):
        raise ValueError(
            f"compact_widths and compact_blocks must have the same length. "
            f"Received: widths={widths}, blocks={blocks}"
        )
    inputs = keras.Input(shape=tuple(input_shape))
    x = keras.layers.Conv2D(int(widths[0]), 3, padding="same", use_bias=False, name="conv1_conv")(inputs)
    x = keras.layers.BatchNormalization(name="conv1_bn")(x)
    x = keras.layers.Activation("relu", name="conv1_relu")(x)
    for stage, (width, count) in enumerate(zip(widths, blocks, strict=True), start=2):
        for b in range(1, int(count) + 1):
            stride = 2 if (b == 1 and stage > 2) else 1
            x = _basic_block(x, int(width), stride, f"conv{stage}_block{b}")
    return keras.Model(inputs, x, name="backbone")


def _basic_block(x, width: int, stride: int, name: str):
    shortcut = x
    if stride != 1 or x.shape[-1] != width:
        shortcut = keras.layers.Conv2D(width, 1, strides=stride, use_bias=False, name=f"{name}_0_conv")(x)
        shortcut = keras.layers.BatchNormalization(name=f"{name}_0_bn")(shortcut)
    y = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_1_conv")(
        x
    )
    y = keras.layers.BatchNormalization(name=f"{name}_1_bn")(y)
    y = keras.layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    y = keras.layers.BatchNormalization(name=f"{name}_2_bn")(y)
    y = keras.layers.Add(name=f"{name}_add")([shortcut, y])
    return keras.layers.Activation("relu", name=f"{name}_out")(y)


def backbone_blocks(model: keras.Model) -> list[str]:
    """Names of the residual blocks of a model's backbone, bottom to top."""
    names = []
    for layer in model.get_layer("backbone").layers:
        match = _BLOCK.match(layer.name)
        if match and match.group(1) not in names:
            names.append(match.group(1))
    return names


def set_trainable_blocks(model: keras.Model, n: int | None) -> list[str]:
    """Freezes a transfer model's backbone except its top ``n`` residual blocks.

    ``n=None`` makes everything trainable; ``n=0`` freezes the whole backbone.
    Frozen BatchNormalization layers run in inference mode. The head stays
    trainable. Recompile the model afterwards.

    Args:
        model: a model built by `resnet_transfer`.
        n: number of top residual blocks to train, or None for all.

    Returns:
        The names of the backbone blocks left trainable.

    Example:
        >>> model = resnet_transfer(["a", "b"], image_size=(16, 16),
        ...                         compact_widths=(8, 16), compact_blocks=(2, 2))
        >>> set_trainable_blocks(model, 1)
        ['conv3_block2']
    """
    blocks = backbone_blocks(model)
    backbone = model.get_layer("backbone")
    backbone.trainable = True
    if n is None:
        for layer in backbone.layers:
            layer.trainable = True
        return blocks
    if not 0 <= int(n) <= len(blocks):
        raise ValueError(f"n must be between 0 and {len(blocks)} (the backbone's blocks). Received: n={n}")
    keep = set(blocks[len(blocks) - int(n) :])
    seen_top = False
    for layer in backbone.layers:
        match = _BLOCK.match(layer.name)
        if match:
            seen_top = match.group(1) in keep
            layer.trainable = seen_top
        else:  # stem before the blocks, or post-block layers (ResNet v2's post_bn)
            layer.trainable = seen_top and int(n) > 0
    return sorted(keep, key=blocks.index)
