"""`predict` and `predict_chunks`: what kind of input goes where, and the batch's warning summary."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence

import keras
import numpy as np

from astrozoo.errors import AstrozooError, InputError
from astrozoo.folders.loading import load
from astrozoo.input_range import training_spread
from astrozoo.io import find_inputs
from astrozoo.io.table_chunks import DEFAULT_CHUNK_ROWS
from astrozoo.io.table_writers import stack_chunks
from astrozoo.prediction.files import predict_files
from astrozoo.prediction.results import check_keep_columns, result_table
from astrozoo.prediction.table_rows import (
    DEFAULT_TABLE_BATCH,
    TableReading,
    check_column_names,
    far_row_warnings,
    predict_arrays,
    predict_table,
)
from astrozoo.prediction.warning_summary import WarningTally
from astrozoo.spec import ModelSpec, spec

DEFAULT_FILE_BATCH = 32
"""Images or light curves per forward pass."""


def predict(
    model_or_name,
    inputs,
    batch_size: int | None = None,
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
        batch_size: examples per forward pass; by default 8192 table rows or 32
            images or light curves.
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
    chunks = list(predict_chunks(model_or_name, inputs, batch_size, progress, keep_columns, columns))
    return stack_chunks(chunks)


def predict_chunks(
    model_or_name,
    inputs,
    batch_size: int | None = None,
    progress: bool = False,
    keep_columns: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator:
    """`predict`, a chunk of rows at a time: yields `astropy.table.Table` parts in input order.

    Table files are read ``chunk_rows`` rows at a time (CSV and Parquet streamed,
    see `astrozoo.io.table_chunks`), so memory does not grow with the catalogue;
    images and light curves are read one file ahead of the model in a thread.
    Stacked, the chunks are `predict`'s table. Arguments as `predict`'s.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> [len(c) for c in astrozoo.prediction.predict_chunks(model, np.zeros((3, 2)))]
        [3]
    """
    model = model_or_name if isinstance(model_or_name, keras.Model) else load(model_or_name)
    model_spec = spec(model)
    kind = model_spec.input.kind
    keep_columns = check_keep_columns(keep_columns, model_spec)
    column_names = check_column_names(columns, model_spec)
    spread = training_spread(model) if kind == "table" else None
    batch = batch_size or (DEFAULT_TABLE_BATCH if kind == "table" else DEFAULT_FILE_BATCH)
    in_memory = isinstance(inputs, np.ndarray) or hasattr(inputs, "colnames")
    if not in_memory:  # walk the folders once; the list serves the progress bar and the reading
        files = find_inputs(inputs, kind)
        if not files:
            raise InputError(f"No {kind} input found in {inputs!r}.")
        inputs = files
    # The row count is known up front except for table files, which hold any number of rows.
    bar = _progress_bar(progress, None if kind == "table" and not in_memory else len(inputs))
    tally = WarningTally()
    if isinstance(inputs, np.ndarray):
        parts = [_predict_array(model, model_spec, inputs, batch, spread)]
    elif kind == "table":
        reading = TableReading(model, model_spec, keep_columns, column_names, spread, batch, chunk_rows)
        parts = (
            part for table in ([inputs] if in_memory else inputs) for part in predict_table(table, reading)
        )
    elif in_memory:
        raise AstrozooError(f"A Table was given, but this model reads {kind} inputs.")
    else:
        parts = predict_files(model, model_spec, inputs, batch, read_ahead=2 * batch)
    for part in parts:
        tally.add(part)
        bar.update(len(part))
        yield part
    bar.close()
    tally.warn(stacklevel=3)


def _predict_array(model, model_spec: ModelSpec, arrays, batch_size: int, spread):
    """The result rows of a NumPy array of examples (``source`` is each one's index)."""
    arrays = np.asarray(arrays, dtype=np.float32)
    errors = np.full(len(arrays), "", dtype=object)
    outputs = predict_arrays(model, arrays, batch_size, errors, np.arange(len(arrays)))
    warned = far_row_warnings(arrays, errors == "", spread, model_spec.input.missing_value)
    sources = np.arange(len(arrays)).astype(str)
    return result_table(model_spec, sources, outputs, errors, warned, None, np.full(len(arrays), np.nan))


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
