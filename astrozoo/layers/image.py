"""Image preprocessing as a Keras layer: clean, crop, resize, stretch, normalize."""

from __future__ import annotations

import math

import keras
from keras import ops

STRETCHES = (None, "asinh", "log")
NORMALIZATIONS = (None, "per_image", "unit", "imagenet_caffe", "imagenet_v2")
_IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="astrozoo")
class ImagePreprocessing(keras.layers.Layer):
    """Turns raw pixels of any size into the fixed-size tensor a network expects.

    Steps, in order: NaN and infinite pixels become 0; a central crop keeps
    ``crop_fraction`` of each side; bilinear resize to ``image_size``; an optional
    noise floor; an optional percentile clip; an optional stretch; an optional
    normalization.

    Args:
        image_size: (height, width) the network sees.
        crop_fraction: fraction of each side kept by the central crop (0 < f <= 1).
        noise_floor_sigma: if set (e.g. 3), pixels below the image's median plus
            that many robust standard deviations (1.4826 x MAD) become 0, as
            MiraBest does for radio images, leaving only the emission.
        clip_percentile: if set (e.g. 99.5), each image is clipped to its
            ``[100 - p, p]`` percentiles, taming bright stars and artefacts.
        stretch: ``None``, ``"asinh"`` (each image divided by its largest absolute
            value, then ``asinh(q x) / asinh(q)``), or ``"log"`` (``log1p`` of the
            positive part after the same scaling).
        stretch_q: softening of the asinh and log stretches.
        normalize: ``None``; ``"per_image"`` (zero mean, unit variance per image);
            ``"unit"`` (pixels divided by ``scale``, e.g. 255 for JPEG);
            ``"imagenet_caffe"`` (0-255 RGB to mean-subtracted BGR, as
            `keras.applications` ResNet v1 expects); ``"imagenet_v2"`` (0-255 to
            [-1, 1], as ResNet v2 expects).
        scale: divisor used by ``normalize="unit"``.

    Example:
        >>> import numpy as np
        >>> layer = ImagePreprocessing(image_size=(8, 8), normalize="per_image")
        >>> tuple(layer(np.random.rand(2, 30, 20, 1).astype("float32")).shape)
        (2, 8, 8, 1)
    """

    def __init__(
        self,
        image_size=(64, 64),
        crop_fraction=1.0,
        noise_floor_sigma=None,
        clip_percentile=None,
        stretch=None,
        stretch_q=10.0,
        normalize="per_image",
        scale=255.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if stretch not in STRETCHES:
            raise ValueError(f"stretch must be one of {STRETCHES}. Received: stretch={stretch!r}")
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}. Received: normalize={normalize!r}")
        if not 0.0 < float(crop_fraction) <= 1.0:
            raise ValueError(f"crop_fraction must be in (0, 1]. Received: {crop_fraction!r}")
        self.image_size = tuple(int(s) for s in image_size)
        self.crop_fraction = float(crop_fraction)
        self.noise_floor_sigma = None if noise_floor_sigma is None else float(noise_floor_sigma)
        if clip_percentile is not None and not 50.0 < float(clip_percentile) <= 100.0:
            raise ValueError(f"clip_percentile must be in (50, 100]. Received: {clip_percentile!r}")
        self.clip_percentile = None if clip_percentile is None else float(clip_percentile)
        self.stretch = stretch
        self.stretch_q = float(stretch_q)
        self.normalize = normalize
        self.scale = float(scale)

    def call(self, images):
        x = ops.cast(images, "float32")
        x = ops.where(ops.isfinite(x), x, ops.zeros_like(x))
        if self.crop_fraction < 1.0:
            x = self._central_crop(x)
        x = ops.image.resize(x, self.image_size, interpolation="bilinear", antialias=True)
        if self.noise_floor_sigma is not None:
            flat = ops.reshape(x, (ops.shape(x)[0], -1))
            median = ops.quantile(flat, 0.5, axis=1, keepdims=True)
            mad = ops.quantile(ops.abs(flat - median), 0.5, axis=1, keepdims=True)
            floor = ops.reshape(median + self.noise_floor_sigma * 1.4826 * mad, (-1, 1, 1, 1))
            x = ops.where(x > floor, x, ops.zeros_like(x))
        if self.clip_percentile is not None:
            flat = ops.reshape(x, (ops.shape(x)[0], -1))
            q = [1.0 - self.clip_percentile / 100.0, self.clip_percentile / 100.0]
            bounds = ops.quantile(flat, q, axis=1)  # (2, batch)
            low = ops.reshape(bounds[0], (-1, 1, 1, 1))
            high = ops.reshape(bounds[1], (-1, 1, 1, 1))
            x = ops.clip(x, low, high)
        if self.stretch is not None:
            peak = ops.max(ops.abs(x), axis=(1, 2, 3), keepdims=True)
            x = x / ops.maximum(peak, 1e-12)
            q = self.stretch_q
            if self.stretch == "asinh":
                x = ops.arcsinh(q * x) / math.asinh(q)
            else:
                x = ops.log1p(q * ops.relu(x)) / math.log1p(q)
        if self.normalize == "per_image":
            mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
            std = ops.std(x, axis=(1, 2, 3), keepdims=True)
            x = (x - mean) / ops.maximum(std, 1e-6)
        elif self.normalize == "unit":
            x = x / self.scale
        elif self.normalize == "imagenet_caffe":
            x = ops.flip(x, axis=-1) - ops.convert_to_tensor(_IMAGENET_BGR_MEAN, "float32")
        elif self.normalize == "imagenet_v2":
            x = x / 127.5 - 1.0
        return x

    def _central_crop(self, x):
        shape = ops.shape(x)
        h, w = shape[1], shape[2]
        if isinstance(h, int) and isinstance(w, int):  # static sizes (JAX, or fixed-size inputs)
            ch, cw = round(h * self.crop_fraction), round(w * self.crop_fraction)
            top, left = (h - ch) // 2, (w - cw) // 2
            return x[:, top : top + ch, left : left + cw, :]
        ch = ops.cast(ops.round(ops.cast(h, "float32") * self.crop_fraction), "int32")
        cw = ops.cast(ops.round(ops.cast(w, "float32") * self.crop_fraction), "int32")
        top, left = (h - ch) // 2, (w - cw) // 2
        return ops.slice(x, [0, top, left, 0], [shape[0], ch, cw, shape[3]])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_size, input_shape[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "image_size": list(self.image_size),
            "crop_fraction": self.crop_fraction,
            "noise_floor_sigma": self.noise_floor_sigma,
            "clip_percentile": self.clip_percentile,
            "stretch": self.stretch,
            "stretch_q": self.stretch_q,
            "normalize": self.normalize,
            "scale": self.scale,
        }
