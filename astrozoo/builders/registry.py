"""The builder registry: names to builder functions, and rebuilding from JSON config."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import keras

from astrozoo.errors import ConfigError
from astrozoo.layers.calibration import LogitAdjustment, TemperatureScaling, check_offsets, check_temperature
from astrozoo.spec import InputSpec, ModelSpec, _jsonable, spec
from astrozoo.zoo_model import as_zoo_model

BUILDERS: dict[str, Callable[..., keras.Model]] = {}
INPUT_SPECS: dict[str, Callable[[dict], InputSpec]] = {}
TRANSIENT: dict[str, tuple[str, ...]] = {}
NESTED: dict[str, tuple[tuple[str, str], ...]] = {}


def register_builder(
    name: str,
    *,
    input_spec: Callable[[dict], InputSpec],
    transient: tuple[str, ...] = (),
    resolve: Callable[[dict], dict] | None = None,
    describe: Callable[[dict], dict] | None = None,
    nested: tuple[tuple[str, str], ...] = (),
):
    """Registers a builder and makes every model it returns a `ZooModel` carrying a `ModelSpec`.

    The wrapped function's arguments, bound and completed with defaults, are
    recorded as the spec's JSON ``arguments``; calling the builder again with them
    rebuilds the same architecture. ``transient`` arguments (training data used
    to adapt a layer, pretrained weights) are left out, since their effect is in
    the weights. ``resolve`` may rewrite the arguments before building (e.g. a zoo
    backbone name into its concrete architecture).

    Args:
        name: the builder's name in configs and the manifest.
        input_spec: function of the recorded arguments returning the model's InputSpec.
        transient: argument names that are not recorded.
        resolve: optional function rewriting the bound arguments before building.
        describe: optional function of the recorded arguments returning the
            arguments that hold ``task``, ``class_names`` and ``target_names``
            (default: the recorded arguments themselves).
        nested: ``(builder_argument, arguments_argument)`` pairs naming arguments
            that hold another builder's name and arguments (an ensemble's members).
    """

    def decorate(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def build(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            if resolve is not None:
                arguments = resolve(arguments)
            model = fn(**arguments)
            recorded = _jsonable({k: v for k, v in arguments.items() if k not in transient})
            described = describe(recorded) if describe is not None else recorded
            model_spec = ModelSpec(
                builder=name,
                arguments=recorded,
                task=described.get("task", "classification"),
                class_names=described.get("class_names") or (),
                target_names=described.get("target_names") or (),
                input=input_spec(recorded),
            )
            return as_zoo_model(model, model_spec)  # the spec travels in the Keras config

        BUILDERS[name] = build
        INPUT_SPECS[name] = input_spec
        TRANSIENT[name] = tuple(transient)
        NESTED[name] = tuple(nested)
        return build

    return decorate


def complete_arguments(builder: str | None, arguments: dict) -> dict:
    """Recorded ``arguments`` completed with the defaults of the builder's current signature.

    A model saved before an argument was added to its builder does not record
    it; the default is what rebuilds that model, so completed arguments are
    what to compare with a freshly built model's spec.

    Example:
        >>> args = complete_arguments("cnn", {"class_names": ["FRI", "FRII"]})
        >>> args["class_names"], args["equivariant"], "input_info" in args
        (['FRI', 'FRII'], False, True)
    """
    if builder not in BUILDERS:
        return dict(arguments)  # nothing to complete; the comparison will tell
    parameters = inspect.signature(BUILDERS[builder]).parameters
    missing = {
        key: parameter.default
        for key, parameter in parameters.items()
        if key not in arguments and key not in TRANSIENT[builder] and parameter.default is not parameter.empty
    }
    completed = {**arguments, **_jsonable(missing)}
    for inner_builder, inner_arguments in NESTED[builder]:  # e.g. an ensemble's member arguments
        completed[inner_arguments] = complete_arguments(
            completed.get(inner_builder), completed.get(inner_arguments) or {}
        )
    return completed


def build_from_config(builder: str, arguments: dict) -> keras.Model:
    """Rebuilds a model from a builder name and its recorded arguments.

    Only registered astrozoo builders can be named, so a config never makes
    astrozoo import or run anything else.

    Raises:
        ConfigError: the builder is unknown or the arguments do not fit it.

    Example:
        >>> model = build_from_config("mlp", {"features": ["g", "r"], "class_names": ["a", "b"]})
        >>> model.output_shape
        (None, 2)
    """
    if builder not in BUILDERS:
        raise ConfigError(
            f"Unknown builder {builder!r}: refusing to build it. Expected one of {sorted(BUILDERS)}."
        )
    if not isinstance(arguments, dict):
        raise ConfigError(f"Builder arguments must be a JSON object. Received: {arguments!r}")
    signature = inspect.signature(BUILDERS[builder])
    unknown = set(arguments) - set(signature.parameters)
    if unknown:
        raise ConfigError(
            f"Unknown arguments for builder {builder!r}: {sorted(unknown)}. "
            f"Expected among {sorted(signature.parameters)}."
        )
    try:
        return BUILDERS[builder](**arguments)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"Cannot build {builder!r} from its config: {err}") from err


def check_outputs(task: str, class_names, target_names) -> int:
    """Validates a builder's task arguments and returns the number of outputs."""
    if task == "classification":
        if not class_names or len(class_names) < 2:
            raise ValueError(
                f"A classifier needs at least two class_names. Received: class_names={class_names!r}"
            )
        if len(set(class_names)) != len(class_names):
            raise ValueError(f"class_names must be unique. Received: {class_names!r}")
        return len(class_names)
    if task == "regression":
        if not target_names:
            raise ValueError(f"A regressor needs target_names, e.g. ['redshift']. Received: {target_names!r}")
        return len(target_names)
    raise ValueError(f"task must be 'classification' or 'regression'. Received: task={task!r}")


