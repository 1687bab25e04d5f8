"""Reading catalogue tables in chunks of rows, so that a catalogue of any length fits in memory.

CSV (plain, gzip or bzip2) and Parquet files are streamed with pyarrow; the other table formats
(FITS, ECSV, VOTable, whitespace text with a ``#`` header line) are read whole by astropy and then
handed out in chunks, so their peak memory is the whole table's (and their text is refused past
the input budget, `astrozoo.io.limits`). A streamed CSV's rows must each fit in `CSV_BLOCK_BYTES`,
and text that yields no row counts against the input budget.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.io.discover import COLUMNAR_TABLE_SUFFIXES, has_suffix
from astrozoo.io.limits import BudgetedReader, max_decoded_bytes
from astrozoo.io.tables import missing_columns_error, read_table

DEFAULT_CHUNK_ROWS = 65_536
"""Rows per chunk: large enough for the model's batches, small enough to bound memory (~10 MB)."""

CSV_BLOCK_BYTES = 1 << 22
"""Bytes of CSV text pyarrow parses at a time; a row must fit in one (a longer line is refused)."""

CSV_READ_AHEAD_BYTES = 256 << 20
"""Text allowed beyond the input budget without a row: pyarrow reads ahead of the rows it has handed
out, by some 150 MiB of decompressed text (in its own bounded blocks)."""

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2")
_COMPRESSION = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"))
_NULLS = ["", "--"]
"""Cells read as empty, as astropy's CSV reader reads them."""


