"""astrozoo: a Keras 3 model zoo of pretrained astrophysics models.

Example:
    >>> import astrozoo
    >>> isinstance(astrozoo.list_models(), list)
    True
"""

__version__ = "0.1.0"

from astrozoo import builders, layers
from astrozoo.errors import (
    AstrozooError,
    ConfigError,
    InputError,
    IntegrityError,
    ModelNotFoundError,
    TrainingError,
)
from astrozoo.hub import push
from astrozoo.loading import load, resolve_spec, save
from astrozoo.manifest import list_models
from astrozoo.predict import predict
from astrozoo.spec import InputSpec, ModelSpec, spec

__all__ = [
    "AstrozooError",
    "ConfigError",
    "InputError",
    "InputSpec",
    "IntegrityError",
    "ModelNotFoundError",
    "ModelSpec",
    "TrainingError",
    "builders",
    "layers",
    "list_models",
    "load",
    "predict",
    "push",
    "resolve_spec",
    "save",
    "spec",
]
