"""Undoing part of a classifier's training class weights: logit adjustment after training."""

from __future__ import annotations

import keras
import numpy as np

from astrozoo.builders.registry import rebuilt
from astrozoo.spec import spec


def logit_adjustment_for(class_weight: dict[int, float], fraction: float) -> list[float]:
    """Offsets that undo ``fraction`` of ``class_weight`` in a network's decisions.

    A network trained with class weights ``w`` learns probabilities that favour
    class ``k`` by a factor of about ``w[k]``. Adding ``-fraction * log(w[k])`` to
    its log-probabilities (`astrozoo.layers.LogitAdjustment`) removes that factor
    for ``fraction=1`` (the decisions then follow the training frequencies) and
    half of it, in log terms, for ``0.5``. Weighting helps a rare class to be
    learned at all; a partial adjustment afterwards trades some of its recall for
    precision, which is what a macro-F1 over very imbalanced classes rewards.

    Args:
        class_weight: ``{class index: weight}``, as `astrozoo.training.balanced_class_weights` gives.
        fraction: how much of the weighting to undo: 0 keeps the decisions, 1 undoes it.

    Returns:
        One offset per class, in class-index order.

    Example:
        >>> [round(v, 3) for v in logit_adjustment_for({0: 0.5, 1: 8.0}, 0.5)]
        [0.347, -1.04]
    """
    weights = np.array([class_weight[k] for k in range(len(class_weight))], dtype=float)
    if not np.all(weights > 0):
        raise ValueError(f"class weights must be positive to be undone. Received: {class_weight}")
    return [float(v) for v in -fraction * np.log(weights)]


def adjust_logits(model: keras.Model, offsets) -> keras.Model:
    """The same trained classifier, rebuilt with ``offsets`` added to its log-probabilities.

    The network's weights are copied into a model whose config carries the offsets
    (the builder's ``logit_adjustment``), so they save, load and publish with it. A
    model that already had offsets gets the sum, and a temperature stays applied
    after them.

    Raises:
        ValueError: ``model`` is a regressor, or ``offsets`` is not one number per class.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["common", "rare"])
        >>> adjusted = adjust_logits(model, [0.0, -1.0])
        >>> astrozoo.spec(adjusted).arguments["logit_adjustment"]
        [0.0, -1.0]
    """
    model_spec = spec(model)
    if model_spec.task != "classification":
        raise ValueError(f"Only classifiers have logits to adjust. Received a {model_spec.task} model.")
    before = model_spec.arguments.get("logit_adjustment") or [0.0] * len(model_spec.class_names)
    if len(offsets) != len(before):
        raise ValueError(
            f"offsets needs one number per class ({len(before)}: {', '.join(model_spec.class_names)}). "
            f"Received {len(offsets)}."
        )
    summed = [float(a) + float(b) for a, b in zip(before, offsets, strict=True)]
    return rebuilt(model, logit_adjustment=summed)
