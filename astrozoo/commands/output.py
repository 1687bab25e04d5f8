"""Exit codes and outputs shared by the ``astrozoo`` subcommands."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3


def write_chunks(chunks, output: str | None) -> int:
    """Writes result chunks to ``output`` (CSV on standard output when None) as they come.

    Returns the exit code: `EXIT_SOME_FAILED` (with a line on stderr) when some rows have an error.
    An `OSError` while writing becomes one `AstrozooError` line; one while predicting is not ours.
    """
    import numpy as np  # noqa: PLC0415

    from astrozoo.errors import AstrozooError  # noqa: PLC0415
    from astrozoo.io.table_writers import chunk_writer  # noqa: PLC0415

    rows = failed = 0
    writing = True
    try:
        with chunk_writer(output) as write:
            writing = False
            for chunk in chunks:
                writing = True
                write(chunk)
                writing = False
                rows += len(chunk)
                failed += int(np.count_nonzero(np.asarray(chunk["error"], dtype=str) != ""))
            writing = True
    except OSError as err:
        if not writing or isinstance(err, BrokenPipeError):
            raise
        raise AstrozooError(f"cannot write {output or 'standard output'}: {err}") from None
    if failed:
        print(f"astrozoo: {failed} of {rows} inputs failed; see the error column.", file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_OK


def write_table(table, path: Path) -> None:
    """Writes an astropy table atomically, in the format its file name asks for."""
    from astrozoo.io.table_writers import chunk_writer  # noqa: PLC0415

    with chunk_writer(path) as write:
        write(table)
