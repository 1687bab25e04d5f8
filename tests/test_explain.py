"""Grad-CAM maps: shape, range, class dependence, and a clear refusal for other models."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from astrozoo import builders
from astrozoo.explain import grad_cam


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return builders.resnet_transfer(
        ["ring", "non_ring"], image_size=(16, 16), crop_fraction=0.5, compact_widths=(8, 16),
        compact_blocks=(1, 1), normalize="per_image", tta=True,
    )  # fmt: skip


def test_maps_cover_the_cropped_field_and_are_scaled_to_one(model):
    images = np.random.default_rng(0).random((3, 40, 40, 3)).astype("float32")
    maps = grad_cam(model, images)
    assert maps.shape == (3, 16, 16)
    assert np.all(maps >= 0) and np.all(maps <= 1)
    assert np.allclose(maps.reshape(3, -1).max(axis=1)[maps.reshape(3, -1).max(axis=1) > 0], 1.0)


def test_the_two_classes_of_a_binary_model_light_up_different_pixels():
    # d log p0 = -(p1 / p0) d log p1 for two classes: the maps before the ReLU have
    # opposite signs, so where one class's map is positive the other's is zero. A
    # one-stage backbone keeps the input's 16 x 16 grid, so no upsampling blurs the edges.
    keras.utils.set_random_seed(3)
    model = builders.resnet_transfer(
        ["ring", "non_ring"], image_size=(16, 16), crop_fraction=0.5, compact_widths=(8,),
        compact_blocks=(1,), normalize="per_image", tta=True,
    )  # fmt: skip
    images = np.random.default_rng(1).random((4, 40, 40, 3)).astype("float32")
    ring, non_ring = grad_cam(model, images, class_index=0), grad_cam(model, images, class_index=1)
    assert np.all(ring.reshape(4, -1).max(axis=1) + non_ring.reshape(4, -1).max(axis=1) > 0)
    assert np.max(ring * non_ring) == 0.0


def test_models_without_a_backbone_are_refused():
    mlp = builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
    with pytest.raises(ValueError, match="'preprocessing' and 'backbone'"):
        grad_cam(mlp, np.zeros((1, 2)))
