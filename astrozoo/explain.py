"""Where an image model looks: Grad-CAM maps for the zoo's ResNet models."""

from __future__ import annotations

import keras
import numpy as np


def grad_cam(model: keras.Model, images, class_index: int | None = None) -> np.ndarray:
    """Grad-CAM maps (Selvaraju et al. 2017) over a ``resnet_transfer`` model's backbone.

    Each image goes through the model's own preprocessing (crop, resize,
    normalization), without augmentation or test-time views; the gradient of the
    log-probability of the class with respect to the backbone's last feature map
    weights its channels, and the positive part of the weighted sum is the map.

    Args:
        model: a ``resnet_transfer`` model (it has ``preprocessing`` and
            ``backbone`` layers), e.g. ``astrozoo.load("galaxy-resnet")``.
        images: whole images, ``(N, H, W, C)``, as `astrozoo.predict` would read them.
        class_index: the class to explain; None explains each image's predicted class.

    Returns:
        ``(N, h, w)`` float32 maps in [0, 1] on the grid the backbone sees (the
        model's ``image_size``, the central ``crop_fraction`` of each image);
        each map is scaled by its own maximum (all zeros when nothing supports the class).

    Raises:
        ValueError: the model has no ``preprocessing`` and ``backbone`` layers.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.resnet_transfer(
        ...     ["ring", "non_ring"], image_size=(16, 16), compact_widths=(8, 16), compact_blocks=(1, 1))
        >>> maps = grad_cam(model, np.random.default_rng(0).random((2, 24, 24, 3)))
        >>> maps.shape, bool(maps.min() >= 0.0 and maps.max() <= 1.0)
        ((2, 16, 16), True)
    """
    import tensorflow as tf  # noqa: PLC0415 (gradients need the backend; only this function does)

    names = [layer.name for layer in model.layers]
    if "preprocessing" not in names or "backbone" not in names:
        raise ValueError(
            "grad_cam needs an image model with 'preprocessing' and 'backbone' layers (built by "
            f"resnet_transfer). Received a model with layers {names}."
        )
    head = [
        layer
        for layer in model.layers[names.index("backbone") + 1 :]
        if layer.name not in ("tta_average",) and not isinstance(layer, keras.layers.Dropout)
    ]
    x = model.get_layer("preprocessing")(np.asarray(images, dtype="float32"))
    features = tf.convert_to_tensor(model.get_layer("backbone")(x, training=False))
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(features)
        outputs = features
        for layer in head:
            outputs = layer(outputs, training=False)
        classes = (
            tf.argmax(outputs, axis=1, output_type=tf.int32)
            if class_index is None
            else tf.fill([tf.shape(outputs)[0]], int(class_index))
        )
        chosen = tf.gather(outputs, classes, axis=1, batch_dims=1)
        score = tf.reduce_sum(tf.math.log(chosen + 1e-12))
    gradients = tape.gradient(score, features)
    weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, tuple(x.shape[1:3]), method="bilinear")[..., 0]
    peak = tf.reduce_max(cam, axis=(1, 2), keepdims=True)
    return np.asarray(tf.where(peak > 0, cam / tf.maximum(peak, 1e-12), 0.0), dtype=np.float32)
