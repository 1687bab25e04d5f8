"""Lazy Dask and LSDB collections of predictions: tables, lists of files, HATS catalogues."""

from __future__ import annotations

import copy
import sys
from collections.abc import Mapping, Sequence

import dask.dataframe as dd

from astrozoo.distributed.partitions import Prediction, predict_file_partition, predict_frame
from astrozoo.distributed.schema import model_reference, model_spec, output_meta
from astrozoo.errors import AstrozooError, InputError

LSDB_EXTRA = 'pip install "astrozoo[dask]" (LSDB needs Python 3.11 or later)'


def predict_dataframe(
    model,
    ddf: dd.DataFrame,
    columns: Mapping[str, str] | None = None,
    keep_columns: Sequence[str] = (),
    batch_size: int | None = None,
) -> dd.DataFrame:
    """A lazy Dask DataFrame of a table model's predictions for every row of ``ddf``.

    Each partition runs `astrozoo.predict` on its rows, on a worker holding its own copy of the
    model, so the values are those of a serial run. The output keeps ``ddf``'s index and divisions;
    its columns are `astrozoo.predict`'s for a table, with ``source`` holding each row's index value
    (``str``) and a row's error naming it by that value ("row 17 holds text where numbers are
    expected"). Bad rows (an empty or text cell) get an ``error``; they never fail a partition.

    Args:
        model: a zoo name, a model folder the workers can read, or ``hf://org/repo``.
        ddf: the table; it must hold the model's columns (see ``columns``) and ``keep_columns``.
        columns: ``ddf``'s name of each model column it names otherwise, e.g. ``{"u": "modelMag_u"}``.
        keep_columns: columns of ``ddf`` copied into the output after ``source``.
        batch_size: rows per forward pass; None for `astrozoo.predict`'s default.

    Returns:
        A lazy `dask.dataframe.DataFrame`; its types come from the model's spec (the model is never
        loaded on the client): text columns are pandas strings, numbers float64 (NaN on error rows).

    Example:
        >>> import pandas as pd, dask.dataframe as dd
        >>> rows = pd.DataFrame({"objid": [7], "u": [19.5], "g": [17.0], "r": [16.0], "i": [15.4], "z": [15]})
        >>> lazy = predict_dataframe("sdss-mlp", dd.from_pandas(rows, npartitions=1), keep_columns=["objid"])
        >>> list(lazy.columns)[:3], lazy.npartitions
        (['source', 'objid', 'label'], 1)
    """
    prediction, inputs = _table_prediction(model, ddf.columns, columns, keep_columns, batch_size)
    meta = output_meta(model_spec(prediction.ref), ddf._meta[list(prediction.keep_columns)], ddf._meta.index)
    return ddf.map_partitions(predict_frame, prediction, inputs, meta, meta=meta, align_dataframes=False)


def predict_files(model, paths, partition_size: int = 64, batch_size: int | None = None) -> dd.DataFrame:
    """A lazy Dask DataFrame of an image or light-curve model's predictions, one row per file.

    Folders are expanded as `astrozoo.predict` expands them; each partition runs `astrozoo.predict`
    on ``partition_size`` files. Rows keep the input order (the index is each file's position); a
    file that cannot be read gets an ``error`` row.

    Args:
        model: a zoo name, a model folder the workers can read, or ``hf://org/repo``.
        paths: files or folders the workers can read.
        partition_size: files per partition.
        batch_size: files per forward pass; None for `astrozoo.predict`'s default.

    Raises:
        InputError: no input file found, or a table model (use `predict_dataframe`).

    Example:
        >>> import astrozoo.demo_data as demo
        >>> lazy = predict_files("radio-cnn", demo.__path__[0], partition_size=2)
        >>> list(lazy.columns)
        ['source', 'label', 'p_FRI', 'p_FRII', 'error', 'warning']
    """
    from astrozoo.io import find_inputs  # noqa: PLC0415

    prediction = Prediction(model_reference(model), batch_size=batch_size)
    spec = model_spec(prediction.ref)
    if spec.input.kind == "table":
        raise InputError(
            "predict_files gives one row per image or light-curve file; this model reads tables, whose "
            "files hold many rows. Use predict_dataframe (e.g. on dd.read_parquet) or predict_catalog."
        )
    files = [str(path) for path in find_inputs(paths, spec.input.kind)]
    if not files:
        raise InputError(f"No {spec.input.kind} input found in {paths!r}.")
    if partition_size < 1:
        raise InputError(f"partition_size must be at least 1. Received: {partition_size}")
    starts = list(range(0, len(files), partition_size))
    meta = output_meta(spec)
    divisions = (*starts, len(files) - 1)
    return dd.from_map(
        predict_file_partition,
        [files[start : start + partition_size] for start in starts],
        starts,
        args=[prediction, meta],
        meta=meta,
        divisions=divisions,
        label="astrozoo-predict-files",
        enforce_metadata=False,
    )


