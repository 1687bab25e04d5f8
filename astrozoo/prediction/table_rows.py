"""Prediction over catalogue tables, column-wise: each chunk of rows is checked and predicted as arrays."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import numpy as np

from astrozoo.errors import InputError, MissingColumnsError
from astrozoo.input_range import InputRangeWarning
from astrozoo.io.model_inputs import read_table_rows
from astrozoo.io.table_chunks import DEFAULT_CHUNK_ROWS, table_chunks
from astrozoo.io.tables import quoted_cell
from astrozoo.prediction.results import failed_input_table, result_table
from astrozoo.spec import ModelSpec

DEFAULT_TABLE_BATCH = 8192
"""Rows per forward pass of a table model: large batches amortize Keras's per-call cost (BENCHMARKS.md)."""


@dataclasses.dataclass(frozen=True)
class TableReading:
    """How `astrozoo.predict` reads table inputs.

    Attributes:
        model: the model, and its spec.
        keep_columns: input columns copied into the output.
        column_names: the input tables' name of each model column named otherwise.
        spread: the model's training values (`astrozoo.input_range.TrainingSpread`) or None.
        batch_size: rows per forward pass.
        chunk_rows: rows read and predicted at a time.
    """

    model: object
    model_spec: ModelSpec
    keep_columns: tuple[str, ...] = ()
    column_names: Mapping[str, str] = dataclasses.field(default_factory=dict)
    spread: object = None
    batch_size: int = DEFAULT_TABLE_BATCH
    chunk_rows: int = DEFAULT_CHUNK_ROWS

    @property
    def names(self) -> list[str]:
        """The model's columns as the input tables name them."""
        return [self.column_names.get(c, c) for c in self.model_spec.input.columns]


def check_column_names(columns: Mapping[str, str] | None, model_spec: ModelSpec) -> dict[str, str]:
    """Checks predict's ``columns``: each key must be a column the model reads."""
    columns = dict(columns or {})
    if columns and model_spec.input.kind != "table":
        raise InputError(
            f"columns names the input tables' columns; this model reads {model_spec.input.kind} inputs. "
            f"Received: {columns}"
        )
    unknown = sorted(set(columns) - set(model_spec.input.columns))
    if unknown:
        raise InputError(
            f"columns maps {unknown}, which this model does not read; its columns are "
            f"{list(model_spec.input.columns)}. Expected {{model column: the tables' name for it}}."
        )
    return columns


def predict_table(table_or_path, reading: TableReading) -> Iterator:
    """Result chunks for every row of an `astropy.table.Table` or a table file, in order.

    A file that cannot be read, or lacks a column, gets one error row (whatever its reader
    raised: an `InputError`'s message, else the exception's type and message); a Table raises.

    Raises:
        InputError: an in-memory table lacks a model column or a kept column.
    """
    in_memory = hasattr(table_or_path, "colnames")
    source, done = ("table" if in_memory else str(table_or_path)), 0
    chunks = (
        [table_or_path]
        if in_memory
        else table_chunks(table_or_path, reading.names, reading.keep_columns, reading.chunk_rows)
    )
    try:
        for chunk in chunks:
            result = _predict_rows(chunk, source, reading)
            done += len(result)
            yield result
    except Exception as err:  # a file's failure, whatever its reader raised, is its error row
        if isinstance(err, MissingColumnsError):
            err = _with_columns_hint(
                err, dict(zip(reading.names, reading.model_spec.input.columns, strict=True))
            )
        if in_memory:
            raise err from None
        text = str(err) if isinstance(err, InputError) else f"{type(err).__name__}: {err}"
        message = text if not done else f"rows from {done} on could not be read: {text}"
        yield failed_input_table(reading.model_spec, source, message, reading.keep_columns)


