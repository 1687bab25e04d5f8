"""Exceptions raised by astrozoo. Every one derives from `AstrozooError`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AstrozooError(Exception):
    """Base class of every error astrozoo raises on purpose."""


class ModelNotFoundError(AstrozooError, LookupError):
    """A model name, folder or Hub reference that does not resolve to a model."""

    @classmethod
    def for_name(cls, name: str, known: Iterable[str]) -> ModelNotFoundError:
        """Builds the error for an unknown zoo name, suggesting close matches.

        Example:
            >>> print(ModelNotFoundError.for_name("galaxy-resent", ["galaxy-resnet"]))
            Unknown model 'galaxy-resent'. Did you mean: galaxy-resnet? ...
        """
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        listing = ", ".join(known) if known else "(the zoo is empty)"
        return cls(
            f"Unknown model {name!r}.{hint} Expected a zoo name ({listing}), "
            "a model folder written by astrozoo.save, or 'hf://org/repo'."
        )


class ConfigError(AstrozooError, ValueError):
    """A model config or manifest entry that astrozoo refuses to build."""


class IntegrityError(AstrozooError):
    """A file whose sha256 or size differs from the one recorded for it."""


class InputError(AstrozooError, ValueError):
    """An input file or value that cannot be turned into model input."""


class MissingColumnsError(InputError):
    """A table that lacks columns a model or dataset reads.

    Attributes:
        missing: the column names not found.
        other_case: each missing name that the table has in another letter case,
            mapped to the table's spelling (``{"u": "U"}``), so a caller can say how
            to read it.
    """

    def __init__(self, message: str, missing: list[str], other_case: dict[str, str]):
        super().__init__(message)
        self.missing = missing
        self.other_case = other_case


class TrainingError(AstrozooError, RuntimeError):
    """A training run that ended without a usable model (e.g. one that learned nothing)."""
