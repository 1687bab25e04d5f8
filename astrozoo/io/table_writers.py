"""Writing a result table a chunk at a time, so that it never has to fit in memory.

CSV and Parquet are written as the chunks come (pyarrow); ECSV, FITS, VOTable and fixed-width text
are written whole at the end by astropy (keeping the columns' units and, in a VOTable, UCDs). A file
is written under a temporary name in its folder and renamed only once complete, so a run that fails
leaves no half-written output.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.folders.integrity import atomic_path
from astrozoo.io.discover import SUFFIXES, has_suffix

STREAMED_FORMATS = {".csv": "csv", ".parquet": "parquet"}
WHOLE_FORMATS = {
    ".ecsv": "ascii.ecsv",
    ".fits": "fits",
    ".vot": "votable",
    ".xml": "votable",
    ".txt": "ascii.fixed_width",
}


def output_format(path: str | os.PathLike) -> str:
    """The format a file name asks for, checked before any work is done.

    Raises:
        InputError: an unknown suffix, or a path that is a folder.

    Example:
        >>> output_format("predictions.parquet"), output_format("out.ECSV")
        ('parquet', 'ascii.ecsv')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    formats = {**STREAMED_FORMATS, **WHOLE_FORMATS}
    if suffix not in formats:
        raise InputError(f"Output {str(path)!r}: expected a file name ending in {', '.join(formats)}.")
    if path.is_dir():
        raise InputError(f"Output {str(path)!r} is a folder; expected a file name.")
    return formats[suffix]


def check_output(path: str | os.PathLike, inputs) -> str:
    """`output_format`, refusing also an output that is one of the inputs or that cannot be written.

    Checked before any work is done, so that a typo never overwrites a catalogue with predictions
    and a folder that cannot be written is not found after a whole run.

    Args:
        path: the output file.
        inputs: the input files and folders (a folder's files are those `astrozoo.io.find_inputs`
            walks to), which the output must not be, by any name (links included).

    Returns:
        The output's format.

    Raises:
        InputError: an unknown suffix, a folder, an input file, or a folder that cannot be written.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "stars.csv").write_text("g,r\\n18,17\\n")
        >>> check_output(folder / "predictions.csv", [folder])
        'csv'
        >>> check_output(folder / "stars.csv", [folder])
        Traceback (most recent call last):
        ...
        astrozoo.errors.InputError: Output '.../stars.csv' is an input file ...
    """
    file_format = output_format(path)
    path = Path(path)
    if path.exists():
        target = path.stat()
        for found in _input_files(inputs):
            if os.path.samestat(found.stat(), target):
                raise InputError(
                    f"Output {str(path)!r} is an input file ({str(found)!r}); writing it would replace the "
                    "input with predictions. Expected another output file name."
                )
    folder = next(parent for parent in path.absolute().parents if parent.exists())
    if not folder.is_dir():
        raise InputError(f"Output {str(path)!r}: {str(folder)!r} is a file, not a folder.")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise InputError(
            f"Output {str(path)!r} cannot be written in {str(folder)!r}: {err.strerror}."
        ) from None
    return file_format


def _input_files(inputs) -> Iterator[Path]:
    """The input files, and the files of the input folders that a folder walk reads (any input kind)."""
    readable = tuple(suffix for suffixes in SUFFIXES.values() for suffix in suffixes)
    for item in map(Path, [inputs] if isinstance(inputs, str | os.PathLike) else inputs):
        if item.is_dir():
            yield from (
                p
                for p in item.rglob("*")
                if p.is_file() and not p.name.startswith(".") and has_suffix(p, readable)
            )
        elif item.exists():
            yield item


@contextlib.contextmanager
def chunk_writer(path: str | os.PathLike | None) -> Iterator:
    """Yields ``write(chunk)`` that appends an `astropy.table.Table` chunk to ``path``.

    Args:
        path: the output file; None writes CSV to standard output.

    Example:
        >>> import tempfile, pathlib
        >>> from astropy.table import Table
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
        >>> with chunk_writer(out) as write:
        ...     write(Table({"source": ["a"], "p": [0.25]}))
        ...     write(Table({"source": ["b"], "p": [0.5]}))
        >>> out.read_text()
        'source,p\\n"a",0.25\\n"b",0.5\\n'
    """
    if path is None:
        with _arrow_writer(sys.stdout.buffer, "csv") as write:
            yield write
        sys.stdout.flush()
        return
    file_format = output_format(path)
    with atomic_path(path) as tmp:
        if file_format in STREAMED_FORMATS.values():
            with _arrow_writer(tmp, file_format) as write:
                yield write
        else:
            with _whole_writer(tmp, file_format) as write:
                yield write


