"""The output table of `astrozoo.predict`: its columns, built from arrays of a chunk of inputs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from astrozoo.errors import InputError
from astrozoo.spec import ModelSpec


@dataclasses.dataclass(frozen=True)
class VectorSpec(ModelSpec):
    """The spec of a model whose outputs form one vector per input (an encoder, `astrozoo.embed`).

    Its rows hold that vector in one column, ``column``, instead of a label and one column per
    output; ``target_names`` name the vector's components (and give its length).

    Attributes:
        column: the name of the vector column.
        spread_as: the prefix of the vector's components where a table holds one number a column
            (CSV): ``<spread_as>_0``, ``<spread_as>_1``...
    """

    column: str = "embedding"
    spread_as: str = "e"


def output_columns(model_spec: ModelSpec, keep_columns: Sequence[str] = ()) -> list[str]:
    """The column names of `astrozoo.predict`'s output for a model, in order.

    Example:
        >>> from astrozoo.spec import InputSpec, ModelSpec
        >>> table = InputSpec("table", (2,), columns=("g", "r"))
        >>> spec = ModelSpec("mlp", {}, "classification", table, class_names=("STAR", "QSO"))
        >>> output_columns(spec, ["objid"])
        ['source', 'objid', 'label', 'p_STAR', 'p_QSO', 'error', 'warning']
    """
    names = ["source", *keep_columns, "label"]
    if isinstance(model_spec, VectorSpec):
        names[-1] = model_spec.column
    elif model_spec.task == "classification":
        names += [f"p_{name}" for name in model_spec.class_names]
    else:
        names += [
            "prediction" if j == 0 else f"prediction_{n}" for j, n in enumerate(model_spec.target_names)
        ]
    if model_spec.input.period_search:
        names.append("period")
    return [*names, "error", "warning"]


def check_keep_columns(keep_columns: Sequence[str], model_spec: ModelSpec) -> tuple[str, ...]:
    """``keep_columns`` as a tuple; refused for a model that reads no tables, or a name an output has."""
    keep_columns = (keep_columns,) if isinstance(keep_columns, str) else tuple(keep_columns)
    if keep_columns and model_spec.input.kind != "table":
        raise InputError(
            f"keep_columns copies columns of input tables; this model reads {model_spec.input.kind} "
            f"inputs, whose rows are named by their file in 'source'. Received: {list(keep_columns)}"
        )
    clashes = sorted(set(output_columns(model_spec)).intersection(keep_columns))
    if clashes:
        raise InputError(f"keep_columns {clashes} would replace output columns of the same name.")
    return keep_columns


def result_table(
    model_spec: ModelSpec,
    sources,
    outputs: np.ndarray,
    errors: np.ndarray,
    warnings: np.ndarray,
    kept: Mapping[str, object] | None = None,
    periods: np.ndarray | None = None,
):
    """The output rows of a chunk of inputs as an `astropy.table.Table`.

    Args:
        model_spec: the model's spec.
        sources: each row's ``source``.
        outputs: the model's outputs, (rows, outputs); rows that failed are ignored.
        errors: each row's error ("" for none); a row with an error has no outputs.
        warnings: each row's warnings ("" for none).
        kept: the ``keep_columns``, name -> column of the same length.
        periods: days, for a model that folds light curves.
    """
    from astropy.table import MaskedColumn, Table  # noqa: PLC0415

    failed = np.asarray(errors, dtype=str) != ""
    table = Table()
    table["source"] = np.asarray(sources, dtype=str)
    for name, column in (kept or {}).items():
        table[name] = column
    if isinstance(model_spec, VectorSpec):
        table[model_spec.column] = _vector_column(model_spec, outputs, failed)
    elif model_spec.task == "classification":
        names = np.asarray(model_spec.class_names)
        best = np.argmax(np.nan_to_num(outputs, nan=-1.0), axis=1) if len(failed) else np.zeros(0, int)
        table["label"] = np.where(failed, "", names[best])
        for j, name in enumerate(model_spec.class_names):
            table[f"p_{name}"] = MaskedColumn(outputs[:, j], mask=failed)
    else:
        values = np.char.mod("%.6g", outputs[:, 0]) if len(failed) else np.zeros(0, str)
        table["label"] = np.where(failed, "", values)
        for j, name in enumerate(model_spec.target_names):
            table["prediction" if j == 0 else f"prediction_{name}"] = MaskedColumn(outputs[:, j], mask=failed)
    if model_spec.input.period_search:
        table["period"] = MaskedColumn(periods, mask=failed, unit="d")
    table["error"] = np.asarray(errors, dtype=str)
    table["warning"] = np.asarray(warnings, dtype=str)
    table.meta["model"] = model_spec.name or model_spec.builder
    return table


def _vector_column(model_spec: VectorSpec, outputs: np.ndarray, failed: np.ndarray):
    """The (rows, length) float32 column of a `VectorSpec` model's outputs, a failed row masked whole."""
    from astropy.table import MaskedColumn  # noqa: PLC0415

    mask = np.repeat(failed[:, None], outputs.shape[1], axis=1)
    column = MaskedColumn(outputs.astype(np.float32), mask=mask)
    column.meta["spread_as"] = model_spec.spread_as
    return column


def failed_input_table(model_spec: ModelSpec, source: str, error: str, keep_columns: Sequence[str] = ()):
    """The one row of an input that could not be read at all (its kept columns masked)."""
    from astropy.table import MaskedColumn  # noqa: PLC0415

    width = len(model_spec.output_names)
    kept = {name: MaskedColumn([0.0], mask=[True]) for name in keep_columns}
    return result_table(
        model_spec,
        [source],
        np.full((1, width), np.nan),
        np.array([error]),
        np.array([""]),
        kept,
        np.array([np.nan]),
    )
