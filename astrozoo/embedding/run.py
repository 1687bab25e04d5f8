"""`embed` and `embed_chunks`: `astrozoo.predict`'s run, with the model's encoder in its place."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import keras

from astrozoo.embedding.encoders import encoder
from astrozoo.folders.loading import load
from astrozoo.io.table_chunks import DEFAULT_CHUNK_ROWS
from astrozoo.io.table_writers import stack_chunks
from astrozoo.prediction import predict_chunks


def embed(
    model_or_name,
    inputs,
    batch_size: int | None = None,
    progress: bool = False,
    keep_columns: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
):
    """A model's representation of each input: one fixed-length vector a row.

    The inputs are read, checked and batched exactly as by `astrozoo.predict`; the
    model runs up to the vector its head reads (`astrozoo.embedding.encoders`
    says which, for each kind of model). Models that average their predictions
    over flips and rotations average their vectors over the same views.

    Args:
        model_or_name: a `keras.Model` built by astrozoo, or anything `astrozoo.load` takes.
        inputs: as `astrozoo.predict`'s: paths (files or folders), a NumPy array of
            examples, or an `astropy.table.Table` (tabular models).
        batch_size: examples per forward pass; by default `astrozoo.predict`'s.
        progress: show a progress bar on stderr.
        keep_columns: for a table model, input columns to copy into the output.
        columns: for a table model, the input tables' name of each model column they name otherwise.

    Returns:
        An `astropy.table.Table` in input order with columns ``source``, the
        ``keep_columns``, ``embedding`` (float32, one vector a row; masked in a row
        that failed), ``period`` for models that fold light curves, ``error`` and
        ``warning``, all as `astrozoo.predict` fills them.

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"], hidden_units=(16, 8))
        >>> vectors = astrozoo.embed(model, np.array([[18.0, 17.5], [19.0, 19.2]]))
        >>> vectors.colnames, vectors["embedding"].shape
        (['source', 'embedding', 'error', 'warning'], (2, 8))
    """
    chunks = list(embed_chunks(model_or_name, inputs, batch_size, progress, keep_columns, columns))
    return stack_chunks(chunks)


def embed_chunks(
    model_or_name,
    inputs,
    batch_size: int | None = None,
    progress: bool = False,
    keep_columns: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator:
    """`embed`, a chunk of rows at a time, in input order (as `astrozoo.prediction.predict_chunks`).

    Example:
        >>> import numpy as np, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> [len(c) for c in embed_chunks(model, np.zeros((3, 2)))]
        [3]
    """
    model = model_or_name if isinstance(model_or_name, keras.Model) else load(model_or_name)
    yield from predict_chunks(encoder(model), inputs, batch_size, progress, keep_columns, columns, chunk_rows)
