"""File hashing, verification and atomic writes.

Nothing half-written is ever used: files are written to a temporary sibling and
renamed into place, and every file a model is built from is checked against the
sha256 and size recorded for it before it is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from astrozoo.errors import IntegrityError

_CHUNK = 1 << 20


class UnverifiedFilesWarning(UserWarning):
    """A model's files were used without sha256 records to check them against (e.g. a repo saved by Keras)."""


def sha256_file(path: str | os.PathLike) -> str:
    """Returns the hex sha256 digest of a file, read in 1 MiB chunks.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
        >>> _ = p.write_bytes(b"abc")
        >>> sha256_file(p)[:16]
        'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_record(path: str | os.PathLike) -> dict:
    """Returns ``{"sha256": ..., "size": ...}`` for a file, as manifests store it."""
    return {"sha256": sha256_file(path), "size": os.path.getsize(path)}


def verify_file(path: str | os.PathLike, record: Mapping) -> None:
    """Checks a file against its recorded ``sha256`` (and ``size`` when given).

    Args:
        path: the file to check.
        record: a mapping with a ``sha256`` key and optionally ``size``.

    Raises:
        IntegrityError: the file is missing or its size or sha256 differs.
    """
    path = Path(path)
    if not path.is_file():
        raise IntegrityError(f"Missing file {str(path)!r}: expected sha256 {record['sha256']}.")
    size = path.stat().st_size
    if "size" in record and size != record["size"]:
        raise IntegrityError(
            f"File {str(path)!r} has {size} bytes; expected {record['size']} bytes "
            f"(sha256 {record['sha256']}). It is truncated or was replaced."
        )
    actual = sha256_file(path)
    if actual != record["sha256"]:
        raise IntegrityError(
            f"File {str(path)!r} has sha256 {actual}; expected {record['sha256']}. "
            "It was modified or corrupted: refusing to use it."
        )


def check_relative_name(name: str) -> str:
    """Returns ``name`` if it is a plain relative file name inside a model folder.

    Raises:
        IntegrityError: the name is absolute, empty, or climbs out with ``..``.

    Example:
        >>> check_relative_name("model.weights.h5")
        'model.weights.h5'
    """
    parts = Path(name).parts
    if not name or Path(name).is_absolute() or name.startswith(("/", "\\")) or ".." in parts:
        raise IntegrityError(
            f"Refusing file name {name!r}: expected a relative name inside the model folder."
        )
    return name


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path that replaces ``path`` only if the block succeeds.

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_path(target) as tmp:
        ...     _ = tmp.write_text("done")
        >>> target.read_text()
        'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp)
    tmp.chmod(0o666 & ~current_umask())  # mkstemp makes it private; the file it becomes is not
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def current_umask() -> int:
    """The process's file-mode creation mask (read by setting it, then putting it back)."""
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Writes a text file atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
