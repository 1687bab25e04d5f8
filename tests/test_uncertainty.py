"""Monte Carlo dropout keeps everything but dropout in inference mode."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TINY_CONFIGS, example_input

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.uncertainty import mc_dropout_model, mc_dropout_predict


@pytest.mark.parametrize("variant", ["cnn", "ensemble-of-cnn"])
def test_mc_dropout_varies_only_through_dropout(variant):
    model = build_from_config(*TINY_CONFIGS[variant][:2])  # dropout 0.5 in the head, tta=True
    x = example_input((3, 24, 24, 1))
    reference = model.predict(x, verbose=0)
    mean, std = mc_dropout_predict(model, x, samples=12)
    assert mean.shape == std.shape == reference.shape
    assert (std > 0).any()
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(x, verbose=0), reference)  # the original is untouched
    stochastic = mc_dropout_model(model)
    assert astrozoo.spec(stochastic).class_names == ("FRI", "FRII")


def test_without_dropout_mc_dropout_is_deterministic():
    x = example_input((4, 3))
    # Normalization adapted to data far from its defaults: the copy must keep that adaptation.
    arguments = {**TINY_CONFIGS["mlp-regressor"][1], "dropout": 0.0, "adapt_data": x * 10 + 50}
    model = build_from_config("mlp", arguments)
    mean, std = mc_dropout_predict(model, x, samples=5)
    np.testing.assert_allclose(std, 0.0, atol=1e-7)
    np.testing.assert_allclose(mean, model.predict(x, verbose=0), rtol=1e-5)