def output_head(x, task: str, class_names, target_names):
    """Adds the final Dense layer: softmax over classes, or linear regression outputs."""
    n = check_outputs(task, class_names, target_names)
    activation = "softmax" if task == "classification" else None
    return keras.layers.Dense(n, activation=activation, name="predictions", dtype="float32")(x)


def logit_adjusted(outputs, task: str, adjustment=None):
    """``outputs`` followed by `LogitAdjustment`, unless ``adjustment`` is None (then unchanged).

    Raises:
        ValueError: a regressor given an adjustment, or one that is not one finite number per class.
    """
    if adjustment is None:
        return outputs
    if task != "classification":
        raise ValueError(
            f"logit_adjustment shifts class probabilities; a regressor has none. Received: {adjustment}"
        )
    offsets = check_offsets(adjustment, n_classes=outputs.shape[-1])
    return LogitAdjustment(offsets, name="logit_adjustment", dtype="float32")(outputs)


def adjusted_probabilities(outputs, task: str, logit_adjustment=None, temperature: float = 1.0):
    """A classifier's probabilities after its `logit_adjusted` offsets, then its `temperature_scaled` one.

    Regressors' outputs pass unchanged when neither is set.
    """
    return temperature_scaled(logit_adjusted(outputs, task, logit_adjustment), task, temperature)


def temperature_scaled(outputs, task: str, temperature: float = 1.0):
    """``outputs`` followed by `TemperatureScaling`, unless ``temperature`` is 1 (then unchanged).

    Raises:
        ValueError: a regressor given a temperature other than 1, or a temperature that is not positive.
    """
    temperature = check_temperature(temperature)
    if temperature == 1.0:
        return outputs
    if task != "classification":
        raise ValueError(
            f"temperature calibrates class probabilities; a regressor must keep 1. Received: {temperature}"
        )
    return TemperatureScaling(temperature, name="temperature", dtype="float32")(outputs)


def dense_stack(x, units, dropout: float, batch_norm: bool, activation: str = "relu", prefix="dense"):
    """Adds Dense [+ BatchNorm] + activation [+ Dropout] for each width in ``units``."""
    for i, width in enumerate(units):
        x = keras.layers.Dense(int(width), use_bias=not batch_norm, name=f"{prefix}_{i}")(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"{prefix}_{i}_bn")(x)
        x = keras.layers.Activation(activation, name=f"{prefix}_{i}_{activation}")(x)
        if dropout:
            x = keras.layers.Dropout(float(dropout), name=f"{prefix}_{i}_dropout")(x)
    return x


def rebuilt(model: keras.Model, **changes) -> keras.Model:
    """``model`` built again by its own builder, with ``changes`` to its arguments, holding its weights.

    The arguments changed must leave the weights' shapes alone (a temperature, logit
    offsets); ``rebuilt(model)`` alone is a fresh copy without optimizer state.
    """
    model_spec = spec(model)
    fresh = build_from_config(model_spec.builder, {**model_spec.arguments, **changes})
    copy_weights(model, fresh)
    return fresh


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copies all weights of ``source`` into ``target``, a model of the same architecture.

    Unlike a bare ``set_weights``, this also refreshes state that layers derive
    from their weights (an adapted `keras.layers.Normalization` keeps its mean and
    variance in tensors computed from its variables), as loading a weights file does.
    """
    target.set_weights(source.get_weights())
    pending = [target]
    while pending:
        layer = pending.pop()
        if hasattr(layer, "finalize_state"):  # keras.layers.Normalization and other adaptable layers
            layer.finalize_state()
        pending.extend(getattr(layer, "layers", []))