def table_chunks(
    path: str | os.PathLike,
    numeric: Sequence[str],
    keep: Sequence[str] = (),
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator:
    """Yields a table file's rows as `astropy.table.Table` chunks, in file order.

    Each chunk holds the ``numeric`` and ``keep`` columns the file has (the
    others are not read where the format allows it) and records the index of
    its first row in the file as ``chunk.meta["first_row"]``. ``numeric``
    columns come as float64 where every cell of the chunk reads as a number,
    else as text, for `astrozoo.io.numeric_cells` to say which cells are not.

    Args:
        path: a CSV, Parquet, FITS, ECSV or text table.
        numeric: the columns read as numbers.
        keep: other columns to read as they are.
        chunk_rows: the most rows in one chunk.

    Raises:
        InputError: the file is missing, empty or unreadable, or lacks a
            ``numeric`` column (`astrozoo.errors.MissingColumnsError`).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "stars.csv"
        >>> _ = p.write_text("id,g,r\\n1,18.0,17.5\\n2,19.0,oops\\n3,20.0,19.5\\n")
        >>> chunks = table_chunks(p, ["g", "r"], chunk_rows=2)
        >>> [(c.meta["first_row"], len(c), c["r"].dtype.kind) for c in chunks]
        [(0, 2, 'U'), (2, 1, 'f')]
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected a table file).")
    if has_suffix(path, COLUMNAR_TABLE_SUFFIXES):
        yield from _parquet_chunks(path, numeric, keep, chunk_rows)
    elif has_suffix(path, _CSV_SUFFIXES) and _plain_csv(path):
        yield from _csv_chunks(path, numeric, keep, chunk_rows)
    else:
        table = read_table(path)
        for start in range(0, len(table), chunk_rows):
            chunk = table[start : start + chunk_rows]
            chunk.meta["first_row"] = start
            yield chunk


def _compression(path: Path) -> str | None:
    with open(path, "rb") as f:
        magic = f.read(3)
    return next((codec for signature, codec in _COMPRESSION if magic.startswith(signature)), None)


def _plain_csv(path: Path) -> bool:
    """Whether the file is comma-separated with its column names on the first line (no ``#`` header)."""
    import pyarrow as pa  # noqa: PLC0415

    try:
        with pa.input_stream(path, compression=_compression(path)) as stream:
            first = stream.read(4096).split(b"\n", 1)[0]
    except OSError:
        return False
    return b"," in first and not first.startswith(b"#")


def _csv_chunks(path: Path, numeric: Sequence[str], keep: Sequence[str], chunk_rows: int) -> Iterator:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pa_csv  # noqa: PLC0415

    # Text read without a row counts against the input budget: a catalogue of any length streams,
    # a small file of blank lines that decompresses to gigabytes does not.
    stream = None

    def open_reader(**convert):
        nonlocal stream
        raw = pa.input_stream(path, compression=_compression(path))
        stream = BudgetedReader(
            raw,
            path,
            max_decoded_bytes() + CSV_READ_AHEAD_BYTES,
            "decompresses to more than {budget} of text without a row (the input budget plus the "
            "reader's read-ahead)",
        )
        return pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            convert_options=pa_csv.ConvertOptions(null_values=_NULLS, strings_can_be_null=True, **convert),
        )

    try:
        with open_reader(column_types={name: pa.string() for name in numeric}) as header_only:
            found = header_only.schema.names
        wanted = _check_columns(path, found, numeric, keep)
        types = {name: pa.string() for name in numeric}  # parsed below, so that one bad cell spoils no chunk
        with open_reader(include_columns=wanted, column_types=types) as reader:
            yield from _rebatched(path, _restarting(reader, stream), numeric, chunk_rows)
    except (pa.ArrowInvalid, OSError) as err:
        if "straddl" in str(err):  # pyarrow's words for a row longer than a block
            raise InputError(
                f"{str(path)!r}: a line longer than {CSV_BLOCK_BYTES >> 20} MiB; expected a CSV table of "
                "rows of at most that length."
            ) from None
        raise InputError(f"{str(path)!r}: not a readable CSV table ({type(err).__name__}: {err}).") from None


def _restarting(batches, stream) -> Iterator:
    """``batches``, restarting the stream's budget at each batch that has rows."""
    for batch in batches:
        if batch.num_rows:
            stream.restart()
        yield batch


def _parquet_chunks(path: Path, numeric: Sequence[str], keep: Sequence[str], chunk_rows: int) -> Iterator:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        parquet = pq.ParquetFile(path)
        wanted = _check_columns(path, parquet.schema_arrow.names, numeric, keep)
        yield from _rebatched(
            path, parquet.iter_batches(batch_size=chunk_rows, columns=wanted), numeric, chunk_rows
        )
    except (pa.ArrowException, OSError) as err:
        raise InputError(
            f"{str(path)!r}: not a readable Parquet table ({type(err).__name__}: {err})."
        ) from None


def _check_columns(
    path: Path, found: Sequence[str], numeric: Sequence[str], keep: Sequence[str]
) -> list[str]:
    """The columns to read: ``numeric`` (all needed) then the ``keep`` ones the file has."""
    missing = [name for name in numeric if name not in found]
    if missing:
        raise missing_columns_error(str(path), missing, numeric, found)
    return list(dict.fromkeys([*numeric, *(name for name in keep if name in found)]))


def _rebatched(path: Path, batches, numeric: Sequence[str], chunk_rows: int) -> Iterator:
    """Turns pyarrow record batches of any size into astropy chunks of at most ``chunk_rows`` rows."""
    import pyarrow as pa  # noqa: PLC0415

    pending, pending_rows, first_row = [], 0, 0
    for batch in batches:
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= chunk_rows:
            table = pa.Table.from_batches(pending)
            yield _astropy_chunk(table.slice(0, chunk_rows), numeric, first_row)
            first_row += chunk_rows
            pending = table.slice(chunk_rows).to_batches()
            pending_rows -= chunk_rows
    if first_row == pending_rows == 0:
        raise InputError(f"{str(path)!r}: the table has no rows.")
    if pending_rows:
        yield _astropy_chunk(pa.Table.from_batches(pending), numeric, first_row)


def _astropy_chunk(table, numeric: Sequence[str], first_row: int):
    """An arrow table as an astropy one: empty cells masked, ``numeric`` text parsed where it can be."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415
    from astropy.table import MaskedColumn, Table  # noqa: PLC0415

    chunk = Table(meta={"first_row": first_row})
    for name in table.column_names:
        column = table.column(name)
        if name in numeric and pa.types.is_string(column.type):
            try:
                column = pc.cast(column, pa.float64())
            except pa.ArrowInvalid:  # a cell that is not a number: left as text for numeric_cells to name
                pass
        mask = column.is_null().to_numpy(zero_copy_only=False)
        values = column.to_numpy(zero_copy_only=False)
        if pa.types.is_string(column.type):
            values = np.array(["" if v is None else v for v in values], dtype=str)
        chunk[name] = MaskedColumn(values, mask=mask) if mask.any() else values
    return chunk
