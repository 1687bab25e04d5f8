"""Every builder: output shapes, exact save/load round trips, preprocessing and augmentation."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from conftest import TINY_CONFIGS, example_input

import astrozoo
from astrozoo.builders import BUILDERS, build_from_config, set_trainable_blocks
from astrozoo.errors import ConfigError


def test_every_builder_has_a_tiny_config():
    assert {builder for builder, _, _ in TINY_CONFIGS.values()} == set(BUILDERS)


@pytest.mark.parametrize("variant", sorted(TINY_CONFIGS))
def test_builder_output_shape_and_spec(variant):
    builder, arguments, shape = TINY_CONFIGS[variant]
    model = build_from_config(builder, arguments)
    spec = astrozoo.spec(model)
    out = model.predict(example_input(shape), verbose=0)
    assert out.shape == (shape[0], len(spec.output_names))
    assert np.isfinite(out).all()
    if spec.task == "classification":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    assert spec.builder == builder
    json.dumps(spec.to_dict())  # the whole spec is JSON


@pytest.mark.parametrize("variant", sorted(TINY_CONFIGS))
def test_save_load_round_trip_gives_identical_predictions(variant, tmp_path):
    builder, arguments, shape = TINY_CONFIGS[variant]
    model = build_from_config(builder, arguments)
    x = example_input(shape)
    _fit_one_step(model, x)  # move weights (and Normalization/BatchNorm state) off their initial values
    folder = astrozoo.save(model, tmp_path / variant, name=f"tiny-{variant}", metrics={"test": {"n": 4}})
    loaded = astrozoo.load(folder)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert astrozoo.spec(loaded).name == f"tiny-{variant}"
    assert astrozoo.spec(loaded).arguments == astrozoo.spec(model).arguments
    assert astrozoo.spec(loaded).metrics == {"test": {"n": 4}}


@pytest.mark.parametrize("variant", sorted(TINY_CONFIGS))
def test_augmentation_only_in_training(variant):
    builder, arguments, shape = TINY_CONFIGS[variant]
    model = build_from_config(builder, {**arguments})
    if builder == "ensemble":
        model = model.get_layer("member_0")
    x = example_input(shape)
    inference = [model(x, training=False).numpy() for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    augmentation = model.get_layer("augmentation")
    front = keras.Model(model.input, augmentation.output)
    views = [front(x, training=True).numpy() for _ in range(4)]
    assert any(not np.array_equal(views[0], v) for v in views[1:]), "augmentation never changed the input"
    np.testing.assert_array_equal(front(x, training=False).numpy(), front(x, training=False).numpy())


def test_mlp_normalization_is_adapted_on_training_data():
    x = example_input((200, 3)) * np.array([1.0, 2.0, 3.0], "float32")
    model = astrozoo.builders.mlp(["u", "g", "r"], class_names=["a", "b"], colours=[("u", "g")], adapt_data=x)
    features = model.get_layer("preprocessing")(x)
    normalized = model.get_layer("normalization")(features).numpy()
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(normalized.std(axis=0), 1.0, atol=1e-2)
    assert "adapt_data" not in astrozoo.spec(model).arguments


def test_mlp_rejects_adapt_data_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"adapt_data must have shape \(n, 3\)"):
        astrozoo.builders.mlp(["u", "g", "r"], class_names=["a", "b"], adapt_data=np.zeros((5, 2)))


def test_cnn_accepts_images_of_any_size():
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])
    for size in (16, 31, 150):
        assert model.predict(np.random.rand(1, size, size, 1), verbose=0).shape == (1, 2)


def test_recurrent_ignores_padding():
    model = build_from_config(*TINY_CONFIGS["recurrent-gru"][:2])
    x = example_input((1, 12, 5))
    padded = np.concatenate([x, np.zeros((1, 20, 5), "float32")], axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(padded, verbose=0), atol=1e-6)


def test_recurrent_head_summary_hands_the_head_each_curve_constants_and_ignores_padding():
    """For a folded curve the summary holds log10 period and log10 scatter exactly, padding or not."""
    model = astrozoo.builders.recurrent(["RRab", "RRc"], bands=["g", "r"], units=(8,), dense_units=(4,),
                                        period_search={"min_period": 0.2, "max_period": 1.2},
                                        append_scatter=True, head_summary=True)  # fmt: skip
    rng = np.random.default_rng(5)
    x = np.zeros((1, 40, 6), "float32")
    x[0, :25, :3] = rng.uniform(0.1, 1.0, (25, 3))
    band = rng.integers(0, 2, 25)
    x[0, np.arange(25), 3 + band] = 1.0  # one-hot g or r
    x[0, :25, 5] = np.log10(0.55)
    summary = keras.Model(model.inputs, model.get_layer("summary").output).predict(x, verbose=0)[0]
    values = x[0, :25, 1]
    centred = np.concatenate([values[band == b] - values[band == b].mean() for b in (0, 1)])
    np.testing.assert_allclose(summary[-2], np.log10(0.55), atol=1e-6)  # the period channel
    np.testing.assert_allclose(summary[-1], np.log10(np.sqrt(np.mean(centred**2))), atol=1e-5)  # the scatter
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x[:, :25], verbose=0), atol=1e-6)
    assert build_from_config("recurrent", astrozoo.spec(model).arguments).get_layer("summary") is not None


def test_set_trainable_blocks_freezes_all_but_the_top_blocks():
    model = astrozoo.builders.resnet_transfer(
        ["a", "b"], image_size=(16, 16), compact_widths=(8, 16), compact_blocks=(2, 2)
    )
    backbone = model.get_layer("backbone")
    assert set_trainable_blocks(model, 0) == []
    assert not any(layer.trainable_weights for layer in backbone.layers)
    assert model.get_layer("predictions").trainable
    assert set_trainable_blocks(model, 2) == ["conv3_block1", "conv3_block2"]
    trainable = {layer.name.split("_")[1] for layer in backbone.layers if layer.trainable_weights}
    assert trainable == {"block1", "block2"}
    assert not backbone.get_layer("conv2_block2_1_conv").trainable
    assert not backbone.get_layer("conv1_conv").trainable
    set_trainable_blocks(model, None)
    assert all(layer.trainable for layer in backbone.layers)
    with pytest.raises(ValueError, match="between 0 and 4"):
        set_trainable_blocks(model, 5)


def test_keras_applications_backbone_blocks_can_be_unfrozen():
    model = astrozoo.builders.resnet_transfer(
        ["a", "b"], backbone="resnet50v2", image_size=(32, 32), normalize="imagenet_v2", trainable_blocks=3
    )
    backbone = model.get_layer("backbone")
    assert backbone.get_layer("conv5_block3_2_conv").trainable
    assert backbone.get_layer("post_bn").trainable
    assert backbone.get_layer("conv5_block1_1_conv").trainable  # 3rd block from the top
    assert not backbone.get_layer("conv4_block6_1_conv").trainable  # 4th block from the top
    assert model.predict(np.random.rand(1, 40, 40, 3) * 255, verbose=0).shape == (1, 2)
    assert "backbone_weights" not in astrozoo.spec(model).arguments


def test_resnet_transfer_on_a_loaded_model_reuses_its_backbone_weights(tmp_path):
    source = build_from_config(*TINY_CONFIGS["resnet_transfer-compact"][:2])
    _fit_one_step(source, example_input((4, 20, 20, 3)))
    folder = astrozoo.save(source, tmp_path / "source")
    model = astrozoo.builders.resnet_transfer(
        ["ring", "non_ring"], backbone=astrozoo.load(folder), backbone_weights="pretrained"
    )
    for a, b in zip(
        source.get_layer("backbone").get_weights(), model.get_layer("backbone").get_weights(), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    arguments = astrozoo.spec(model).arguments
    assert arguments["backbone"] == "compact"
    assert arguments["image_size"] == [16, 16]
    assert arguments["backbone_source"] == "source"  # the loaded model's name, its folder's by default
    # The recorded config rebuilds the architecture without needing the source model.
    rebuilt = build_from_config("resnet_transfer", arguments)
    assert rebuilt.count_params() == model.count_params()


def test_resnet_transfer_refuses_a_backbone_model_of_another_builder():
    mlp = build_from_config("mlp", {"features": ["u", "g"], "class_names": ["a", "b"]})
    with pytest.raises(ValueError, match="must be built by 'resnet_transfer'.*built by 'mlp'"):
        astrozoo.builders.resnet_transfer(["a", "b"], backbone=mlp)
    with pytest.raises(ValueError, match="Unknown backbone 'galaxy-resnet'.*astrozoo.load"):
        astrozoo.builders.resnet_transfer(["a", "b"], backbone="galaxy-resnet")


@pytest.mark.parametrize(
    ("builder", "arguments", "message"),
    [
        ("mlp", {"features": ["u"], "class_names": ["only-one"]}, "at least two class_names"),
        ("mlp", {"features": ["u"], "class_names": ["a", "a"]}, "must be unique"),
        ("mlp", {"features": ["u"], "task": "regression"}, "needs target_names"),
        ("mlp", {"features": ["u"], "class_names": ["a", "b"], "task": "clustering"}, "task must be"),
        ("mlp", {"features": ["u"], "class_names": ["a", "b"], "colours": [["u", "x"]]}, "not inputs"),
        ("cnn", {"class_names": ["a", "b"], "augment": "mixup"}, "augment must be"),
        ("cnn", {"class_names": ["a", "b"], "normalize": "zscale"}, "normalize must be one of"),
        ("cnn", {"class_names": ["a", "b"], "head_pooling": "sum"}, "head_pooling must be"),
        ("recurrent", {"class_names": ["a", "b"], "cell": "rnn"}, "cell must be 'lstm' or 'gru'"),
        ("resnet_transfer", {"class_names": ["a", "b"], "backbone": "vgg16"}, "Unknown backbone 'vgg16'"),
        ("lambda", {}, "Unknown builder 'lambda'"),
        ("ensemble", {"member_builder": "ensemble", "member_arguments": {}}, "members must come from"),
        ("ensemble", {"member_builder": "os.system", "member_arguments": {}}, "members must come from"),
        (
            "ensemble",
            {"member_builder": "mlp", "member_arguments": {"features": ["u"]}, "members": 1},
            "2 to 64 members",
        ),
        (
            "ensemble",
            {"member_builder": "mlp", "member_arguments": {"features": ["u"]}, "members": 10**6},
            "2 to 64 members",
        ),
        ("ensemble", {"member_builder": "mlp", "member_arguments": {"module": "os"}}, "do not fit builder"),
        ("mlp", {"features": ["u"], "class_names": ["a", "b"], "module": "os"}, "Unknown arguments"),
    ],
)
def test_bad_builder_arguments_are_clear_errors(builder, arguments, message):
    with pytest.raises(astrozoo.AstrozooError, match=message):
        build_from_config(builder, arguments)


def test_build_from_config_refuses_non_dict_arguments():
    with pytest.raises(ConfigError, match="must be a JSON object"):
        build_from_config("mlp", ["u", "g"])


def _fit_one_step(model, x):
    spec = astrozoo.spec(model)
    n = len(spec.output_names)
    if spec.task == "classification":
        y = keras.utils.to_categorical(np.arange(len(x)) % n, n)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy")
    else:
        y = np.ones((len(x), n), "float32")
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=1, batch_size=len(x), verbose=0)


def test_test_time_averaging_makes_predictions_orientation_invariant():
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])  # tta=True
    x = example_input((3, 24, 24, 1))
    rotated = np.rot90(x, k=1, axes=(1, 2)).copy()
    flipped = x[:, :, ::-1].copy()
    reference = model.predict(x, verbose=0)
    assert reference.shape == (3, 2)
    np.testing.assert_allclose(model.predict(rotated, verbose=0), reference, atol=1e-5)
    np.testing.assert_allclose(model.predict(flipped, verbose=0), reference, atol=1e-5)
    plain = build_from_config("cnn", {**TINY_CONFIGS["cnn"][1], "tta": False})
    plain.set_weights(model.get_weights())
    assert not np.allclose(plain.predict(rotated, verbose=0), plain.predict(x, verbose=0), atol=1e-5)


def test_ensemble_of_averages_its_members_and_keeps_their_weights():
    x = example_input((5, 3))
    members = []
    for seed in range(3):
        keras.utils.set_random_seed(seed)
        members.append(
            astrozoo.builders.mlp(
                ["u", "g", "r"], class_names=["a", "b"], hidden_units=[8], adapt_data=x * 3 + 9
            )
        )
    combined = astrozoo.builders.ensemble_of(members)
    expected = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(combined.predict(x, verbose=0), expected, rtol=1e-6)
    assert not np.allclose(members[0].predict(x, verbose=0), expected)  # the members really differ
    spec = astrozoo.spec(combined)
    assert (spec.builder, spec.arguments["members"], spec.class_names) == ("ensemble", 3, ("a", "b"))
    assert spec.input == astrozoo.spec(members[0]).input


def test_ensemble_of_refuses_different_architectures():
    small = astrozoo.builders.mlp(["u", "g"], class_names=["a", "b"], hidden_units=[8])
    large = astrozoo.builders.mlp(["u", "g"], class_names=["a", "b"], hidden_units=[16])
    with pytest.raises(ValueError, match="share one architecture"):
        astrozoo.builders.ensemble_of([small, large])
    with pytest.raises(ValueError, match="at least 2 models"):
        astrozoo.builders.ensemble_of([small])


@pytest.mark.parametrize("rotations", [4, 8])
@pytest.mark.parametrize("element", range(8))
def test_dihedral_group_convolutions_are_exactly_equivariant(element, rotations):
    from astrozoo.layers.equivariant import (
        DihedralBatchNormalization,
        DihedralConv2D,
        DihedralLiftConv2D,
        DihedralPooling,
        dihedral_transform,
    )

    # D8 holds D4's flips and quarter turns, which need no interpolation: exact there too
    group = {"rotations": rotations}
    layers = [DihedralLiftConv2D(3, **group), DihedralConv2D(4, **group), DihedralBatchNormalization(**group),
              DihedralConv2D(2, 5, **group)]  # fmt: skip
    pool = DihedralPooling("max", **group)

    def features(images):
        for layer in layers:
            images = layer(images)
        return np.asarray(pool(images))

    x = example_input((2, 12, 12, 2))
    x = (x - x.mean()) / x.std()  # unit scale, so float32 rounding stays below the tolerance
    turned = dihedral_transform(x, element, axes=(1, 2)).copy()
    expected = dihedral_transform(features(x), element, axes=(1, 2))
    np.testing.assert_allclose(features(turned), expected, atol=1e-4)


@pytest.mark.parametrize("rotations", [8, 16])
def test_finer_dihedral_groups_turn_kernels_consistently_with_their_group_table(rotations):
    from astrozoo.layers.equivariant import _cayley_table, kernel_transforms

    matrices, table = kernel_transforms(5, rotations), _cayley_table(rotations)
    rows, columns = np.mgrid[-2:3, -2:3]

    def blob(row, column):
        return np.exp(-((rows - row) ** 2 + (columns - column) ** 2) / 2.0).ravel()

    smooth = blob(0.7, -0.4) + 0.5 * blob(-0.6, -0.9)  # two blobs off the centre: no mirror symmetry

    def centre_of_light(kernel):  # as a complex number, column + i row
        return (kernel * columns.ravel()).sum() + 1j * (kernel * rows.ravel()).sum()

    quarter = rotations // 4
    for g in range(2 * rotations):
        for h in range(2 * rotations):
            composed, direct = matrices[g] @ (matrices[h] @ smooth), matrices[table[g, h]] @ smooth
            if g % quarter == 0 and h % quarter == 0:  # flips and quarter turns: permutations, exact
                np.testing.assert_array_equal(composed, direct)
            else:  # finer turns are interpolated, so blurred a little: close, and their light turned alike
                assert np.abs(composed - direct).max() < 0.3 * smooth.max(), (g, h)
                assert abs(np.angle(centre_of_light(composed) / centre_of_light(direct))) < 0.1, (g, h)
    turned = matrices[1] @ smooth  # one step turns the centre of light by 360/N degrees
    step = abs(np.angle(centre_of_light(turned) / centre_of_light(smooth)))
    assert abs(step - 2 * np.pi / rotations) < 0.05


def test_dihedral_layers_refuse_a_bad_number_of_rotations():
    from astrozoo.layers import DihedralConv2D, DihedralPooling

    with pytest.raises(ValueError, match="rotations must be a positive integer"):
        DihedralConv2D(4, rotations=0)
    with pytest.raises(ValueError, match="rotations must be a positive integer"):
        DihedralPooling(rotations=2.5)
    with pytest.raises(ValueError, match="multiple of 16 channels"):
        DihedralConv2D(2, rotations=8)(np.zeros((1, 8, 8, 8), "float32"))


@pytest.mark.parametrize("pooling", ["average", "max"])
def test_cnn_with_a_pooled_head_sees_what_not_where(pooling):
    arguments = {**TINY_CONFIGS["cnn"][1], "tta": False, "augment": None, "head_pooling": pooling}
    arguments.update(stretch=None, noise_floor_sigma=None, normalize=None)  # keep the background at 0
    model = build_from_config("cnn", arguments)
    flat = build_from_config("cnn", {**arguments, "head_pooling": "flatten"})
    assert model.count_params() < flat.count_params()
    # one bright pixel moved by a whole pooling cell, away from the borders: same features, same answer
    image_size = arguments["image_size"][0]
    cell = 2 ** len(arguments["filters"])  # pixels per position of the last feature map
    images = np.zeros((2, image_size, image_size, 1), "float32")
    images[0, cell + cell // 2, cell + cell // 2] = images[1, 2 * cell + cell // 2, 2 * cell + cell // 2] = (
        1.0
    )
    probabilities = model.predict(images, verbose=0)
    np.testing.assert_allclose(probabilities[0], probabilities[1], atol=1e-5)
    assert np.abs(np.diff(flat.predict(images, verbose=0), axis=0)).max() > 1e-5


def test_equivariant_cnn_features_turn_with_the_image():
    model = build_from_config(*TINY_CONFIGS["cnn-equivariant"][:2])
    features = keras.Model(model.input, model.get_layer("orientation_pool").output)
    x = example_input((3, 16, 16, 1))  # already image_size: no resampling in the way
    reference = features(x).numpy()
    for turned, expected in (
        (np.rot90(x, k=1, axes=(1, 2)), np.rot90(reference, k=1, axes=(1, 2))),
        (x[:, :, ::-1], reference[:, :, ::-1]),
    ):
        np.testing.assert_allclose(features(turned.copy()).numpy(), expected, atol=1e-4)


def test_equivariant_cnn_refuses_strides_and_even_kernels():
    with pytest.raises(ValueError, match="odd kernel_size"):
        build_from_config("cnn", {**TINY_CONFIGS["cnn-equivariant"][1], "kernel_size": 4})
    with pytest.raises(ValueError, match="strides=1"):
        build_from_config("cnn", {**TINY_CONFIGS["cnn-equivariant"][1], "strides": 2})
    from astrozoo.layers import DihedralConv2D

    with pytest.raises(ValueError, match="odd kernel_size"):
        DihedralConv2D(4, kernel_size=2)  # the layer itself, used without the builder


def test_rotation_augmentation_turns_images_by_any_angle_about_their_centre():
    from astrozoo.layers import RandomDihedral
    from astrozoo.layers.equivariant import dihedral_transform

    x = np.zeros((16, 21, 21, 1), "float32")
    x[:, 10, 10:18] = 1.0  # a bar from the centre to the right edge
    turned = np.asarray(RandomDihedral(seed=3, max_angle=45.0)(x, training=True))
    np.testing.assert_allclose(turned[:, 10, 10, 0], 1.0, atol=1e-5)  # the centre stays put
    group_views = [dihedral_transform(x[0], g) for g in range(8)]
    off_grid = [not any(np.allclose(image, view, atol=1e-3) for view in group_views) for image in turned]
    assert sum(off_grid) >= 12, "the random angle rarely moved the images off the 8 group views"
    np.testing.assert_array_equal(RandomDihedral(max_angle=45.0)(x, training=False), x)
    with pytest.raises(ValueError, match="between 0 and 180"):
        RandomDihedral(max_angle=270)


def test_zoom_and_shift_augmentation_resize_and_move_a_source_within_the_limits():
    from astrozoo.layers import RandomDihedral

    x = np.zeros((64, 41, 41, 1), "float32")
    x[:, 16:25, 16:25] = 1.0  # a centred 9-pixel square
    zoomed = np.asarray(RandomDihedral(seed=5, max_zoom=0.3)(x, training=True))[..., 0]
    areas = (zoomed > 0.5).sum(axis=(1, 2))
    assert areas.min() >= 81 / 1.3**2 - 12 and areas.max() <= 81 * 1.3**2 + 12
    assert areas.max() - areas.min() > 40, "the zoom hardly changed the source's size"
    np.testing.assert_allclose(zoomed[:, 20, 20], 1.0, atol=1e-5)  # about the centre

    shifted = np.asarray(RandomDihedral(seed=5, max_shift=0.1)(x, training=True))[..., 0]
    rows, columns = np.indices((41, 41))
    centres = np.stack([(shifted * rows).sum((1, 2)), (shifted * columns).sum((1, 2))], 1)
    offsets = centres / shifted.sum((1, 2))[:, None] - 20.0
    assert np.abs(offsets).max() <= 0.1 * 41 + 0.5 and np.abs(offsets).max() > 2.0
    np.testing.assert_allclose(shifted.sum((1, 2)), 81.0, rtol=0.02)  # moved, not resized

    layer = RandomDihedral(max_zoom=0.1, max_shift=0.05)
    assert RandomDihedral.from_config(layer.get_config()).max_shift == 0.05
    with pytest.raises(ValueError, match="max_zoom must be between 0 and 1"):
        RandomDihedral(max_zoom=2)
    with pytest.raises(ValueError, match="max_shift must be between 0 and 0.5"):
        RandomDihedral(max_shift=0.8)