def predict_catalog(
    model,
    catalog,
    columns: Mapping[str, str] | None = None,
    keep_columns: Sequence[str] = (),
    batch_size: int | None = None,
):
    """A lazy `lsdb.Catalog` of a table model's predictions for every object of ``catalog``.

    Each HATS partition is predicted as `predict_dataframe` predicts a partition. The output keeps
    the catalogue's spatial index and its ra and dec columns (after ``source``, before
    ``keep_columns``), so it can be written with ``write_catalog(path, resume=True)`` or
    cross-matched. The margin cache is dropped rather than predicted: its objects are the
    neighbouring partitions' own, predicted there (build a new margin from the output if a
    cross-match needs one).

    Args:
        model: a zoo name, a model folder the workers can read, or ``hf://org/repo``.
        catalog: an `lsdb.Catalog` holding the model's columns (see ``columns``).
        columns: the catalogue's name of each model column it names otherwise.
        keep_columns: more columns copied into the output, e.g. ``["objid"]``.
        batch_size: rows per forward pass; None for `astrozoo.predict`'s default.

    Raises:
        AstrozooError: lsdb is not installed or Python is older than 3.11.
    """
    lsdb = _import_lsdb()
    if not isinstance(catalog, lsdb.Catalog):
        raise InputError(f"Expected an lsdb.Catalog. Received: {type(catalog).__name__}")
    info = catalog.hc_structure.catalog_info
    keep = tuple(dict.fromkeys([info.ra_column, info.dec_column, *_as_tuple(keep_columns)]))
    prediction, inputs = _table_prediction(model, catalog.columns, columns, keep, batch_size)
    empty = catalog.to_dask_dataframe()._meta
    meta = output_meta(model_spec(prediction.ref), empty[list(keep)], empty.index)
    main = copy.copy(catalog)
    main.margin = None  # map_partitions would predict the margin's objects a second time
    return main.map_partitions(predict_frame, prediction, inputs, meta, meta=meta)


def _table_prediction(model, available, columns, keep_columns, batch_size) -> tuple[Prediction, list[str]]:
    """The tasks' shared settings, and the input's names of the model's columns, checked on the client."""
    prediction = Prediction(model_reference(model), _as_tuple(keep_columns), dict(columns or {}), batch_size)
    spec = model_spec(prediction.ref)
    if spec.input.kind != "table":
        raise InputError(
            f"This model reads {spec.input.kind} inputs, not table rows. Use predict_files for files."
        )
    unknown = sorted(set(prediction.columns) - set(spec.input.columns))
    if unknown:
        raise InputError(f"columns maps {unknown}, which this model does not read; its columns are "
                         f"{list(spec.input.columns)}.")  # fmt: skip
    inputs = [prediction.columns.get(name, name) for name in spec.input.columns]
    missing = [name for name in [*inputs, *prediction.keep_columns] if name not in set(available)]
    if missing:
        raise InputError(f"The table has no column {missing}; it has {list(available)}.")
    return prediction, inputs


def _as_tuple(names) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


def _import_lsdb():
    if sys.version_info < (3, 11):
        raise AstrozooError(f"predict_catalog needs lsdb, which needs Python 3.11 or later: {LSDB_EXTRA}. "
                            f"Received: Python {sys.version.split()[0]}")  # fmt: skip
    try:
        import lsdb  # noqa: PLC0415
    except ImportError as err:
        raise AstrozooError(f"predict_catalog needs lsdb: {LSDB_EXTRA}. Received: {err}") from None
    return lsdb
