"""Exact nearest neighbours by cosine distance, computed in blocks of rows so that memory stays bounded.

The cosine distance of two vectors is ``1 - cos(angle between them)``: 0 for the same direction, 1
for orthogonal vectors, 2 for opposite ones; a vector's length does not count. Rows without a
vector (an input that failed: masked, or NaN) are never neighbours.
"""

from __future__ import annotations

import numpy as np

from astrozoo.errors import InputError

BLOCK_ROWS = 65_536
"""Rows normalized and compared with a query at a time in `similar`."""

BLOCK_CELLS = 1 << 23
"""Distances held at once by `anomaly_scores` (rows of a block times all rows): 32 MiB of float32."""

VECTOR_COLUMN = "embedding"


def similar(vectors, query, k: int = 10, column: str = VECTOR_COLUMN):
    """The ``k`` rows of ``vectors`` nearest to ``query`` by cosine distance, nearest first.

    An exact search: each block of `BLOCK_ROWS` rows is multiplied by the normalized
    query and divided by its rows' lengths (no normalized copy of the vectors is made),
    and its ``k`` nearest are kept (``numpy.argpartition``).

    Args:
        vectors: the table `astrozoo.embed` returns (its ``column``), or an (n, d) array.
        query: a row of ``vectors``, by index (int) or ``source`` (str), which is then
            its own nearest neighbour; or a vector of length d, e.g. the ``embedding`` of
            a new file from ``astrozoo.embed(model, [path])`` with the same model.
        k: neighbours returned (fewer when fewer rows have a vector).
        column: the vector column of a table.

    Returns:
        An `astropy.table.Table` with ``index`` (the row in ``vectors``), ``source``
        (when ``vectors`` is a table that has one) and ``distance``, nearest first.

    Raises:
        InputError: a query that is not a row with a vector or a vector of length d.

    Example:
        >>> import numpy as np
        >>> vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [-1.0, 0.0]])
        >>> similar(vectors, 0, k=3)["index"].tolist()
        [0, 2, 1]
    """
    from astropy.table import Table  # noqa: PLC0415

    values, failed = vector_rows(vectors, column)
    target = _query_vector(vectors, values, failed, query)
    target = target / (np.linalg.norm(target) or 1.0)
    k = int(k)
    if k < 1:
        raise InputError(f"k must be at least 1. Received: k={k}")
    found_rows, found_distances = [], []
    for start in range(0, len(values), BLOCK_ROWS):
        block = values[start : start + BLOCK_ROWS]
        norms = row_norms(block)
        with np.errstate(invalid="ignore", divide="ignore"):  # all-zero rows: distance 1, as orthogonal
            distances = 1.0 - np.where(norms > 0, (block @ target) / norms, 0.0)
        distances[failed[start : start + BLOCK_ROWS] | ~np.isfinite(norms)] = np.inf
        nearest = _smallest(distances, k)
        found_rows.append(nearest + start)
        found_distances.append(distances[nearest])
    rows = np.concatenate(found_rows) if found_rows else np.zeros(0, int)
    distances = np.concatenate(found_distances) if found_distances else np.zeros(0)
    order = np.argsort(distances, kind="stable")[:k]
    rows, distances = rows[order], distances[order]
    kept = np.isfinite(distances)
    result = Table()
    result["index"] = rows[kept]
    if hasattr(vectors, "colnames") and "source" in vectors.colnames:
        result["source"] = np.asarray(vectors["source"], dtype=str)[rows[kept]]
    result["distance"] = np.clip(distances[kept], 0.0, 2.0)
    return result


