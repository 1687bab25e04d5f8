"""The machinery every recipe shares: the `Recipe` declaration, and how it is prepared, built and trained."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable

import keras

from astrozoo import builders
from astrozoo.datasets import Split
from astrozoo.errors import ConfigError
from astrozoo.training.calibration import calibrate
from astrozoo.training.fitting import TRAINING_SETTINGS, fit, refit, training_settings
from astrozoo.training.logit_adjustment import adjust_logits, logit_adjustment_for


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one zoo model is trained.

    Attributes:
        name: the zoo name.
        dataset: the `astrozoo.datasets` module it is trained on.
        build_and_fit: ``(splits, epochs, verbose, overrides) -> model``; uses the
            train and validation splits only. ``overrides`` replace the recipe's
            builder arguments (see `build_with`) and training settings (see `fit_with`).
        epochs: default maximum number of epochs (early stopping usually ends sooner).
        description: one line for the model card and `astrozoo list`.
        limitations: known limitations for the model card.
        headline: the test metric `astrozoo list` shows.
        prepare: ``(splits, overrides) -> splits``: turns the dataset's splits (e.g.
            file paths) into model inputs, exactly as `astrozoo predict` would read
            those files.
        members: how many models `build_and_fit` trains one after another; more
            than one are averaged into a deep ensemble (`astrozoo.builders.ensemble_of`).
        calibrate: temperature-scale the trained model on the validation split
            (`astrozoo.training.calibrate`); ``--set calibrate=false`` turns it off.
        baselines: optional ``(model, splits, epochs, verbose) -> {label: model}``
            training comparison models on the same split (e.g. the same
            architecture from scratch) for the model card; `astrozoo train` runs
            it, `astrozoo cv` does not.
        fit_arguments: optional ``(raw training split) -> builder arguments``
            learnt from the training data before ``prepare`` (rrlyrae's period
            prior, from the training stars' catalogue periods). They reach
            ``prepare`` and ``build_and_fit`` as overrides, beneath the user's
            own; `astrozoo cv` fits them again inside every fold (see `prepared`).
    """

    name: str
    dataset: object
    build_and_fit: Callable[[dict[str, Split], int, int, dict | None], keras.Model]
    epochs: int
    description: str
    limitations: tuple[str, ...] = ()
    headline: str = "accuracy"
    prepare: Callable[[dict[str, Split], dict | None], dict[str, Split]] | None = None
    members: int = 1
    calibrate: bool = False
    baselines: Callable[[keras.Model, dict[str, Split], int, int], dict[str, keras.Model]] | None = None
    fit_arguments: Callable[[Split], dict] | None = None


def prepared(recipe: Recipe, splits: dict[str, Split], overrides: dict | None = None) -> tuple[dict, dict]:
    """Turns a dataset's splits into model inputs, fitting first what the recipe learns from ``"train"``.

    Args:
        recipe: the zoo recipe.
        splits: raw splits (e.g. file paths), with a ``"train"`` one.
        overrides: ``--set`` values; they win over the fitted arguments.

    Returns:
        ``(splits, overrides)``: the prepared splits, and the overrides that
        ``build_and_fit`` takes (the recipe's `Recipe.fit_arguments` beneath the user's).
    """
    fitted = recipe.fit_arguments(splits["train"]) if recipe.fit_arguments is not None else {}
    overrides = {**fitted, **(overrides or {})}
    return (recipe.prepare(splits, overrides) if recipe.prepare is not None else splits), overrides


