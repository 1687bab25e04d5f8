"""LSTM and GRU networks for variable-length, multi-band light curves."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from astrozoo.builders.registry import (
    adjusted_probabilities,
    dense_stack,
    output_head,
    register_builder,
)
from astrozoo.layers import LightCurvePreprocessing
from astrozoo.spec import InputSpec

CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def _input_spec(args: dict) -> InputSpec:
    bands = list(args["bands"])
    info = args.get("input_info") or {}
    folded = args.get("period_search") is not None
    return InputSpec(
        kind="lightcurve",
        shape=(None, 3 + len(bands) + int(folded)),
        columns=("phase" if folded else "time", "value", "error", *(f"band_{b}" for b in bands))
        + (("log10_period",) if folded else ()),
        bands=bands,
        units=info.get("units", "mag"),
        period_search=args.get("period_search"),
    )


@register_builder("recurrent", input_spec=_input_spec)
def recurrent(
    class_names: Sequence[str] | None = None,
    bands: Sequence[str] = ("g",),
    cell: str = "gru",
    units: Sequence[int] = (64, 64),
    bidirectional: bool = False,
    dropout: float = 0.1,
    dense_units: Sequence[int] = (),
    task: str = "classification",
    target_names: Sequence[str] | None = None,
    noise_stddev: float = 0.02,
    period_search: dict | None = None,
    append_scatter: bool = False,
    head_summary: bool = False,
    logit_adjustment: Sequence[float] | None = None,
    temperature: float = 1.0,
    input_info: dict | None = None,
) -> keras.Model:
    """Builds a stacked (optionally bidirectional) LSTM or GRU over light curves.

    Input: (batch, steps, 3 + len(bands)) padded with all-zero steps, channels
    ``time, value, error`` then a one-hot band code (see
    `astrozoo.io.lightcurve_to_sequence`). Inside the model: masking of the
    padding, per-band normalization (`LightCurvePreprocessing`), training-only
    Gaussian noise, the recurrent stack and the head.

    Args:
        class_names: classes of a classifier.
        bands: band names in one-hot order, e.g. ``["u", "g", "r", "i", "z"]``.
        cell: ``"lstm"`` or ``"gru"``.
        units: width of each recurrent layer; all but the last return sequences.
        bidirectional: wrap each recurrent layer in `keras.layers.Bidirectional`.
        dropout: dropout rate on recurrent layer inputs and before the output.
        dense_units: widths of Dense layers between the recurrent stack and output.
        task: ``"classification"`` or ``"regression"``.
        target_names: predicted quantities of a regressor.
        noise_stddev: training-only Gaussian noise on the normalized channels.
        period_search: read folded light curves: the settings of the period search
            (`astrozoo.io.period_search.find_period`) that `astrozoo predict` runs on
            each file, ``{"min_period", "max_period"}`` (days) and optionally a
            ``prior`` (`astrozoo.io.period_prior.PeriodPrior.to_config`).
            The input then has a phase channel first and log10(period) last.
        append_scatter: give the network each light curve's log10 scatter
            (its amplitude), which the per-curve normalization removes.
        head_summary: also give the head each preprocessed channel's mean over the
            light curve (for a folded curve this holds its log10 period and, with
            ``append_scatter``, its log10 scatter exactly), so a decision on period and
            amplitude (the Bailey diagram) need not pass through the recurrent state.
        logit_adjustment: one number per class, added to its log-probability before a final
            softmax (`astrozoo.layers.LogitAdjustment`): ``-tau * log(class_weight)`` undoes a
            fraction ``tau`` of the class weights used in training (see
            `astrozoo.training.logit_adjustment_for`); None: unchanged.
        temperature: divides the log-probabilities before a final softmax (temperature
            scaling, which `astrozoo.training.calibrate` fits on validation data); 1: unchanged.
        input_info: description of the input, e.g. ``{"units": "mag"}``.

    Returns:
        An uncompiled `keras.Model`.

    Example:
        >>> import numpy as np
        >>> model = recurrent(["RRab", "RRc"], bands=["g", "r"], cell="lstm", units=(8,))
        >>> model.predict(np.random.rand(2, 30, 5), verbose=0).shape
        (2, 2)
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be 'lstm' or 'gru'. Received: cell={cell!r}")
    if not units:
        raise ValueError(f"units needs at least one layer width. Received: units={units!r}")
    bands = list(bands)
    extra = int(period_search is not None)
    inputs = keras.Input(shape=(None, 3 + len(bands) + extra), name="lightcurve")
    x = keras.layers.Masking(mask_value=0.0, name="masking")(inputs)
    x = LightCurvePreprocessing(
        n_bands=len(bands), extra_channels=extra, append_scatter=append_scatter, name="preprocessing"
    )(x)
    summary = keras.layers.GlobalAveragePooling1D(name="summary")(x) if head_summary else None  # masked mean
    x = keras.layers.GaussianNoise(float(noise_stddev), name="augmentation")(x)
    for i, width in enumerate(units):
        layer = CELLS[cell](
            int(width),
            return_sequences=i < len(units) - 1,
            dropout=float(dropout),
            name=f"{cell}_{i}",
        )
        x = keras.layers.Bidirectional(layer, name=f"bidirectional_{i}")(x) if bidirectional else layer(x)
    if summary is not None:
        x = keras.layers.Concatenate(name="with_summary")([x, summary])
    x = dense_stack(x, dense_units, dropout, batch_norm=False, prefix="dense")
    if dropout:
        x = keras.layers.Dropout(float(dropout), name="head_dropout")(x)
    outputs = adjusted_probabilities(
        output_head(x, task, class_names, target_names), task, logit_adjustment, temperature
    )
    return keras.Model(inputs, outputs, name=f"recurrent_{cell}")
