"""Which files are which: suffixes of images, light curves and tables, and folder walking."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz", ".fits.gz", ".fit.gz", ".fts.gz", ".fits.fz", ".fits.z")
RASTER_SUFFIXES = (".jpg", ".jpeg", ".png")
TEXT_TABLE_SUFFIXES = (
    ".csv",
    ".ecsv",
    ".txt",
    ".dat",
    ".tsv",
    ".train",
    ".test",
    ".csv.gz",
    ".txt.gz",
    ".txt.bz2",
    ".dat.gz",
    ".dat.bz2",
)
COLUMNAR_TABLE_SUFFIXES = (".parquet", ".pq")
VOTABLE_SUFFIXES = (".vot", ".votable")
"""Always VOTables; an ``.xml`` file is one only if `is_votable` finds a VOTABLE root element."""
SUFFIXES = {
    "image": FITS_SUFFIXES + RASTER_SUFFIXES,
    "lightcurve": (*FITS_SUFFIXES, ".csv", ".csv.gz", ".ecsv"),
    "table": FITS_SUFFIXES + TEXT_TABLE_SUFFIXES + COLUMNAR_TABLE_SUFFIXES + VOTABLE_SUFFIXES + (".xml",),
}
_VOTABLE_ROOT = re.compile(rb"<(\w+:)?VOTABLE[\s>]")


def is_votable(path: str | os.PathLike) -> bool:
    """Whether a file is a VOTable: a ``.vot``/``.votable`` name, or XML whose root is VOTABLE.

    Only the first 4 KB of an ``.xml`` file are read (the XML declaration and comments come first).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "cat.xml"
        >>> _ = p.write_text('<?xml version="1.0"?>\\n<VOTABLE version="1.4"></VOTABLE>')
        >>> is_votable(p), is_votable("cat.vot"), is_votable("cat.csv")
        (True, True, False)
    """
    if has_suffix(path, VOTABLE_SUFFIXES):
        return True
    if not has_suffix(path, (".xml",)):
        return False
    try:
        with open(path, "rb") as f:
            return _VOTABLE_ROOT.search(f.read(4096)) is not None
    except OSError:
        return False


def has_suffix(path: str | os.PathLike, suffixes) -> bool:
    """Whether a file name ends with one of ``suffixes`` (case-insensitive)."""
    return str(path).lower().endswith(tuple(suffixes))


def input_kind_of(path: str | os.PathLike) -> str | None:
    """Guesses ``"image"``, ``"table"`` or None from a file name alone.

    Example:
        >>> input_kind_of("galaxy.JPG"), input_kind_of("stars.csv"), input_kind_of("notes.md")
        ('image', 'table', None)
    """
    if has_suffix(path, RASTER_SUFFIXES + FITS_SUFFIXES):
        return "image"
    if has_suffix(path, TEXT_TABLE_SUFFIXES + COLUMNAR_TABLE_SUFFIXES + VOTABLE_SUFFIXES):
        return "table"
    return None


def find_inputs(paths, kind: str) -> list[Path]:
    """Expands files and folders into the files a model of input ``kind`` reads.

    Files named explicitly are kept whatever their suffix (a reader will say
    what is wrong with them); folders are walked recursively, sorted, keeping
    files whose suffix fits ``kind`` (an ``.xml`` file only if it is a
    VOTable) and skipping hidden files. A folder that cannot be listed (no
    permission) is skipped with an `UnreadableFolderWarning` naming it, since it
    has no files to give an error row to.

    Args:
        paths: a path or a list of paths to files or folders.
        kind: ``"image"``, ``"lightcurve"`` or ``"table"``.

    Returns:
        The files in input order.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(
                p
                for p in _walk_files(path)
                if not p.name.startswith(".")
                and has_suffix(p, SUFFIXES[kind])
                and (not has_suffix(p, (".xml",)) or is_votable(p))
            )
        else:
            found.append(path)
    return found


class UnreadableFolderWarning(UserWarning):
    """A folder among the inputs could not be listed; its files, if any, are not predicted."""


def _walk_files(folder: Path) -> list[Path]:
    """Every file under ``folder``, warning about each subfolder that cannot be listed."""

    def report(err: OSError) -> None:
        warnings.warn(
            f"Skipping folder {err.filename!r}: it cannot be read ({err.strerror}).",
            UnreadableFolderWarning,
            stacklevel=4,
        )

    files = []
    for root, _, names in os.walk(folder, onerror=report):
        files += [p for p in (Path(root) / n for n in names) if p.is_file()]
    return files