def build_with(builder: Callable[..., keras.Model], arguments: dict, overrides: dict | None) -> keras.Model:
    """Calls ``builder`` with a recipe's ``arguments``, replaced by ``overrides`` where given.

    This is how `astrozoo train NAME --set KEY=VALUE` and `astrozoo cv NAME --set
    KEY=VALUE` try a variant of a recipe (another width, augmentation, crop...)
    without editing it. Overrides that are training settings (`TRAINING_SETTINGS`:
    learning rate, batch size, ...) are left to `fit_with`.

    Raises:
        ConfigError: an override names an argument the builder does not have, or
            the builder refuses its value.

    Example:
        >>> from astrozoo import builders
        >>> from astrozoo import spec
        >>> model = build_with(builders.mlp, {"features": ["u", "g"], "class_names": ["a", "b"]},
        ...                    {"hidden_units": [8]})
        >>> spec(model).arguments["hidden_units"], spec(model).arguments["class_names"]
        ([8], ['a', 'b'])
        >>> build_with(builders.mlp, {"features": ["u"]}, {"widht": 8})
        Traceback (most recent call last):
        ...
        astrozoo.errors.ConfigError: Builder 'mlp' has no argument 'widht' (from --set). Its arguments: ...
    """
    overrides = {key: value for key, value in (overrides or {}).items() if key not in TRAINING_SETTINGS}
    accepted = inspect.signature(builder).parameters
    for key in overrides:
        if key not in accepted:
            raise ConfigError(
                f"Builder {builder.__name__!r} has no argument {key!r} (from --set). "
                f"Its arguments: {', '.join(accepted)}; "
                f"the training settings: {', '.join(TRAINING_SETTINGS)}."
            )
    if not overrides:
        return builder(**arguments)
    try:
        return builder(**{**arguments, **overrides})
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"Builder {builder.__name__!r} refused the --set values {overrides}: {err}"
        ) from err


def fit_with(model: keras.Model, splits: dict[str, Split], epochs: int, verbose: int, overrides: dict | None,
             **recipe_settings) -> keras.Model:  # fmt: skip
    """`fit` on the train and validation splits with a recipe's settings, replaced by ``--set`` ones.

    ``astrozoo cv radio-cnn --set learning_rate=3e-4 --set schedule=cosine`` compares
    another learning rate and schedule with the recipe's (see
    `astrozoo.training.fitting.TRAINING_SETTINGS`). With ``undo_class_weights`` (a
    fraction), the trained model is rebuilt so that its decisions undo that fraction of
    the ``class_weight`` it was trained with (`logit_adjustment_for`). With ``refit``,
    a fresh network is then trained on train + validation for the epochs early
    stopping kept (`astrozoo.training.fitting.refit`); only this last stage of a
    recipe is refitted (rings-resnet's frozen-backbone stage before it is not).

    Returns:
        The trained model: ``model`` itself, or its logit-adjusted rebuild.

    Raises:
        ConfigError: ``undo_class_weights`` for a recipe that trains without class weights.
    """
    settings = training_settings(overrides, **recipe_settings)
    calibrated = settings.pop("calibrate", False)  # not a fit argument: fit_members calibrates after training
    undone = settings.pop("undo_class_weights", 0.0)
    refitted = settings.pop("refit", False)
    if undone and settings.get("class_weight") is None:
        raise ConfigError(
            f"--set undo_class_weights={undone}: this recipe trains without class weights, so there are "
            "none to undo."
        )
    schedule = settings.get("schedule", "plateau")
    if refitted and (calibrated or schedule != "plateau"):
        raise ConfigError(
            "--set refit=true trains on the validation split too, so it cannot then calibrate on it, and it "
            f"replays the plateau schedule's learning rates. Received: calibrate={calibrated}, "
            f"schedule={schedule!r}."
        )
    history = fit(model, splits["train"], splits["validation"], epochs, verbose=verbose, **settings)
    if refitted:
        model = refit(model, history, splits["train"], splits["validation"], verbose=verbose, **settings)
    if not undone:
        return model
    return adjust_logits(model, logit_adjustment_for(settings["class_weight"], undone))


def fit_members(
    recipe: Recipe,
    splits: dict[str, Split],
    epochs: int,
    verbose: int,
    members: int | None = None,
    overrides: dict | None = None,
):
    """Runs a recipe's ``build_and_fit`` ``members`` times (default: the recipe's ``members``).

    Each member gets its own initialization, shuffling and early stopping on
    validation (the random state simply moves on between members, so a seeded run
    is reproducible); several members are averaged with `astrozoo.builders.ensemble_of`.
    With the recipe's ``calibrate`` (or ``--set calibrate=true``), the model or
    ensemble is then temperature-scaled on the validation split.

    Returns:
        The model, or the ensemble of the members.
    """
    members = members or recipe.members
    models = [recipe.build_and_fit(splits, epochs, verbose, overrides) for _ in range(members)]
    model = models[0] if members == 1 else builders.ensemble_of(models)
    if training_settings(overrides, calibrate=recipe.calibrate)["calibrate"]:
        model, _ = calibrate(model, splits["validation"])
    return model
