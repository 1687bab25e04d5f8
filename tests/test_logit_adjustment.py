"""Logit adjustment: the layer, the builders' argument, and undoing class weights after training."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import astrozoo
from astrozoo.datasets import Split, ogle3
from astrozoo.errors import ConfigError
from astrozoo.layers import LogitAdjustment, TemperatureScaling
from astrozoo.training import adjust_logits, balanced_class_weights, logit_adjustment_for
from astrozoo.training.fitting import training_settings
from astrozoo.training.recipes import fit_with
from astrozoo.training.recipes.ogle import OGLE_WEIGHTING_UNDONE


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_the_layer_adds_the_offsets_to_the_log_probabilities_and_can_change_the_class():
    logits = np.random.default_rng(0).normal(0, 2, (200, 3))
    offsets = [0.0, 1.5, -2.0]
    shifted = LogitAdjustment(offsets)(_softmax(logits).astype("float32")).numpy()
    np.testing.assert_allclose(shifted, _softmax(logits + offsets), atol=1e-5)
    assert (shifted.argmax(axis=1) != logits.argmax(axis=1)).any()
    assert LogitAdjustment.from_config(LogitAdjustment(offsets).get_config()).offsets == offsets
    for bad in ([0.0, float("nan")], "up", [0.0, "x"]):
        with pytest.raises(ValueError, match="logit_adjustment must be a list of finite numbers"):
            LogitAdjustment(bad)


def test_builders_check_the_adjustment_against_their_classes_and_task():
    with pytest.raises(ValueError, match=r"one number per class \(3\)\. Received 2"):
        astrozoo.builders.mlp(["g", "r"], class_names=["a", "b", "c"], logit_adjustment=[0.0, 1.0])
    with pytest.raises(ValueError, match="a regressor has none"):
        astrozoo.builders.mlp(["g", "r"], task="regression", target_names=["z"], logit_adjustment=[1.0])
    model = astrozoo.builders.recurrent(class_names=["RRab", "RRc"], bands=["g"], units=[4],
                                        logit_adjustment=[0.0, -1.0])  # fmt: skip
    assert model.get_layer("logit_adjustment").offsets == [0.0, -1.0]


def _imbalanced(n, rng):
    """Two overlapping Gaussian classes, the second 20 times rarer."""
    y = (rng.random(n) < 1 / 21).astype(int)
    x = rng.normal(size=(n, 2)).astype("float32") + y[:, None] * 1.5
    return x, y


def test_undoing_the_class_weights_predicts_the_rare_class_less_often_and_more_precisely(tmp_path):
    rng = np.random.default_rng(3)
    (x, y), (x_held, y_held) = _imbalanced(4000, rng), _imbalanced(4000, rng)
    keras.utils.set_random_seed(0)
    model = astrozoo.builders.mlp(["g", "r"], class_names=["common", "rare"], hidden_units=[16],
                                  noise_stddev=0.0, adapt_data=x)  # fmt: skip
    weights = balanced_class_weights(y, 2)
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=15, batch_size=128, class_weight=weights, verbose=0)
    offsets = logit_adjustment_for(weights, 1.0)
    adjusted = adjust_logits(model, offsets)

    before = model.predict(x_held, verbose=0)
    after = adjusted.predict(x_held, verbose=0)
    np.testing.assert_allclose(after, _softmax(np.log(before) + offsets), atol=1e-4)
    called_rare_before, called_rare_after = before.argmax(1) == 1, after.argmax(1) == 1
    assert called_rare_before.mean() > 2 * (y_held == 1).mean()  # the weights made it over-predicted
    assert called_rare_after.sum() < called_rare_before.sum() / 2
    assert (y_held[called_rare_after] == 1).mean() > (y_held[called_rare_before] == 1).mean() + 0.2
    assert (after.argmax(1) == y_held).mean() > (before.argmax(1) == y_held).mean()

    folder = astrozoo.save(adjusted, tmp_path / "adjusted", name="adjusted")
    np.testing.assert_allclose(astrozoo.load(folder).predict(x_held, verbose=0), after, atol=1e-6)


def test_adjusting_twice_adds_the_offsets_and_a_temperature_stays_last():
    model = astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"], temperature=2.0)
    twice = adjust_logits(adjust_logits(model, [0.0, -1.0]), [0.5, -1.0])
    assert astrozoo.spec(twice).arguments["logit_adjustment"] == [0.5, -2.0]
    assert isinstance(twice.layers[-1], TemperatureScaling)
    with pytest.raises(ValueError, match=r"one number per class \(2: a, b\)\. Received 3"):
        adjust_logits(model, [0.0, 0.0, 1.0])
    regressor = astrozoo.builders.mlp(["g"], task="regression", target_names=["z"])
    with pytest.raises(ValueError, match="Only classifiers have logits to adjust"):
        adjust_logits(regressor, [1.0])


def test_undo_class_weights_is_a_fraction_and_needs_class_weights():
    with pytest.raises(ConfigError, match="undo_class_weights must be a fraction >= 0"):
        training_settings({"undo_class_weights": -0.5})
    x = np.zeros((8, 2), "float32")
    split = Split(x, np.array([0, 1] * 4), np.arange(8))
    model = astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"])
    with pytest.raises(ConfigError, match="trains without class weights, so there are none to undo"):
        fit_with(model, {"train": split, "validation": split}, 1, 0, {"undo_class_weights": 0.4})


def test_the_shipped_ogle_mlp_undoes_40_percent_of_its_training_class_weights(data_dir):
    """Its offsets are what the recipe computes from the training split, so `astrozoo train` rewrites them."""
    weights = balanced_class_weights(ogle3.load_splits(data_dir)["train"].y, len(ogle3.CLASSES), power=0.5)
    shipped = astrozoo.resolve_spec("ogle-mlp").arguments["logit_adjustment"]
    assert OGLE_WEIGHTING_UNDONE == 0.4
    np.testing.assert_allclose(shipped, logit_adjustment_for(weights, 0.4), rtol=1e-12)
    assert shipped[ogle3.CLASSES.index("RCB")] < shipped[ogle3.CLASSES.index("LPV")] - 1.5


def test_every_classifier_builder_takes_an_adjustment_and_an_ensemble_adjusts_its_average(tmp_path):
    cnn = astrozoo.builders.cnn(class_names=["FRI", "FRII"], image_size=(16, 16), filters=[4], dense_units=[],
                                logit_adjustment=[0.3, -0.3])  # fmt: skip
    resnet = astrozoo.builders.resnet_transfer(class_names=["ring", "non_ring"], image_size=(32, 32),
                                               compact_widths=[4], compact_blocks=[1],
                                               logit_adjustment=[0.0, 1.0])  # fmt: skip
    assert cnn.get_layer("logit_adjustment").offsets == [0.3, -0.3]
    assert resnet.get_layer("logit_adjustment").offsets == [0.0, 1.0]

    members = [astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"]) for _ in range(2)]
    ensemble = astrozoo.builders.ensemble_of(members)
    adjusted = adjust_logits(ensemble, [0.0, float(np.log(4.0))])
    x = np.random.default_rng(4).normal(size=(5, 2)).astype("float32")
    average = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    offsets = np.array([0.0, np.log(4.0)])
    np.testing.assert_allclose(adjusted.predict(x, verbose=0), _softmax(np.log(average) + offsets), atol=1e-5)
    folder = astrozoo.save(adjusted, tmp_path / "ensemble", name="ensemble")
    assert astrozoo.spec(astrozoo.load(folder)).arguments["logit_adjustment"] == [0.0, np.log(4.0)]
