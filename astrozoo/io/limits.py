"""How much one input may decode to: the budget readers check before they allocate.

A small file can claim, or decompress to, gigabytes (a PNG of 20000 x 20000 pixels, a
gzipped FITS cube of zeros, a gzipped CSV of newlines). Every reader checks the size an
input decodes to against one budget, from its header where it has one and while
decompressing where it has not, and refuses the input with an `astrozoo.InputError`
(an error row in `astrozoo.predict`) rather than allocating it.

The budget is `DEFAULT_MAX_DECODED_MB` megabytes (MiB) per input, changed by the
environment variable ``ASTROZOO_MAX_DECODED_MB``, by `max_decoded_mb` in a ``with``
block, or by ``astrozoo predict --max-input-mb``. What is counted:

- images: the float32 pixels astrozoo makes (height x width x channels x 4 bytes);
- text tables and CSV light curves: the decompressed text;
- streamed CSV catalogues (`astrozoo.io.table_chunks`): the decompressed text read without
  finding a row (a catalogue of any length streams, a file of blank lines does not).

Light curves are also limited to `MAX_LIGHTCURVE_POINTS` observations.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator

from astrozoo.errors import InputError

DEFAULT_MAX_DECODED_MB = 512
"""The default budget of one input, in MiB."""

MAX_DECODED_MB_VARIABLE = "ASTROZOO_MAX_DECODED_MB"
"""The environment variable that sets the budget (MiB); inherited by worker processes."""

MAX_LIGHTCURVE_POINTS = 200_000
"""The most observations a light curve may have: more are refused rather than binned, since the period
search's cost grows with them and binning would change the light curve the model sees."""


class LargeInputWarning(UserWarning):
    """An input larger than the budget that was read at a reduced resolution to fit it."""


def max_decoded_bytes() -> int:
    """The budget of one input, in bytes: ``ASTROZOO_MAX_DECODED_MB`` if set, else the default.

    Raises:
        InputError: the environment variable is not a positive number.

    Example:
        >>> with max_decoded_mb(2):
        ...     max_decoded_bytes()
        2097152
    """
    text = os.environ.get(MAX_DECODED_MB_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_DECODED_MB << 20
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = float("nan")
    if not megabytes > 0 or megabytes == float("inf"):
        raise InputError(f"{MAX_DECODED_MB_VARIABLE}: expected a positive number of MiB. Received: {text!r}")
    return int(megabytes * (1 << 20))


@contextlib.contextmanager
def max_decoded_mb(megabytes: float) -> Iterator[None]:
    """Sets the budget of one input (MiB) inside a ``with`` block, for every thread and child process.

    Args:
        megabytes: the budget, in MiB.

    Example:
        >>> with max_decoded_mb(0.5):
        ...     check_decoded("big.png", 1 << 20, "1024x256 float32 pixels")
        Traceback (most recent call last):
        ...
        astrozoo.errors.InputError: 'big.png': decodes to 1.0 MiB (1024x256 float32 pixels), more than ...
    """
    if not megabytes > 0:
        raise InputError(f"Expected a positive number of MiB for the input budget. Received: {megabytes!r}")
    saved = os.environ.get(MAX_DECODED_MB_VARIABLE)
    os.environ[MAX_DECODED_MB_VARIABLE] = repr(float(megabytes))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(MAX_DECODED_MB_VARIABLE, None)
        else:
            os.environ[MAX_DECODED_MB_VARIABLE] = saved


def check_decoded(source: str | os.PathLike, decoded_bytes: float, what: str) -> None:
    """Refuses an input whose decoded size is over the budget, before it is decoded.

    Args:
        source: the input, for the message.
        decoded_bytes: what it would decode to, in bytes.
        what: what those bytes are, e.g. ``"20000x20000x3 float32 pixels"``.

    Raises:
        InputError: over the budget.

    Example:
        >>> check_decoded("small.png", 1000, "10x25 float32 pixels")  # within the budget: nothing happens
    """
    budget = max_decoded_bytes()
    if decoded_bytes > budget:
        raise InputError(
            f"{os.fspath(source)!r}: decodes to {_mib(decoded_bytes)} ({what}), more than the "
            f"{_mib(budget)} astrozoo decodes per input; {RAISE_BUDGET}"
        )


RAISE_BUDGET = (
    f"refused before allocating it (raise the budget with {MAX_DECODED_MB_VARIABLE} or astrozoo predict "
    "--max-input-mb)."
)
"""The end of an over-budget message: how to change the budget."""


def _mib(size: float) -> str:
    return f"{size / (1 << 20):.1f} MiB"


class BudgetedReader(io.RawIOBase):
    """A binary file object that refuses to read more than a budget of (decompressed) bytes.

    Args:
        raw: the file object read from (a ``gzip.open`` one, say).
        source: the input, for the message.
        budget: bytes allowed; by default `max_decoded_bytes`.
        what: what went over, with ``{budget}`` where the budget goes.

    Example:
        >>> reader = BudgetedReader(io.BytesIO(b"x" * 100), "x.txt", budget=10)
        >>> reader.read(5)
        b'xxxxx'
        >>> reader.read()
        Traceback (most recent call last):
        ...
        astrozoo.errors.InputError: 'x.txt': decompresses to more than the 0.0 MiB astrozoo decodes ...
    """

    def __init__(
        self,
        raw,
        source: str | os.PathLike,
        budget: int | None = None,
        what: str = "decompresses to more than the {budget} astrozoo decodes per input",
    ) -> None:
        super().__init__()
        self.raw, self.source, self.what = raw, os.fspath(source), what
        self.budget = max_decoded_bytes() if budget is None else budget
        self.count = 0

    def restart(self) -> None:
        """Counts from here: the budget applies to what is read from now on."""
        self.count = 0

    def read(self, size: int | None = -1) -> bytes:
        """Reads at most ``size`` bytes (all with -1), never more than one past the budget."""
        allowed = self.budget + 1 - self.count
        data = self.raw.read(allowed if size is None or size < 0 else min(size, allowed))
        self.count += len(data)
        if self.count > self.budget:
            what = self.what.format(budget=_mib(self.budget))
            raise InputError(f"{self.source!r}: {what}; {RAISE_BUDGET}")
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()
        super().close()
