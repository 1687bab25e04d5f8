"""Reading catalogue tables (CSV, FITS tables, VOTable, whitespace text with a ``#`` header line)."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError, MissingColumnsError
from astrozoo.io.discover import COLUMNAR_TABLE_SUFFIXES, FITS_SUFFIXES, has_suffix, is_votable
from astrozoo.io.limits import BudgetedReader

# Published files whose ``#`` header line is known to be wrong: the header as printed -> the real
# column names. SDSS_MGS.train (MLZ, the photoz_mgs dataset) names 18 columns for 19 data columns:
# the u-band error "eu" is missing between "i-z" and "eg" (MLZ's own scripts read it as eu).
_MLZ_MGS_HEADER = "zs u g r i z u-g g-r r-i i-z eg er ei ez eu-g eg-r er-i ei-z".split()
HEADER_ERRATA: dict[tuple[str, ...], tuple[str, ...]] = {
    tuple(_MLZ_MGS_HEADER): (*_MLZ_MGS_HEADER[:10], "eu", *_MLZ_MGS_HEADER[10:]),
}


def read_table(path: str | os.PathLike):
    """Reads a catalogue table as an `astropy.table.Table`.

    Formats: FITS binary tables, Parquet, ECSV, VOTable (``.vot``, ``.votable``, or
    ``.xml`` whose root element is VOTABLE; the first table of the file), CSV, and
    whitespace- or tab-separated text whose column names are on the last ``#``
    comment line before the data (e.g. ``SDSS_MGS.train`` and the OGLE-III
    catalogue), also gzip- or bzip2-compressed. Columns keep the units and UCDs
    (``column.meta["ucd"]``) the file gives them.

    Raises:
        InputError: missing, empty or unreadable file, or ``.xml`` that is not a VOTable.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "mgs.txt"
        >>> _ = p.write_text("#zs u g\\n0.08 19.6 18.1\\n0.12 19.8 17.9\\n")
        >>> read_table(p).colnames
        ['zs', 'u', 'g']
    """
    from astropy.table import Table  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected a table file).")
    try:
        if has_suffix(path, FITS_SUFFIXES):
            table = Table.read(path, format="fits")
        elif has_suffix(path, COLUMNAR_TABLE_SUFFIXES):
            table = Table.read(path, format="parquet")
        elif has_suffix(path, (".ecsv",)):
            table = Table.read(path, format="ascii.ecsv")
        elif is_votable(path):
            table = Table.read(path, format="votable")
        elif has_suffix(path, (".xml",)):
            raise InputError(f"{str(path)!r}: expected a VOTable (XML whose root element is VOTABLE).")
        else:
            table = _read_text_table(path)
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 (astropy's readers raise many kinds)
        raise InputError(f"{str(path)!r}: not a readable table ({type(err).__name__}: {err}).") from None
    if len(table) == 0:
        raise InputError(f"{str(path)!r}: the table has no rows.")
    return table


# Compressed text is recognized by its first bytes, whatever the file is called.
_DECOMPRESSORS = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))


def read_text(path: str | os.PathLike) -> str:
    """Reads a text file as UTF-8, decompressing gzip, bzip2 and xz on the fly.

    Unlike astropy's ``get_readable_fileobj``, which copies a bzip2 file to a
    temporary file it never deletes, nothing is written anywhere. Reading stops
    with an `InputError` past the input budget (`astrozoo.io.limits`), so a small
    file that decompresses to gigabytes is refused.

    Example:
        >>> import bz2, tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt.bz2"
        >>> _ = p.write_bytes(bz2.compress(b"#a b\\n1 2\\n"))
        >>> read_text(p)
        '#a b\\n1 2\\n'
    """
    with open(path, "rb") as f:
        magic = f.read(6)
    opener = next((opener for signature, opener in _DECOMPRESSORS if magic.startswith(signature)), open)
    with opener(path, "rb") as f:
        raw = BudgetedReader(f, path).read()
    # As text mode would: universal newlines, so that "\r\n" files read as "\n" ones.
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _read_text_table(path: Path):
    from astropy.io import ascii as astropy_ascii  # noqa: PLC0415

    text = read_text(path)
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("#")]
    data = [line for line in lines if line.strip() and not line.startswith("#")]
    if not data:
        raise InputError(f"{str(path)!r}: the table has no rows.")
    tabs = "\t" in data[0]
    if not header:
        text_format = "tab" if tabs else ("csv" if "," in data[0] else "basic")
        return astropy_ascii.read(text, format=text_format, guess=False)
    # Column names are on the last comment line before the data.
    names = header[-1].lstrip("#").strip().split("\t" if tabs else None)
    names = [n.strip() for n in names]
    fields = len(data[0].split())
    if not tabs and len(names) != fields:  # (tab-separated rows may end in empty fields)
        names = list(HEADER_ERRATA.get(tuple(names), names))
        if len(names) != fields:
            raise InputError(
                f"{str(path)!r}: the header line names {len(names)} columns but the first data line has "
                f"{fields} fields; expected one name per column on the last '#' line."
            )
    if tabs:  # the tab reader keeps trailing empty fields; it expects a header line, so add one
        return astropy_ascii.read(["\t".join(names), *data], format="tab", guess=False)
    return astropy_ascii.read(data, format="no_header", names=names, guess=False)


def numeric_cells(
    table, columns: Sequence[str], source: str = "table", missing_value: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Named columns as a float32 (rows, columns) array, and which cells are not numbers.

    Extra columns are ignored. Empty (masked) cells become ``missing_value``
    when the model has one, else NaN. A text cell that does not read as a
    number (``"oops"``, ``"n/a"``) becomes NaN and is marked in the second
    array, so a caller can report that row and go on.

    Raises:
        MissingColumnsError: a column is missing (an `InputError`).
        InputError: a column holds no number at all (a text column).

    Example:
        >>> from astropy.table import Table
        >>> values, unreadable = numeric_cells(Table({"r": ["17.5", "oops"], "g": [18.0, 18.5]}), ["g", "r"])
        >>> values.tolist(), unreadable.tolist()
        ([[18.0, 17.5], [18.5, nan]], [[False, False], [False, True]])
    """
    missing = [c for c in columns if c not in table.colnames]
    if missing:
        raise missing_columns_error(source, missing, columns, table.colnames)
    fill = np.nan if missing_value is None else missing_value
    values = np.empty((len(table), len(columns)), dtype=np.float32)
    unreadable = np.zeros(values.shape, dtype=bool)
    for j, name in enumerate(columns):
        column = table[name]
        if column.dtype.kind in "biuf":
            values[:, j] = np.asarray(column.filled(fill) if hasattr(column, "filled") else column, float)
            continue
        if column.dtype.kind not in "USO":
            raise InputError(f"{source!r}: column {name!r} is not numeric (dtype {column.dtype}).")
        mask = np.ma.getmaskarray(column)
        for i, (cell, empty) in enumerate(zip(np.asarray(column), mask, strict=True)):
            text = "" if empty else str(cell).strip()
            if text in ("", "--"):
                values[i, j] = fill
                continue
            try:
                values[i, j] = float(text)
            except ValueError:
                values[i, j], unreadable[i, j] = np.nan, True
        if len(column) and unreadable[:, j].all():
            raise InputError(
                f"{source!r}: column {name!r} holds text, not numbers (first cell {quoted_cell(column[0])})."
            )
    return values, unreadable


