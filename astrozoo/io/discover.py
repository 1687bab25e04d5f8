"""Which files are which: suffixes of images, light curves and tables, and folder walking."""

from __future__ import annotations

import os
from pathlib import Path

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz", ".fits.gz", ".fit.gz", ".fts.gz", ".fits.fz")
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
SUFFIXES = {
    "image": FITS_SUFFIXES + RASTER_SUFFIXES,
    "lightcurve": (*FITS_SUFFIXES, ".csv", ".csv.gz", ".ecsv"),
    "table": FITS_SUFFIXES + TEXT_TABLE_SUFFIXES + COLUMNAR_TABLE_SUFFIXES,
}


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
    if has_suffix(path, TEXT_TABLE_SUFFIXES + COLUMNAR_TABLE_SUFFIXES):
        return "table"
    return None


def find_inputs(paths, kind: str) -> list[Path]:
    """Expands files and folders into the files a model of input ``kind`` reads.

    Files named explicitly are kept whatever their suffix (a reader will say
    what is wrong with them); folders are walked recursively, sorted, keeping
    files whose suffix fits ``kind`` and skipping hidden files.

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
                for p in path.rglob("*")
                if p.is_file() and not p.name.startswith(".") and has_suffix(p, SUFFIXES[kind])
            )
        else:
            found.append(path)
    return found
