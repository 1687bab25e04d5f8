"""`ZooModel`: a functional Keras model that carries its astrozoo spec inside its Keras config.

Registered as ``astrozoo>ZooModel``, so ``keras.saving.load_model`` rebuilds it in
safe mode (after ``import astrozoo``) with its spec: `astrozoo.spec` and
`astrozoo.predict` work on a model loaded by Keras alone.
"""

from __future__ import annotations

import keras

from astrozoo.spec import ModelSpec, attach_spec, spec


@keras.saving.register_keras_serializable(package="astrozoo")
class ZooModel(keras.Model):
    """A functional model whose ``get_config`` holds its `ModelSpec` under ``"spec"``.

    Args:
        *args: `keras.Model`'s functional arguments (``inputs``, ``outputs``).
        spec: the model's spec, as `ModelSpec.to_dict` writes it.
        **kwargs: `keras.Model`'s keyword arguments (``name``, ``trainable``).

    Example:
        >>> import keras, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> config = keras.saving.serialize_keras_object(model)
        >>> config["registered_name"], config["config"]["spec"]["class_names"]
        ('astrozoo>ZooModel', ['STAR', 'QSO'])
    """

    def __init__(self, *args, spec: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if spec is not None:
            attach_spec(self, ModelSpec.from_dict(spec))

    def get_config(self) -> dict:
        """The functional config, plus ``"spec"`` (None when no spec is attached)."""
        config = super().get_config()
        found = getattr(self, "_astrozoo_spec", None)
        config["spec"] = found.to_dict() if isinstance(found, ModelSpec) else None
        return config


def as_zoo_model(model: keras.Model, model_spec: ModelSpec | None = None) -> ZooModel:
    """A `ZooModel` sharing ``model``'s layers and weights, uncompiled, carrying ``model_spec``.

    Args:
        model: a functional model (a `ZooModel` included).
        model_spec: the spec to carry; defaults to ``model``'s own (`astrozoo.spec`).

    Raises:
        AstrozooError: ``model_spec`` is None and ``model`` carries no spec.
        ValueError: ``model`` is not functional (a subclassed model has no graph to share).
    """
    model_spec = spec(model) if model_spec is None else model_spec
    wrapped = ZooModel(model.input, model.output, name=model.name)  # singletons unpacked, as built
    return attach_spec(wrapped, model_spec)


def functional(model: keras.Model, name: str | None = None) -> keras.Model:
    """A plain functional model sharing ``model``'s layers: what to nest inside another model.

    Nested models are addressed by class name in a weights file, so a member
    nested as ``ZooModel`` would not read weights written for a ``Functional`` one.
    """
    return keras.Model(model.input, model.output, name=name or model.name)
