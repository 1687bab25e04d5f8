"""Registering astrozoo's Keras classes as soon as Keras is imported, without importing Keras first.

``import astrozoo`` starts without TensorFlow, yet ``import astrozoo;
keras.saving.load_model("hf://org/name")`` must find ``astrozoo>ZooModel`` and
astrozoo's layers in Keras's registry. `register_with_keras` imports them now if
Keras is already imported, else right after Keras's own import finishes.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

KERAS_OBJECT_MODULES = ("astrozoo.layers", "astrozoo.zoo_model")
"""Modules whose import registers every astrozoo class a saved model may name."""


def register_keras_objects() -> None:
    """Imports the modules that register astrozoo's layers and model class with Keras."""
    for module in KERAS_OBJECT_MODULES:
        importlib.import_module(module)


def register_with_keras() -> None:
    """Registers astrozoo's Keras classes now if Keras is imported, else when it is.

    Example:
        >>> import keras
        >>> register_with_keras()
        >>> "astrozoo>ZooModel" in keras.saving.get_custom_objects()
        True
    """
    if "keras" in sys.modules:
        register_keras_objects()
    elif not any(isinstance(finder, _AfterKerasImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKerasImport())


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Finds ``keras`` through the other finders and registers astrozoo's classes once it has run."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)  # once: later imports of keras find it in sys.modules
        found = importlib.util.find_spec(fullname)
        if found is None or found.loader is None or not hasattr(found.loader, "exec_module"):
            return found
        run_keras = found.loader.exec_module

        def exec_module(module):
            run_keras(module)
            register_keras_objects()

        found.loader.exec_module = exec_module
        return found
