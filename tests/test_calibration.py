"""Temperature scaling: the layer, the fit on validation data, and its place in the recipes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import astrozoo
from astrozoo.datasets import Split
from astrozoo.layers import TemperatureScaling
from astrozoo.training.calibration import calibrate, fit_temperature, temperature_log_loss


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_the_layer_divides_the_logits_by_the_temperature_and_keeps_the_predicted_class():
    logits = np.random.default_rng(0).normal(0, 3, (100, 4))
    scaled = TemperatureScaling(2.5)(_softmax(logits).astype("float32")).numpy()
    np.testing.assert_allclose(scaled, _softmax(logits / 2.5), atol=1e-5)
    assert (scaled.argmax(axis=1) == logits.argmax(axis=1)).all()
    assert TemperatureScaling.from_config(TemperatureScaling(2.5).get_config()).temperature == 2.5
    for bad in (0, -1.0, "warm", float("inf")):
        with pytest.raises(ValueError, match="temperature must be a positive, finite number"):
            TemperatureScaling(bad)


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (20000, 3))
    true_probabilities = _softmax(logits / 2.5)  # the model below is 2.5 times too sure
    labels = np.array([rng.choice(3, p=p) for p in true_probabilities])
    temperature = fit_temperature(_softmax(logits), labels)
    assert 2.35 < temperature < 2.65
    loss = temperature_log_loss(_softmax(logits), labels, temperature)
    assert loss < temperature_log_loss(_softmax(logits), labels, 1.0) - 0.1
    assert loss <= min(temperature_log_loss(_softmax(logits), labels, t) for t in (2.3, 2.7))


def test_fit_temperature_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match=r"Received: probabilities of shape \(3, 2\), 2 labels"):
        fit_temperature(np.full((3, 2), 0.5), [0, 1])


def _overconfident_mlp():
    """A small MLP overfitted to noisy labels, and held-out data from the same rule."""
    rng = np.random.default_rng(2)

    def data(n):
        x = rng.normal(size=(n, 2)).astype("float32")
        clean = (x[:, 0] + x[:, 1] > 0).astype(int)
        return Split(x, np.where(rng.random(n) < 0.25, 1 - clean, clean), np.arange(n))

    train, validation, test = data(200), data(400), data(400)
    keras.utils.set_random_seed(0)
    model = astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"], hidden_units=[64, 64], dropout=0.0,
                                  noise_stddev=0.0, adapt_data=train.x)  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(train.x, train.y, epochs=150, batch_size=200, verbose=0)
    return model, validation, test


def test_calibrate_softens_an_overconfident_model_on_held_out_data(tmp_path):
    model, validation, test = _overconfident_mlp()
    calibrated, temperature = calibrate(model, validation)
    before, after = (m.predict(test.x, verbose=0) for m in (model, calibrated))
    assert temperature > 1.2  # fitted on validation; judged below on test, which it never saw
    assert temperature_log_loss(after, test.y, 1.0) < temperature_log_loss(before, test.y, 1.0)
    assert (after.argmax(axis=1) == before.argmax(axis=1)).all()
    assert astrozoo.spec(calibrated).arguments["temperature"] == pytest.approx(temperature)

    folder = astrozoo.save(calibrated, tmp_path / "calibrated")  # the temperature travels in the config
    np.testing.assert_allclose(astrozoo.load(folder).predict(test.x, verbose=0), after, atol=1e-6)

    again, second = calibrate(calibrated, validation)  # already calibrated: nothing left to fit
    assert second == pytest.approx(1.0, abs=0.01)
    assert astrozoo.spec(again).arguments["temperature"] == pytest.approx(temperature * second)


def test_a_regressor_keeps_its_outputs():
    with pytest.raises(ValueError, match="a regressor must keep 1"):
        astrozoo.builders.mlp(["g"], task="regression", target_names=["z"], temperature=2.0)
    regressor = astrozoo.builders.mlp(["g"], task="regression", target_names=["z"])
    with pytest.raises(ValueError, match="Only classifiers can be temperature-scaled"):
        calibrate(regressor, Split(np.zeros((4, 1), "float32"), np.zeros(4), np.arange(4)))


def test_an_ensemble_and_an_image_model_carry_their_temperature():
    members = [astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"]) for _ in range(2)]
    ensemble = astrozoo.builders.ensemble_of(members)
    x = np.random.default_rng(3).normal(size=(5, 2)).astype("float32")
    hot = astrozoo.builders.build_from_config(
        "ensemble", {**astrozoo.spec(ensemble).arguments, "temperature": 3.0}
    )
    astrozoo.builders.copy_weights(ensemble, hot)
    expected = TemperatureScaling(3.0)(ensemble.predict(x, verbose=0)).numpy()
    np.testing.assert_allclose(hot.predict(x, verbose=0), expected, atol=1e-6)

    image_model = astrozoo.builders.cnn(["FRI", "FRII"], image_size=(16, 16), filters=(4,), dense_units=(4,),
                                        tta=True, temperature=0.5)  # fmt: skip
    assert [layer.name for layer in image_model.layers[-2:]] == ["tta_average", "temperature"]


def test_set_calibrate_temperature_scales_a_recipe_on_its_validation_split(data_dir, tmp_path, capsys):
    from astrozoo.cli import main

    common = ["--data", str(data_dir), "--epochs", "2", "--set", "hidden_units=[8]"]
    assert (
        main(["train", "sdss-mlp", *common, "--set", "calibrate=true", "--output", str(tmp_path / "c")]) == 0
    )
    model = astrozoo.load(tmp_path / "c")
    assert astrozoo.spec(model).arguments["temperature"] != 1.0
    assert "temperature-scaled (temperature" in (tmp_path / "c" / "README.md").read_text()
    assert main(["train", "sdss-mlp", *common, "--output", str(tmp_path / "plain")]) == 0
    assert astrozoo.spec(astrozoo.load(tmp_path / "plain")).arguments["temperature"] == 1.0
    capsys.readouterr()
    assert main(["cv", "sdss-mlp", *common, "--set", "calibrate=1"]) == 1
    assert "--set calibrate must be true or false. Received: 1." in capsys.readouterr().err
