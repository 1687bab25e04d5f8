"""Prediction over image and light-curve files: read ahead in a thread while the model runs."""

from __future__ import annotations

import collections
import dataclasses
import os
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io import (
    FITSHeaderWarning,
    LightCurveInput,
    NoDataWarning,
    PixelScaleWarning,
    pad_sequences,
    read_model_input,
)
from astrozoo.io.limits import LargeInputWarning
from astrozoo.prediction.results import result_table
from astrozoo.prediction.table_rows import predict_arrays
from astrozoo.spec import ModelSpec

FILES_PER_CHUNK = 1024
"""Files whose results are gathered into one output chunk."""

FILE_WARNINGS = (FITSHeaderWarning, PixelScaleWarning, NoDataWarning, LargeInputWarning)
"""What `predict` records in a row's ``warning`` column instead of warning once per file."""


@dataclasses.dataclass
class _Example:
    source: str
    array: np.ndarray | None = None
    error: str = ""
    warning: str = ""
    period: float = np.nan  # days, for a model that folds light curves


def predict_files(
    model, model_spec: ModelSpec, paths: Iterable, batch_size: int, read_ahead: int
) -> Iterator:
    """Result chunks for image or light-curve files, in input order.

    Files are read ``read_ahead`` ahead of the model in one background thread, so that
    decoding overlaps prediction; a file that cannot be read gets an error row, whatever
    the reader raised (an `InputError`'s message, else the exception's type and message;
    MemoryError included, since the other files may still fit).
    """
    chunk: list[_Example] = []
    for example in _read_ahead(paths, model_spec, read_ahead):
        chunk.append(example)
        if len(chunk) >= FILES_PER_CHUNK:
            yield _predict_examples(model, model_spec, chunk, batch_size)
            chunk = []
    if chunk:
        yield _predict_examples(model, model_spec, chunk, batch_size)


def _read_ahead(paths: Iterable, model_spec: ModelSpec, depth: int) -> Iterator[_Example]:
    """Each path's example in order, read up to ``depth`` files ahead in one background thread.

    One thread, because Python's warning capture, which puts a file's warnings in its row, is
    process-wide.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="astrozoo-read") as pool:
        pending: collections.deque = collections.deque()
        for path in paths:
            pending.append(pool.submit(_read_example, path, model_spec))
            if len(pending) > depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _read_example(path, model_spec: ModelSpec) -> _Example:
    source = os.fspath(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            array, period = _read_one(path, model_spec)
            example = _Example(source, array, period=period)
        except InputError as err:
            example = _Example(source, error=str(err))
        except Exception as err:  # noqa: BLE001 (a reader's unforeseen failure is this file's, not the batch's)
            example = _Example(source, error=f"{type(err).__name__}: {err}")
    example.warning = "; ".join(
        f"{category.__name__}: {text}" for category, text in _file_warnings(caught, source)
    )
    return example


def _read_one(path, model_spec: ModelSpec) -> tuple[np.ndarray, float]:
    """A file's model input, and for a light curve folded at its period, that period in days."""
    read = read_model_input(path, model_spec.input)
    if isinstance(read, LightCurveInput):
        return read.sequence, np.nan if read.period is None else float(read.period.to_value("d"))
    return read.pixels, np.nan


def _file_warnings(caught: list[warnings.WarningMessage], source: str) -> list[tuple[type[Warning], str]]:
    """The file warnings among ``caught`` as (category, message without the file name the row already
    has); any other warning is issued again as it was."""
    kept = []
    for record in caught:
        if issubclass(record.category, FILE_WARNINGS):
            kept.append((record.category, str(record.message).removeprefix(f"{source!r}: ")))
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return kept


def _predict_examples(model, model_spec: ModelSpec, examples: list[_Example], batch_size: int):
    """Predicts a chunk of examples, batching those of one shape (images) or padding (light curves)."""
    errors = np.array([e.error for e in examples], dtype=object)
    outputs = np.full((len(examples), len(model_spec.output_names)), np.nan)
    groups: dict[tuple, list[int]] = collections.defaultdict(list)
    for i, example in enumerate(examples):
        if not example.error:
            groups[example.array.shape if model_spec.input.kind == "image" else ()].append(i)
    for indices in groups.values():
        for start in range(0, len(indices), batch_size):
            batch = np.asarray(indices[start : start + batch_size])
            arrays = _stack([examples[i].array for i in batch], model_spec.input.kind)
            outputs[batch] = predict_arrays(model, arrays, len(batch), errors, batch)
    for example in examples:
        example.array = None
    return result_table(
        model_spec,
        [e.source for e in examples],
        outputs,
        errors,
        np.array([e.warning for e in examples], dtype=object),
        None,
        np.array([e.period for e in examples]),
    )


def _stack(arrays: list[np.ndarray], kind: str) -> np.ndarray:
    """One batch: light curves padded with all-zero steps to the longest, images stacked."""
    return pad_sequences(arrays) if kind == "lightcurve" else np.stack(arrays).astype(np.float32)
