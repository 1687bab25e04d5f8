"""Module attributes imported on first use (PEP 562), so that light commands start without Keras."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_attributes(package: str, attributes: Mapping[str, str]) -> tuple[Callable, Callable]:
    """A package's ``__getattr__`` and ``__dir__`` that import ``attributes`` when first asked for.

    Args:
        package: the package's ``__name__``.
        attributes: ``{name: module}``: ``name`` is the module itself when it is
            ``package.name``, else the module's attribute of that name.

    Returns:
        ``(__getattr__, __dir__)`` to assign in the package's namespace.

    Example:
        >>> getattr_, dir_ = lazy_attributes("demo", {"sqrt": "math"})
        >>> getattr_("sqrt")(9.0), "sqrt" in dir_()
        (3.0, True)
    """

    def get_attribute(name: str):
        if name not in attributes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(attributes[name])
        value = module if module.__name__ == f"{package}.{name}" else getattr(module, name)
        namespace = vars(sys.modules[package]) if package in sys.modules else {}
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def list_attributes() -> list[str]:
        namespace = vars(sys.modules[package]) if package in sys.modules else {}
        return sorted(set(namespace) | set(attributes))

    return get_attribute, list_attributes
