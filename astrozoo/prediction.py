"""Batch prediction over files, folders, arrays and tables, one row per input object."""

from __future__ import annotations

import dataclasses
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence

import keras
import numpy as np

from astrozoo.errors import AstrozooError, InputError, MissingColumnsError
from astrozoo.input_range import InputRangeWarning, training_spread
from astrozoo.io import (
    FITSHeaderWarning,
    LightCurveInput,
    NoDataWarning,
    PixelScaleWarning,
    find_inputs,
    pad_sequences,
    read_model_input,
    read_table,
    read_table_rows,
)
from astrozoo.spec import ModelSpec, spec


@dataclasses.dataclass
class _Example:
    source: str
    array: np.ndarray | None = None
    error: str = ""
    warning: str = ""
    warning_category: type[Warning] | None = None  # of the first file warning, for the batch's summary
    output: np.ndarray | None = None
    period: float = np.nan  # days, for a model that folds light curves
    kept: tuple = ()  # the values of predict's keep_columns, for a table row


def predict(
    model_or_name,
    inputs,
    batch_size: int = 32,
    progress: bool = False,
    keep_columns: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
):
    """Runs a model on files, folders, an array or a table; one output row per object.

    Args:
        model_or_name: a `keras.Model` built by astrozoo, or anything `astrozoo.load` takes.
        inputs: a path or list of paths (files or folders: images, light curves or
            tables, as the model expects), a NumPy array of examples, or an
            `astropy.table.Table` (tabular models).
        batch_size: examples per forward pass.
        progress: show a progress bar on stderr.
        keep_columns: for a table model, input columns to copy into the output,
            after ``source`` (e.g. ``["objid", "ra", "dec"]``), so that each
            prediction sits beside its catalogue identifiers. A table file lacking
            one of them is reported in ``error``, as a missing feature is.
        columns: for a table model, the input tables' name of each model column
            they name otherwise, e.g. ``{"u": "modelMag_u", "g": "modelMag_g"}`` for a
            SkyServer query that kept SDSS's names; the other model columns are
            read by their own names.

    Returns:
        An `astropy.table.Table` in input order with columns ``source`` (path,
        ``path:row`` for table rows, or the index for arrays), the
        ``keep_columns``, ``label`` (class
        name, or the value for regressors), ``prediction`` (regressors),
        ``p_<class>`` (classifiers), ``period`` (days; models that fold light
        curves at the period they search, e.g. rrlyrae-gru), ``error`` (empty
        on success, else why the input was skipped) and ``warning`` (what was odd
        about a file that was read anyway: a non-standard FITS header, a pixel
        scale other than the model's; for a table row, a value far outside the
        model's training values, see `astrozoo.input_range`). A table row with
        an empty or text cell gets an ``error``; the file's other rows are
        still predicted. Bad inputs never stop the batch; the
        warnings of a batch come as one Python warning that counts them.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> result = astrozoo.predict(model, np.array([[18.0, 17.5], [19.0, 19.2]]))
        >>> result.colnames
        ['source', 'label', 'p_STAR', 'p_QSO', 'error', 'warning']
    """
    from astrozoo.loading import load  # noqa: PLC0415 (import cycle)

    model = model_or_name if isinstance(model_or_name, keras.Model) else load(model_or_name)
    model_spec = spec(model)
    keep_columns = _check_keep_columns(keep_columns, model_spec)
    reading = _TableReading(keep_columns, _column_names(columns, model_spec))
    examples: list[_Example] = []
    buckets: dict[tuple, list[_Example]] = {}
    kind = model_spec.input.kind
    in_memory = isinstance(inputs, np.ndarray) or hasattr(inputs, "colnames")
    if not in_memory:  # walk the folders once; the list serves the progress bar and the reading
        files = find_inputs(inputs, kind)
        if not files:
            raise InputError(f"No {kind} input found in {inputs!r}.")
        inputs = files
    # The row count is known up front except for table files, which hold any number of rows.
    bar = _progress_bar(progress, None if kind == "table" and not in_memory else len(inputs))
    spread = training_spread(model) if kind == "table" else None
    for example in _examples(inputs, model_spec, reading, spread):
        examples.append(example)
        if example.error:
            bar.update(1)
            continue
        key = example.array.shape if model_spec.input.kind == "image" else ()
        bucket = buckets.setdefault(key, [])
        bucket.append(example)
        if len(bucket) >= batch_size:
            _run(model, model_spec, buckets.pop(key))
            bar.update(len(bucket))
    for bucket in buckets.values():
        _run(model, model_spec, bucket)
        bar.update(len(bucket))
    bar.close()
    _summarize_warnings(examples)
    return _result_table(model_spec, examples, reading.keep_columns)


