"""A restricted unpickler for CIFAR-style batches: plain containers and NumPy arrays only."""

from __future__ import annotations

import io
import pickle

from astrozoo.errors import InputError

# The only globals a NumPy array pickle needs. Anything else (os.system, builtins.eval,
# arbitrary classes) is refused before it can be called.
_ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that admits dicts, lists, tuples, strings, numbers, bytes and NumPy arrays."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        import numpy as np  # noqa: PLC0415

        if name in ("ndarray", "dtype"):
            return getattr(np, name)
        from numpy._core import multiarray  # noqa: PLC0415

        return getattr(multiarray, name)


def safe_loads(data: bytes, source: str = "pickle"):
    """Loads a pickle holding only plain containers and NumPy arrays.

    Raises:
        InputError: the pickle references anything else, or is corrupt.

    Example:
        >>> import pickle, numpy as np
        >>> safe_loads(pickle.dumps({"data": np.arange(3, dtype="uint8")}))["data"].tolist()
        [0, 1, 2]
        >>> safe_loads(pickle.dumps(print))
        Traceback (most recent call last):
        ...
        astrozoo.errors.InputError: pickle: refusing to load global builtins.print ...
    """
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except pickle.UnpicklingError as err:
        raise InputError(f"{source}: {err} (only containers and NumPy arrays are allowed).") from None
    except (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError) as err:
        raise InputError(f"{source}: corrupt pickle ({type(err).__name__}: {err}).") from None
