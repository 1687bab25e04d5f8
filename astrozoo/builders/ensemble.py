"""Deep ensembles: several independently trained copies of one architecture, outputs averaged."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import keras

from astrozoo.builders.registry import (
    BUILDERS,
    INPUT_SPECS,
    adjusted_probabilities,
    build_from_config,
    copy_weights,
    register_builder,
)
from astrozoo.errors import ConfigError
from astrozoo.spec import spec
from astrozoo.zoo_model import functional

MIN_MEMBERS, MAX_MEMBERS = 2, 64  # a config asking for more is refused rather than filling memory


def _complete_member_arguments(args: dict) -> dict:
    """Checks the member builder and records every member argument, defaults included."""
    builder = args["member_builder"]
    if builder == "ensemble" or builder not in BUILDERS:
        raise ConfigError(
            f"An ensemble's members must come from one of {sorted(set(BUILDERS) - {'ensemble'})}. "
            f"Received: member_builder={builder!r}"
        )
    if not MIN_MEMBERS <= int(args["members"]) <= MAX_MEMBERS:
        raise ValueError(
            f"An ensemble needs {MIN_MEMBERS} to {MAX_MEMBERS} members. Received: members={args['members']!r}"
        )
    try:
        bound = inspect.signature(BUILDERS[builder]).bind(**args["member_arguments"])
    except TypeError as err:
        raise ConfigError(f"Member arguments do not fit builder {builder!r}: {err}") from err
    bound.apply_defaults()
    return {**args, "member_arguments": dict(bound.arguments)}


@register_builder(
    "ensemble",
    input_spec=lambda a: INPUT_SPECS[a["member_builder"]](a["member_arguments"]),
    resolve=_complete_member_arguments,
    nested=(("member_builder", "member_arguments"),),
    describe=lambda a: a["member_arguments"],
)
def ensemble(
    member_builder: str,
    member_arguments: dict,
    members: int = 5,
    logit_adjustment: Sequence[float] | None = None,
    temperature: float = 1.0,
) -> keras.Model:
    """Builds a deep ensemble: ``members`` copies of one architecture whose outputs are averaged.

    Each member is an astrozoo model (preprocessing, augmentation and test-time
    views included) nested as a layer named ``member_I``; the ensemble averages
    their class probabilities (or regression outputs). Members trained from
    different random initializations make different mistakes, so the average
    is often more accurate and better calibrated than one of them
    (Lakshminarayanan et al. 2017); whether it is for a given task is worth
    measuring (``astrozoo cv NAME --members N``). Train the members separately and combine
    them with `ensemble_of`; the ensemble saves, loads and publishes like any
    astrozoo model.

    Args:
        member_builder: name of the members' builder, e.g. ``"mlp"``.
        member_arguments: that builder's arguments (the members' recorded
            ``spec(model).arguments``).
        members: number of members (at least 2).
        logit_adjustment: offsets added to the averaged log-probabilities, one per class
            (see `astrozoo.training.adjust_logits`); None: unchanged.
        temperature: temperature scaling of the averaged probabilities (see
            `astrozoo.training.calibrate`); 1: unchanged.

    Returns:
        A `keras.Model` taking the members' input.

    Example:
        >>> model = ensemble("mlp", {"features": ["g", "r"], "class_names": ["STAR", "QSO"]}, members=3)
        >>> [layer.name for layer in model.layers[1:]]
        ['member_0', 'member_1', 'member_2', 'predictions']
    """
    copies = [build_from_config(member_builder, member_arguments) for _ in range(int(members))]
    inputs = [keras.Input(batch_shape=tensor.shape, dtype=tensor.dtype) for tensor in copies[0].inputs]
    outputs = []
    for i, member in enumerate(copies):
        nested = functional(member, name=f"member_{i}")  # a weights file addresses nested models by class
        outputs.append(nested(inputs if len(inputs) > 1 else inputs[0]))
    average = keras.layers.Average(name="predictions", dtype="float32")(outputs)
    average = adjusted_probabilities(average, spec(copies[0]).task, logit_adjustment, temperature)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], average, name=f"{member_builder}_ensemble")


def ensemble_of(models: Sequence[keras.Model]) -> keras.Model:
    """Combines trained astrozoo models of one architecture into an `ensemble`.

    Args:
        models: two or more models built with the same builder and arguments.

    Returns:
        The ensemble, holding a copy of each model's weights.

    Raises:
        ValueError: fewer than two models, or models of different architectures.

    Example:
        >>> import numpy as np
        >>> import astrozoo
        >>> members = [astrozoo.builders.mlp(["g", "r"], class_names=["a", "b"]) for _ in range(2)]
        >>> model = ensemble_of(members)
        >>> x = np.array([[18.0, 17.5]])
        >>> average = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
        >>> bool(np.allclose(model.predict(x, verbose=0), average))
        True
    """
    if len(models) < 2:
        raise ValueError(f"An ensemble needs at least 2 models. Received: {len(models)}")
    specs = [spec(model) for model in models]
    for i, other in enumerate(specs[1:], start=1):
        if (other.builder, other.arguments) != (specs[0].builder, specs[0].arguments):
            raise ValueError(
                f"Ensemble members must share one architecture: model {i} was built by {other.builder!r} "
                f"with arguments differing from model 0's ({specs[0].builder!r})."
            )
    combined = ensemble(specs[0].builder, specs[0].arguments, members=len(models))
    for i, model in enumerate(models):
        copy_weights(model, combined.get_layer(f"member_{i}"))
    return combined