def anomaly_scores(vectors, k: int = 5, column: str = VECTOR_COLUMN) -> np.ndarray:
    """Each row's cosine distance to its ``k``-th nearest other row: large for an input unlike the rest.

    A row in a dense region of the representation has ``k`` close neighbours and a
    small score; an input unlike any other has none. The search is exact and takes
    time in n squared (all pairs, `BLOCK_CELLS` distances at a time, so memory grows
    only with n); rows that are exact duplicates count as neighbours.

    Args:
        vectors: the table `astrozoo.embed` returns (its ``column``), or an (n, d) array.
        k: which neighbour's distance scores a row (at least 1, fewer than the rows with a vector).
        column: the vector column of a table.

    Returns:
        One score a row, between 0 and 2, in row order; NaN for a row without a vector.

    Example:
        >>> import numpy as np
        >>> vectors = np.array([[1.0, 0.0], [1.0, 0.1], [1.0, -0.1], [0.0, 1.0]])
        >>> int(np.argmax(anomaly_scores(vectors, k=1)))
        3
    """
    values, failed = vector_rows(vectors, column)
    valid = ~failed
    for start in range(0, len(values), BLOCK_ROWS):
        valid[start : start + BLOCK_ROWS] &= np.isfinite(row_norms(values[start : start + BLOCK_ROWS]))
    k = int(k)
    if not 1 <= k < int(valid.sum()):
        raise InputError(
            f"k must be between 1 and the rows with a vector less one ({int(valid.sum()) - 1}). "
            f"Received: k={k}"
        )
    units = np.zeros(values.shape, np.float32)
    for start in range(0, len(values), BLOCK_ROWS):
        units[start : start + BLOCK_ROWS] = unit_rows(values[start : start + BLOCK_ROWS])
    scores = np.full(len(values), np.nan)
    step = max(1, BLOCK_CELLS // max(len(values), 1))
    for start in range(0, len(values), step):
        distances = 1.0 - units[start : start + step] @ units.T
        distances[:, ~valid] = np.inf
        block = np.arange(start, min(start + step, len(values)))
        distances[block - start, block] = np.inf  # a row is not its own neighbour
        scores[block] = np.partition(distances, k - 1, axis=1)[:, k - 1]
    scores[~valid] = np.nan
    return np.clip(scores, 0.0, 2.0)


def vector_rows(vectors, column: str = VECTOR_COLUMN) -> tuple[np.ndarray, np.ndarray]:
    """``(values, failed)``: the vectors as an (n, d) float32 array, and which rows are masked.

    Rows with a NaN or infinite value are not marked (finding them takes a pass over all the
    values, which the callers make block by block anyway).

    Raises:
        InputError: a table without ``column``, or something that is not n vectors.
    """
    if hasattr(vectors, "colnames"):
        if column not in vectors.colnames:
            raise InputError(
                f"Expected a table with a vector column {column!r} (astrozoo.embed's). Received columns "
                f"{vectors.colnames}."
            )
        vectors = vectors[column]
    mask = np.ma.getmask(vectors)
    values = np.asarray(np.ma.getdata(vectors), dtype=np.float32)
    if values.ndim != 2:
        raise InputError(f"Expected n vectors, an (n, d) array. Received: shape={values.shape}")
    if mask is np.ma.nomask:
        return values, np.zeros(len(values), bool)
    return values, np.asarray(mask).reshape(values.shape).any(axis=1)


def row_norms(block: np.ndarray) -> np.ndarray:
    """The length of each row of ``block``, in one pass (NaN or infinite for a row holding such a value)."""
    return np.sqrt(np.einsum("ij,ij->i", block, block))


def unit_rows(block: np.ndarray) -> np.ndarray:
    """The rows of ``block`` scaled to length 1 (float32); an all-zero or NaN row becomes zeros."""
    block = np.nan_to_num(np.asarray(block, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    return block / np.where(norms > 0, norms, 1.0)


def _query_vector(vectors, values: np.ndarray, failed: np.ndarray, query) -> np.ndarray:
    if isinstance(query, str):
        table = hasattr(vectors, "colnames") and "source" in vectors.colnames
        sources = np.asarray(vectors["source"], dtype=str) if table else np.zeros(0, str)
        matches = np.flatnonzero(sources == query)
        if not len(matches):
            raise InputError(f"No row has source {query!r}; expected the source of a row of the table.")
        query = int(matches[0])
    if isinstance(query, int | np.integer):
        if not -len(values) <= query < len(values) or failed[query] or not np.isfinite(values[query]).all():
            raise InputError(
                f"Expected the index of a row with a vector (0 to {len(values) - 1}, not a failed input). "
                f"Received: query={query}"
            )
        return values[query].astype(np.float32)
    target = np.ravel(np.ma.filled(np.ma.asarray(query, dtype=np.float32), np.nan))
    if target.shape != (values.shape[1],) or not np.isfinite(target).all():
        raise InputError(
            f"Expected a query vector of {values.shape[1]} finite numbers (from the same model), a row index "
            f"or a source. Received: shape={np.shape(query)}"
        )
    return target


def _smallest(distances: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` smallest ``distances`` (all of them when there are no more than k)."""
    if len(distances) <= k:
        return np.arange(len(distances))
    return np.argpartition(distances, k - 1)[:k]
