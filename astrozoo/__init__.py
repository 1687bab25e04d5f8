"""astrozoo: a Keras 3 model zoo of pretrained astrophysics models.

What needs Keras (``load``, ``predict``, ``builders``...) is imported on first
use, so ``import astrozoo``, `list_models` and `resolve_spec` start without
TensorFlow.

Example:
    >>> import astrozoo
    >>> isinstance(astrozoo.list_models(), list)
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from astrozoo.errors import (
    AstrozooError,
    ConfigError,
    InputError,
    IntegrityError,
    ModelNotFoundError,
    TrainingError,
)
from astrozoo.folders.manifest import list_models
from astrozoo.folders.zoo import resolve_spec
from astrozoo.keras_objects import register_with_keras
from astrozoo.lazy import lazy_attributes
from astrozoo.spec import InputSpec, ModelSpec, spec

__version__ = "0.1.0"

_LAZY = {
    "anomaly_scores": "astrozoo.embedding.neighbours",
    "builders": "astrozoo.builders",
    "embed": "astrozoo.embedding.run",
    "export": "astrozoo.folders.export",
    "finetune": "astrozoo.training.finetune",
    "layers": "astrozoo.layers",
    "load": "astrozoo.folders.loading",
    "save": "astrozoo.folders.saving",
    "predict": "astrozoo.prediction",
    "push": "astrozoo.folders.publishing",
    "similar": "astrozoo.embedding.neighbours",
}
"""Names whose modules import Keras: ``name -> module`` (the module itself for a submodule)."""

if TYPE_CHECKING:
    from astrozoo import builders, layers
    from astrozoo.embedding.neighbours import anomaly_scores, similar
    from astrozoo.embedding.run import embed
    from astrozoo.folders.export import export
    from astrozoo.folders.loading import load
    from astrozoo.folders.publishing import push
    from astrozoo.folders.saving import save
    from astrozoo.prediction import predict
    from astrozoo.training.finetune import finetune


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
register_with_keras()  # so keras.saving.load_model rebuilds astrozoo models after `import astrozoo`

__all__ = [
    "AstrozooError",
    "ConfigError",
    "InputError",
    "InputSpec",
    "IntegrityError",
    "ModelNotFoundError",
    "ModelSpec",
    "TrainingError",
    "anomaly_scores",
    "builders",
    "embed",
    "export",
    "finetune",
    "layers",
    "list_models",
    "load",
    "predict",
    "push",
    "resolve_spec",
    "save",
    "similar",
    "spec",
]