def quoted_cell(cell, limit: int = 80) -> str:
    """A table cell quoted for a message: stripped, cut to ``limit`` characters and marked with "…" when cut.

    Example:
        >>> quoted_cell("  oops ")
        "'oops'"
        >>> quoted_cell("x" * 1000, limit=5)
        "'xxxxx…'"
    """
    text = str(cell).strip()
    return repr(text) if len(text) <= limit else repr(text[:limit] + "…")


def missing_columns_error(
    source: str, missing: Sequence[str], expected: Sequence[str], found: Sequence[str]
) -> MissingColumnsError:
    """The error for a table lacking ``missing`` of the ``expected`` columns; names any in another case."""
    other_case = {c: n for c in missing for n in found if n.lower() == c.lower()}
    hint = (
        " Column names are case-sensitive, as band names are (Cousins I is not SDSS i); rename "
        f"{', '.join(repr(n) for n in other_case.values())} if they hold the same quantities."
        if other_case
        else ""
    )
    return MissingColumnsError(
        f"{source!r}: missing columns {list(missing)}. Expected columns {list(expected)}; "
        f"found {list(found)}.{hint}",
        list(missing),
        other_case,
    )


def table_features(
    table, columns: Sequence[str], source: str = "table", missing_value: float | None = None
) -> np.ndarray:
    """Extracts named columns as a float32 (rows, columns) array.

    Extra columns are ignored. Empty (masked) cells become ``missing_value``
    when the model has one, else NaN.

    Raises:
        InputError: a column is missing, or a cell is not a number.

    Example:
        >>> from astropy.table import Table
        >>> table_features(Table({"u": [19.5, 20.1], "g": [18.0, 18.5]}), ["g", "u"]).tolist()
        [[18.0, 19.5], [18.5, 20.100000381469727]]
    """
    values, unreadable = numeric_cells(table, columns, source, missing_value)
    if unreadable.any():
        i, j = np.argwhere(unreadable)[0]
        raise InputError(
            f"{source!r}: row {i}, column {columns[j]!r} holds {str(table[columns[j]][i])!r}, "
            f"not a number ({unreadable.sum()} such cells)."
        )
    return values