def _run(model, model_spec: ModelSpec, bucket: list[_Example]) -> None:
    """Predicts one batch, storing each example's output and freeing its input array."""
    if model_spec.input.kind == "lightcurve":
        batch = pad_sequences([e.array for e in bucket])
    else:
        batch = np.stack([e.array for e in bucket]).astype(np.float32)
    try:
        predicted = np.asarray(model.predict_on_batch(batch), dtype=np.float64)
    except Exception as err:  # noqa: BLE001 (report and go on: a batch job never dies)
        predicted = [None] * len(bucket)
        for example in bucket:
            example.error = f"model failed on this input: {type(err).__name__}: {err}"
    for example, row in zip(bucket, predicted, strict=True):
        example.output, example.array = row, None


def _warn_far_rows(examples: list[_Example], rows: np.ndarray, spread, missing_value) -> None:
    """Records in each row's ``warning`` its values far outside the model's training values.

    ``rows`` holds the examples' arrays; the test runs on all of them at once, as a catalogue may
    have hundreds of thousands of rows.
    """
    if spread is None or not len(rows):
        return
    for i in np.flatnonzero(spread.outside(rows, missing_value).any(axis=1)):
        example = examples[i]
        if not example.error:
            example.warning_category = example.warning_category or InputRangeWarning
            text = f"InputRangeWarning: {spread.describe(rows[i], missing_value)}"
            example.warning = "; ".join(filter(None, (example.warning, text)))


def _check_keep_columns(keep_columns: Sequence[str], model_spec: ModelSpec) -> tuple[str, ...]:
    keep_columns = (keep_columns,) if isinstance(keep_columns, str) else tuple(keep_columns)
    if keep_columns and model_spec.input.kind != "table":
        raise InputError(
            f"keep_columns copies columns of input tables; this model reads {model_spec.input.kind} "
            f"inputs, whose rows are named by their file in 'source'. Received: {list(keep_columns)}"
        )
    reserved = {"source", "label", "prediction", "period", "error", "warning"}
    reserved |= {f"p_{name}" for name in model_spec.class_names}
    reserved |= {f"prediction_{name}" for name in model_spec.target_names}
    clashes = sorted(reserved.intersection(keep_columns))
    if clashes:
        raise InputError(f"keep_columns {clashes} would replace output columns of the same name.")
    return keep_columns


@dataclasses.dataclass(frozen=True)
class _TableReading:
    """How `predict` reads table inputs: the columns it copies out, and the inputs' names of model columns."""

    keep_columns: tuple[str, ...] = ()
    column_names: Mapping[str, str] = dataclasses.field(default_factory=dict)


def _column_names(columns: Mapping[str, str] | None, model_spec: ModelSpec) -> dict[str, str]:
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


def _examples(inputs, model_spec: ModelSpec, reading: _TableReading, spread=None) -> Iterator[_Example]:
    """The examples of ``inputs``; ``spread`` (`astrozoo.input_range.TrainingSpread`) flags table rows."""
    from astropy.table import Table  # noqa: PLC0415

    kind = model_spec.input.kind
    if isinstance(inputs, np.ndarray):
        arrays = np.asarray(inputs, dtype=np.float32)
        examples = [_Example(str(i), array) for i, array in enumerate(arrays)]
        _warn_far_rows(
            examples, arrays if kind == "table" else arrays[:0], spread, model_spec.input.missing_value
        )
        yield from examples
        return
    if isinstance(inputs, Table):
        if kind != "table":
            raise AstrozooError(f"A Table was given, but this model reads {kind} inputs.")
        yield from _table_rows(inputs, model_spec, reading, spread)
        return
    for path in inputs:  # files, already expanded from folders by predict()
        source = os.fspath(path)
        if kind == "table":
            try:
                yield from _table_rows(path, model_spec, reading, spread)
            except InputError as err:
                yield _Example(source, error=str(err))
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                example = _read_one(path, model_spec)
            except InputError as err:
                example = _Example(source, error=str(err))
        file_warnings = _file_warnings(caught, source)
        if file_warnings:
            example.warning_category = file_warnings[0][0]
            example.warning = "; ".join(f"{category.__name__}: {text}" for category, text in file_warnings)
        yield example


_FILE_WARNINGS = (FITSHeaderWarning, PixelScaleWarning, NoDataWarning)
"""What `predict` records in a row's ``warning`` column instead of warning once per file."""


def _file_warnings(caught: list[warnings.WarningMessage], source: str) -> list[tuple[type[Warning], str]]:
    """The file warnings among ``caught`` as (category, message without the file name the row already
    has); any other warning is issued again as it was."""
    kept = []
    for record in caught:
        if issubclass(record.category, _FILE_WARNINGS):
            kept.append((record.category, str(record.message).removeprefix(f"{source!r}: ")))
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return kept