def _predict_rows(table, source: str, reading: TableReading):
    """The result rows of one table (or chunk of one, whose ``meta["first_row"]`` numbers its rows)."""
    expected = reading.model_spec.input
    names = reading.names
    read = read_table_rows(table, names, expected.missing_value, source)
    rows, unreadable = read.values, read.unreadable
    absent = [c for c in reading.keep_columns if c not in table.colnames]
    if absent:
        raise InputError(f"{source!r}: no column {absent} to keep (keep_columns); found {table.colnames}.")
    first = table.meta.get("first_row", 0)
    errors = np.full(len(rows), "", dtype=object)
    for i in np.flatnonzero(unreadable.any(axis=1)):
        cells = ", ".join(
            f"{c} = {quoted_cell(table[c][i])}" for c, bad in zip(names, unreadable[i], strict=True) if bad
        )
        errors[i] = f"{source}: row {first + i} holds text where numbers are expected ({cells})."
    for i in np.flatnonzero(np.isinf(rows).any(axis=1) & (errors == "")):  # e.g. 1e400, or too many digits
        huge = [c for c, v in zip(names, rows[i], strict=True) if np.isinf(v)]
        errors[i] = f"{source}: row {first + i} holds values that are not finite numbers in columns {huge}."
    if expected.missing_value is None:
        for i in np.flatnonzero(~np.isfinite(rows).all(axis=1) & (errors == "")):
            empty = [c for c, v in zip(names, rows[i], strict=True) if not np.isfinite(v)]
            errors[i] = f"{source}: row {first + i} has no value in columns {empty}."
    ok = errors == ""
    outputs = np.full((len(rows), len(reading.model_spec.output_names)), np.nan)
    outputs[ok] = predict_arrays(reading.model, rows[ok], reading.batch_size, errors, np.flatnonzero(ok))
    sources = np.char.add(f"{source}:", np.arange(first, first + len(rows)).astype(str))
    warnings = far_row_warnings(rows, errors == "", reading.spread, expected.missing_value)
    kept = {name: table[name] for name in reading.keep_columns}
    return result_table(reading.model_spec, sources, outputs, errors, warnings, kept)


def predict_arrays(
    model, arrays: np.ndarray, batch_size: int, errors: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """The model's outputs for ``arrays`` in batches; a batch the model fails on gets an error in
    ``errors`` at its ``rows`` (and NaN outputs) instead of stopping the run."""
    outputs = []
    for start in range(0, len(arrays), batch_size):
        batch = arrays[start : start + batch_size].astype(np.float32, copy=False)
        try:
            outputs.append(np.asarray(model.predict_on_batch(batch), dtype=np.float64))
        except Exception as err:  # noqa: BLE001 (report and go on: a batch job never dies)
            errors[rows[start : start + batch_size]] = (
                f"model failed on this input: {type(err).__name__}: {err}"
            )
            outputs.append(np.full((len(batch), _width(model)), np.nan))
    return np.concatenate(outputs) if outputs else np.zeros((0, _width(model)))


def _width(model) -> int:
    return int(model.outputs[0].shape[-1])


def far_row_warnings(rows: np.ndarray, ok: np.ndarray, spread, missing_value) -> np.ndarray:
    """Each row's warning about values far outside the model's training values ("" for none).

    The test runs on all rows at once, as a catalogue may have hundreds of thousands of them.
    """
    warnings = np.full(len(rows), "", dtype=object)
    if spread is None or not len(rows):
        return warnings
    for i in np.flatnonzero(spread.outside(rows, missing_value).any(axis=1) & ok):
        warnings[i] = f"{InputRangeWarning.__name__}: {spread.describe(rows[i], missing_value)}"
    return warnings


def _with_columns_hint(err: MissingColumnsError, model_column: dict[str, str]) -> MissingColumnsError:
    """``err``, telling how to read the columns it found in another letter case with ``columns=``.

    Args:
        err: raised by `astrozoo.io.read_table_rows` for the table's names of the model's columns.
        model_column: the model's column for each of those table names.
    """
    if not err.other_case:
        return err
    pairs = {model_column[name]: found for name, found in err.other_case.items()}
    flag = ",".join(f"{c}={n}" for c, n in pairs.items())
    return MissingColumnsError(
        f"{err} Or read them as they are: astrozoo predict --columns {flag} (columns={pairs!r} in Python).",
        err.missing,
        err.other_case,
    )
