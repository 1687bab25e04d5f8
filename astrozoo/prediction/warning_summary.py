"""One Python warning for a run's warned rows, instead of one (or several lines) per input."""

from __future__ import annotations

import warnings

import numpy as np

from astrozoo.input_range import InputRangeWarning
from astrozoo.prediction.files import FILE_WARNINGS

_WARNING_CATEGORIES = {category.__name__: category for category in (*FILE_WARNINGS, InputRangeWarning)}


class WarningTally:
    """Counts the rows with a warning over a run's chunks, for one warning at its end."""

    def __init__(self):
        self.rows = self.warned = 0
        self.first: tuple[str, str] | None = None

    def add(self, part) -> None:
        self.rows += len(part)
        warned = np.flatnonzero(np.asarray(part["warning"], dtype=str) != "")
        self.warned += len(warned)
        if self.first is None and len(warned):
            self.first = (str(part["source"][warned[0]]), str(part["warning"][warned[0]]))

    def warn(self, stacklevel: int = 2) -> None:
        """One warning for a run's warned rows, instead of one (or several lines) per input."""
        if self.first is None:
            return
        source, text = self.first
        name, _, message = text.partition(": ")
        warnings.warn(
            f"{self.warned} of {self.rows} inputs were read despite a problem (see the 'warning' column); "
            f"the first, {source}: {message}",
            _WARNING_CATEGORIES.get(name, UserWarning),
            stacklevel=stacklevel + 1,
        )