def _summarize_warnings(examples: list[_Example]) -> None:
    """One warning for a batch's file warnings, instead of one (or several lines) per file."""
    warned = [e for e in examples if e.warning]
    if not warned:
        return
    first = warned[0]
    warnings.warn(
        f"{len(warned)} of {len(examples)} inputs were read despite a problem (see the 'warning' column); "
        f"the first, {first.source}: {first.warning.removeprefix(first.warning_category.__name__ + ': ')}",
        first.warning_category,
        stacklevel=3,
    )


def _read_one(path, model_spec: ModelSpec) -> _Example:
    """The example of one image or light-curve file, with the period a folded light curve was folded at."""
    read = read_model_input(path, model_spec.input)
    if isinstance(read, LightCurveInput):
        period = np.nan if read.period is None else float(read.period.to_value("d"))
        return _Example(read.source, read.sequence, period=period)
    return _Example(read.source, read.pixels)


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


def _table_rows(table, model_spec: ModelSpec, reading: _TableReading, spread=None) -> Iterator[_Example]:
    """The examples of a table file's (or an `astropy.table.Table`'s) rows, one per row."""
    from astropy.table import Table  # noqa: PLC0415

    expected = model_spec.input
    source = "table" if isinstance(table, Table) else os.fspath(table)
    table = table if isinstance(table, Table) else read_table(table)
    names = [reading.column_names.get(c, c) for c in expected.columns]  # as the table names them
    try:
        read = read_table_rows(table, names, expected.missing_value, source)
    except MissingColumnsError as err:
        raise _with_columns_hint(err, dict(zip(names, expected.columns, strict=True))) from None
    rows, unreadable = read.values, read.unreadable
    absent = [c for c in reading.keep_columns if c not in table.colnames]
    if absent:
        raise InputError(f"{source!r}: no column {absent} to keep (keep_columns); found {table.colnames}.")
    kept = [table[c] for c in reading.keep_columns]
    examples = []
    for i, row in enumerate(rows):
        example = _Example(f"{source}:{i}", row, kept=tuple(column[i] for column in kept))
        bad = [c for c, v in zip(names, row, strict=True) if not np.isfinite(v)]
        if unreadable[i].any():
            flagged = [c for c, flag in zip(names, unreadable[i], strict=True) if flag]
            cells = ", ".join(f"{c} = {str(table[c][i]).strip()!r}" for c in flagged)
            example.error = f"{source}: row {i} holds text where numbers are expected ({cells})."
        elif bad and expected.missing_value is None:
            example.error = f"{source}: row {i} has no value in columns {bad}."
        examples.append(example)
    _warn_far_rows(examples, rows, spread, expected.missing_value)
    yield from examples


def _result_table(model_spec: ModelSpec, examples: list[_Example], keep_columns: tuple[str, ...] = ()):
    from astropy.table import MaskedColumn, Table  # noqa: PLC0415

    failed = np.array([bool(e.error) for e in examples], dtype=bool)
    outputs = np.full((len(examples), len(model_spec.output_names)), np.nan)
    for i, example in enumerate(examples):
        if not example.error:
            outputs[i] = example.output
    table = Table()
    table["source"] = [e.source for e in examples]
    for j, name in enumerate(keep_columns):  # a file that lacked the columns has no values: masked
        values = [e.kept[j] if e.kept else None for e in examples]
        filler = next((type(v)() for v in values if v is not None and v is not np.ma.masked), 0)
        missing = [v is None or v is np.ma.masked for v in values]
        table[name] = MaskedColumn([filler if m else v for v, m in zip(values, missing, strict=True)],
                                   mask=missing)  # fmt: skip
    if model_spec.task == "classification":
        names = np.asarray(model_spec.class_names)
        best = np.argmax(np.nan_to_num(outputs, nan=-1.0), axis=1) if len(examples) else []
        table["label"] = np.where(failed, "", names[best] if len(examples) else [])
        for j, name in enumerate(model_spec.class_names):
            table[f"p_{name}"] = MaskedColumn(outputs[:, j], mask=failed)
    else:
        table["label"] = [("" if bad else f"{row[0]:.6g}") for bad, row in zip(failed, outputs, strict=True)]
        for j, name in enumerate(model_spec.target_names):
            column = "prediction" if j == 0 else f"prediction_{name}"
            table[column] = MaskedColumn(outputs[:, j], mask=failed)
    if model_spec.input.period_search:
        table["period"] = MaskedColumn([e.period for e in examples], mask=failed, unit="d")
    table["error"] = [e.error for e in examples]
    table["warning"] = [e.warning for e in examples]
    table.meta["model"] = model_spec.name or model_spec.builder
    return table


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(enabled: bool, total: int | None = None):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm  # noqa: PLC0415

    return tqdm(total=total, file=sys.stderr, unit="input", desc="astrozoo predict")
