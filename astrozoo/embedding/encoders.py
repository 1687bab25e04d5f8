"""Encoders: an astrozoo model cut before its head, so that it outputs its representation of each input.

Each builder's representation is the vector its head reads:

- ``resnet_transfer``: the globally average-pooled backbone output (layer ``pool``), the features a
  new head receives when the model serves as a transfer backbone.
- ``cnn``, ``mlp`` and ``recurrent``: the input of the output layer (``predictions``): the last
  fully connected (hidden) layer, or for a recurrent model without dense layers its last recurrent
  state (with the channel means when ``head_summary``). Dropout before the head is idle at inference.
- ``ensemble``: its members' vectors side by side (members trained apart do not share a basis, so
  their vectors are concatenated, not averaged).

A model with test-time augmentation (``tta=True``) computes the vector of each of the 8 flips and
rotations its `astrozoo.layers.DihedralViews` stacks and averages them, as it averages its outputs.
"""

from __future__ import annotations

import keras

from astrozoo.errors import AstrozooError
from astrozoo.layers import DihedralAverage, DihedralViews
from astrozoo.prediction.results import VectorSpec
from astrozoo.spec import attach_spec, spec

FEATURE_LAYERS = {
    "resnet_transfer": "pool",
    "cnn": "predictions",
    "mlp": "predictions",
    "recurrent": "predictions",
}
"""Each builder's representation: the output of this layer (``pool``) or the input of the output layer."""


def encoder(model: keras.Model) -> keras.Model:
    """A model that outputs ``model``'s representation of each input (see the module's description).

    It shares ``model``'s layers and weights, takes the same input and carries a
    `astrozoo.prediction.results.VectorSpec`, so `astrozoo.predict` on it returns one vector a row.

    Raises:
        AstrozooError: a model whose builder has no known representation.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"], hidden_units=(16, 8))
        >>> encoder(model).predict(np.zeros((3, 2)), verbose=0).shape
        (3, 8)
    """
    model_spec = spec(model)
    encoding = _encoding(model, model_spec.builder, model_spec.arguments)
    width = int(encoding.outputs[0].shape[-1])
    fields = {field: getattr(model_spec, field) for field in model_spec.__dataclass_fields__}
    fields.update(task="regression", class_names=(), target_names=tuple(f"e_{i}" for i in range(width)))
    return attach_spec(encoding, VectorSpec(**fields))


def _encoding(model: keras.Model, builder: str, arguments: dict) -> keras.Model:
    """The Keras model from ``model``'s inputs to its representation (an ensemble's members have no spec
    of their own, so the builder and its arguments are passed down)."""
    features = _features(model, builder, arguments)
    if any(isinstance(layer, DihedralViews) for layer in model.layers):  # the same 8 views the model averages
        features = DihedralAverage(name="tta_average_features")(features)
    return keras.Model(model.inputs, features, name=f"{model.name}_encoder")


def _features(model: keras.Model, builder: str, arguments: dict):
    """The symbolic tensor of ``model``'s representation."""
    if builder == "ensemble":
        inputs = model.inputs[0]
        members = [layer for layer in model.layers if layer.name.startswith("member_")]
        member_builder, member_arguments = arguments["member_builder"], arguments["member_arguments"]
        vectors = [_encoding(member, member_builder, member_arguments)(inputs) for member in members]
        return keras.layers.Concatenate(name="members_features")(vectors)
    if builder not in FEATURE_LAYERS:
        raise AstrozooError(
            f"No representation is defined for models built by {builder!r}; expected one of "
            f"{sorted([*FEATURE_LAYERS, 'ensemble'])}."
        )
    layer = model.get_layer(FEATURE_LAYERS[builder])
    return layer.output if FEATURE_LAYERS[builder] == "pool" else layer.input