@contextlib.contextmanager
def _arrow_writer(sink, file_format: str) -> Iterator:
    """Writes chunks as they come, holding back only those that come before the column types are
    known (a failed input's row, whose kept columns are empty, before any row that has values)."""
    writer, schema, held = None, None, []

    def flush() -> None:
        nonlocal writer, schema
        settle_kept_types(held)
        tables = [_arrow_table(chunk, spread=file_format == "csv") for chunk in held]
        held.clear()
        if writer is None:
            schema = tables[0].schema
            writer = _csv_writer(sink, schema) if file_format == "csv" else _parquet_writer(sink, schema)
        for table in tables:
            writer.write_table(table.cast(schema))

    def write(chunk) -> None:
        held.append(chunk)
        if writer is not None or not any(np.ma.getmaskarray(chunk[name]).all() for name in chunk.colnames):
            flush()

    try:
        yield write
        if held:
            flush()
    finally:
        if writer is not None:
            writer.close()


def _csv_writer(sink, schema):
    """A pyarrow CSV writer whose header line quotes a name only where needed, as astropy's does."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pa_csv  # noqa: PLC0415

    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(schema.names)
    owned = isinstance(sink, str | os.PathLike)
    stream = pa.output_stream(sink) if owned else pa.PythonFile(sink, mode="w")
    stream.write(header.getvalue().encode())
    writer = pa_csv.CSVWriter(stream, schema, write_options=pa_csv.WriteOptions(include_header=False))
    return _Closing(writer, stream if owned else None)


def _parquet_writer(sink, schema):
    import pyarrow.parquet as pq  # noqa: PLC0415

    return pq.ParquetWriter(sink, schema)


class _Closing:
    """A writer that also closes the file it opened (not standard output)."""

    def __init__(self, writer, stream):
        self.writer, self.stream = writer, stream

    def write_table(self, table) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()
        if self.stream is not None:
            self.stream.close()


@contextlib.contextmanager
def _whole_writer(path: Path, file_format: str) -> Iterator:
    chunks = []
    yield chunks.append
    if chunks:
        stack_chunks(chunks).write(path, format=file_format, overwrite=True)


def stack_chunks(chunks: list):
    """Stacks table chunks into one table; a column that is empty (masked) in a chunk takes its type
    from the chunks that have values, so that e.g. integer ids stay integers."""
    from astropy.table import vstack  # noqa: PLC0415

    if len(chunks) == 1:
        return chunks[0]
    settle_kept_types(chunks)
    return vstack(chunks, join_type="exact", metadata_conflicts="silent")


def settle_kept_types(chunks: list) -> None:
    """Gives each all-masked column of ``chunks`` the dtype of the same column where it has values."""
    from astropy.table import MaskedColumn  # noqa: PLC0415

    for name in chunks[0].colnames:
        typed = next((c[name] for c in chunks if not np.ma.getmaskarray(c[name]).all()), None)
        if typed is None:
            continue
        for chunk in chunks:
            column = chunk[name]
            if column.dtype != typed.dtype and np.ma.getmaskarray(column).all():
                chunk[name] = MaskedColumn(np.zeros(len(column), dtype=typed.dtype), mask=True)


def _arrow_table(chunk, spread: bool = False):
    """An astropy table as a pyarrow one, masked cells as nulls.

    A vector column (one array of d numbers a row, e.g. `astrozoo.embed`'s) becomes a fixed-size
    list column, or with ``spread`` (CSV, one number a cell) d columns named
    ``<prefix>_0`` to ``<prefix>_<d-1>``, the prefix being the column's ``meta["spread_as"]``
    or else its name.
    """
    import pyarrow as pa  # noqa: PLC0415

    columns = {}
    for name in chunk.colnames:
        column = chunk[name]
        mask = np.ma.getmaskarray(column)
        values = np.asarray(column.data.data if hasattr(column.data, "mask") else column.data)
        if values.ndim == 2 and spread:
            prefix = column.meta.get("spread_as", name)
            for j in range(values.shape[1]):
                columns[f"{prefix}_{j}"] = pa.array(values[:, j], mask=mask[:, j] if mask.any() else None)
        elif values.ndim == 2:
            rows = mask.any(axis=1)
            flat = pa.array(np.ascontiguousarray(values).reshape(-1))
            columns[name] = pa.FixedSizeListArray.from_arrays(
                flat, values.shape[1], mask=pa.array(rows) if rows.any() else None
            )
        else:
            columns[name] = pa.array(values, mask=mask if mask.any() else None)
    return pa.table(columns)
