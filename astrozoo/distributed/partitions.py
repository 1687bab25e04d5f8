"""What one task does: `astrozoo.predict` on one partition, its rows renamed for the whole collection."""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from astrozoo.distributed.schema import table_to_frame
from astrozoo.distributed.worker import worker_model

_TABLE_ROW = re.compile(r"^table: row (\d+) ")
"""How `astrozoo.predict` starts the error of an in-memory table's row: renamed after the frame's index."""


@dataclasses.dataclass(frozen=True)
class Prediction:
    """What every task of one distributed prediction shares: the model and how to read its inputs.

    Attributes:
        ref: the model's reference (`astrozoo.distributed.schema.model_reference`).
        keep_columns: input columns copied into the output (tables).
        columns: the inputs' name of each model column they name otherwise (tables).
        batch_size: examples per forward pass; None for `astrozoo.predict`'s default.
        embedding: run `astrozoo.embed` (each input's vector) instead of `astrozoo.predict`.
    """

    ref: str
    keep_columns: tuple[str, ...] = ()
    columns: Mapping[str, str] = dataclasses.field(default_factory=dict)
    batch_size: int | None = None
    embedding: bool = False

    def run(self, inputs):
        """`astrozoo.predict` (or `astrozoo.embed`) on ``inputs`` with this process's copy of the model.

        The batch's Python warnings are dropped: each row's ``warning`` column holds them.
        """
        import astrozoo  # noqa: PLC0415

        options = {"keep_columns": self.keep_columns, "columns": dict(self.columns)}
        if self.batch_size is not None:
            options["batch_size"] = self.batch_size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = astrozoo.embed if self.embedding else astrozoo.predict
            return run(worker_model(self.ref), inputs, **options)


def predict_frame(frame: pd.DataFrame, prediction: Prediction, inputs: Sequence[str], meta: pd.DataFrame):
    """The predictions of a partition of a table, indexed as it is; ``source`` is the row's index value.

    A row that `astrozoo.predict` cannot take gets an ``error``; it never fails the partition.

    Args:
        frame: the partition.
        prediction: the model and options.
        inputs: the partition's columns that the model reads, as the partition names them.
        meta: the output's empty frame (`astrozoo.distributed.schema.output_meta`).
    """
    if not len(frame):
        return meta.set_axis(frame.index[:0])
    needed = list(dict.fromkeys([*inputs, *prediction.keep_columns]))
    kept = frame[list(prediction.keep_columns)]
    try:
        table = prediction.run(_astropy_table(frame[needed]))
    except Exception:  # a row astropy or predict cannot take: found by predicting the rows alone
        if len(frame) == 1:
            raise
        return pd.concat(
            [_predict_row(frame.iloc[i : i + 1], prediction, inputs, meta) for i in range(len(frame))]
        )
    result = table_to_frame(table, meta, index=frame.index, kept=kept)
    result["source"] = [str(value) for value in frame.index]
    errors = zip(frame.index, result["error"], strict=True)
    result["error"] = [_TABLE_ROW.sub(lambda _, v=value: f"row {v} ", text) for value, text in errors]
    return result.astype(meta.dtypes.to_dict())


def _predict_row(row: pd.DataFrame, prediction: Prediction, inputs: Sequence[str], meta: pd.DataFrame):
    try:
        return predict_frame(row, prediction, inputs, meta)
    except Exception as err:  # noqa: BLE001 (a batch job never dies)
        result = meta.set_axis(row.index[:0]).reindex(row.index)
        result["source"] = str(row.index[0])
        for name in prediction.keep_columns:
            result[name] = row[name].to_numpy()
        result["label"], result["warning"] = "", ""
        result["error"] = f"row {row.index[0]}: {type(err).__name__}: {err}"
        return result.astype(meta.dtypes.to_dict())


def predict_paths(paths: Sequence[str], prediction: Prediction):
    """`astrozoo.predict`'s table for a list of files (folders already expanded), in their order."""
    return prediction.run(list(paths))


def predict_file_partition(paths: Sequence[str], start: int, prediction: Prediction, meta: pd.DataFrame):
    """The predictions of a list of image or light-curve files as a frame typed as ``meta``.

    Args:
        paths: files in output order, one output row each.
        start: the position of ``paths[0]`` among all files: the first row's index.
        prediction: the model and options.
        meta: the output's empty frame (`astrozoo.distributed.schema.output_meta`).
    """
    table = predict_paths(paths, prediction)
    return table_to_frame(table, meta, index=pd.RangeIndex(start, start + len(table)))


def _astropy_table(frame: pd.DataFrame):
    from astropy.table import Table  # noqa: PLC0415

    return Table.from_pandas(pd.DataFrame(frame).reset_index(drop=True))
