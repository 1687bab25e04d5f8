"""What a model is: its builder, task, classes, expected input and measured metrics."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from astrozoo.errors import AstrozooError, ConfigError

if TYPE_CHECKING:
    import astropy.units as u
    import keras

INPUT_KINDS = ("image", "lightcurve", "table")
TASKS = ("classification", "regression")
EIGHT_BIT = "JPEG 0-255"
"""The ``units`` of a model trained on 8-bit colour images (values 0-255, as in JPEG cutouts)."""


def parse_units(text: str | None) -> tuple[u.UnitBase, ...]:
    """The units an `InputSpec`'s ``units`` text names, one per comma-separated part.

    Each part is an `astropy.units` string (``"mag"``, ``"Jy/beam"``; a plural
    such as ``"days"`` reads as its singular). `EIGHT_BIT` pixel values have no
    physical unit: they read as dimensionless.

    Raises:
        ConfigError: a part is not a unit astropy knows.

    Example:
        >>> parse_units("mag, days")
        (Unit("mag"), Unit("d"))
        >>> parse_units("JPEG 0-255")
        (Unit(dimensionless),)
    """
    import astropy.units as u  # noqa: PLC0415 (astropy imports slowly; most specs never ask)

    if text is None:
        return ()
    if text == EIGHT_BIT:
        return (u.dimensionless_unscaled,)
    units = []
    for part in (p.strip() for p in str(text).split(",")):
        candidates = (part, part[:-1]) if part.endswith("s") else (part,)
        for candidate in candidates:
            try:
                units.append(u.Unit(candidate, parse_strict="raise"))
                break
            except ValueError:
                continue
        else:
            raise ConfigError(
                f"Input units must be astropy unit strings separated by commas (e.g. 'mag, days', "
                f"'Jy/beam') or {EIGHT_BIT!r}; {part!r} is not a unit. Received: units={text!r}"
            )
    return tuple(units)


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """The input a model expects, as `astrozoo predict` reads it.

    Attributes:
        kind: ``"image"``, ``"lightcurve"`` or ``"table"``.
        shape: shape of one example without the batch axis; ``None`` marks a
            free axis (image size, number of epochs).
        columns: table columns read by name (tables), or the channels of each
            light-curve step.
        bands: photometric bands or channels, e.g. ``["g", "r", "i"]``.
        units: units of the values, as `astropy.units` strings separated by
            commas, e.g. ``"Jy/beam"``, ``"mag"`` or ``"mag, days"``, or
            `EIGHT_BIT` (``"JPEG 0-255"``) for 8-bit colour images; read as
            units by `value_units`.
        pixel_scale_arcsec: pixel scale the model was trained at (images);
            `pixel_scale` gives it as a Quantity.
        field_of_view_arcsec: side of the whole square image the model was trained
            on, in arcsec (images with a fixed pixel scale). `astrozoo predict` cuts
            this central field out of FITS inputs whose WCS gives their pixel
            scale, so larger cutouts are not shrunk to the training size;
            `field_of_view` gives it as a Quantity.
        missing_value: sentinel meaning "missing" in table columns.
        period_search: for light-curve models that read folded light curves, the
            `astrozoo.io.period_search.find_period` settings, e.g. ``{"min_period": 0.2,
            "max_period": 1.2}`` (days), and optionally a ``prior`` learnt from stars
            of known period (`astrozoo.io.period_prior.PeriodPrior.to_config`);
            `astrozoo predict` finds each file's period with them and folds it.
    """

    kind: str
    shape: tuple = ()
    columns: tuple = ()
    bands: tuple = ()
    units: str | None = None
    pixel_scale_arcsec: float | None = None
    field_of_view_arcsec: float | None = None
    missing_value: float | None = None
    period_search: dict | None = None

    def __post_init__(self):
        if self.kind not in INPUT_KINDS:
            raise ConfigError(f"Input kind must be one of {INPUT_KINDS}. Received: {self.kind!r}")
        object.__setattr__(self, "shape", tuple(self.shape))
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "bands", tuple(self.bands))
        parse_units(self.units)  # refuses units that do not read as units

    @property
    def eight_bit(self) -> bool:
        """True for an image model trained on 8-bit pixels (``units`` is `EIGHT_BIT`, e.g. JPEG cutouts)."""
        return self.kind == "image" and self.units == EIGHT_BIT

    @property
    def value_units(self) -> tuple[u.UnitBase, ...]:
        """The ``units`` as `astropy.units` units (see `parse_units`); empty when none are given."""
        return parse_units(self.units)

    @property
    def pixel_scale(self) -> u.Quantity | None:
        """The training pixel scale as an angle per pixel (arcsec), or None.

        Example:
            >>> InputSpec("image", pixel_scale_arcsec=1.8).pixel_scale
            <Quantity 1.8 arcsec>
        """
        return _arcsec(self.pixel_scale_arcsec)

    @property
    def field_of_view(self) -> u.Quantity | None:
        """The side of the training field as an angle (arcsec), or None."""
        return _arcsec(self.field_of_view_arcsec)

    def to_dict(self) -> dict:
        """Returns a JSON-ready dict."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> InputSpec:
        """Builds an InputSpec from a dict, refusing unknown keys."""
        return _from_dict(cls, data, "input spec")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """Everything astrozoo knows about a model besides its weights.

    ``builder`` and ``arguments`` rebuild the architecture; the rest describes
    it. Builders fill ``task``, ``class_names``, ``target_names`` and ``input``;
    the zoo manifest and saved metadata add the descriptive fields.

    Attributes:
        builder: name of the astrozoo builder, e.g. ``"mlp"``.
        arguments: JSON-ready keyword arguments of that builder.
        task: ``"classification"`` or ``"regression"``.
        class_names: class of each output unit (classifiers).
        target_names: quantity of each output unit (regressors).
        input: the input the model expects.
        name: zoo or Hub name, when the model has one.
        description: one line saying what the model does.
        metrics: measured metrics, e.g. ``{"test": {"accuracy": 0.98}}``.
        training: data and command that reproduce the weights.
        hub: ``{"repo_id": ..., "revision": ...}`` where the model is published.
        license: licence of the weights.
        citation: how to cite the data or the model.
    """

    builder: str
    arguments: dict
    task: str
    input: InputSpec
    class_names: tuple = ()
    target_names: tuple = ()
    name: str | None = None
    description: str = ""
    metrics: dict = dataclasses.field(default_factory=dict)
    training: dict = dataclasses.field(default_factory=dict)
    hub: dict = dataclasses.field(default_factory=dict)
    license: str | None = None
    citation: str | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ConfigError(f"Task must be one of {TASKS}. Received: task={self.task!r}")
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "target_names", tuple(self.target_names))
        if isinstance(self.input, dict):
            object.__setattr__(self, "input", InputSpec.from_dict(self.input))

    @property
    def output_names(self) -> tuple:
        """Names of the output units: class names or target names."""
        return self.class_names if self.task == "classification" else self.target_names

    def headline_metric(self) -> str:
        """Returns the headline test metric as ``"name=value"``, or ``"-"`` when none is measured.

        The headline is ``metrics["headline"]`` when set (e.g. ``"macro_f1"`` for
        imbalanced classes), else the first numeric test metric.
        """
        test = self.metrics.get("test", {})
        chosen = self.metrics.get("headline")
        if chosen in test:
            return f"{chosen}={test[chosen]:.4g}"
        for key, value in test.items():
            if isinstance(value, int | float) and key != "n":
                return f"{key}={value:.4g}"
        return "-"

    def to_dict(self) -> dict:
        """Returns a JSON-ready dict."""
        data = dataclasses.asdict(self)
        data["input"] = self.input.to_dict()
        return _jsonable(data)

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        """Builds a ModelSpec from a dict, refusing unknown keys."""
        return _from_dict(cls, data, "model spec")

    def replace(self, **changes: Any) -> ModelSpec:
        """Returns a copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def spec(model: keras.Model) -> ModelSpec:
    """Returns the spec of a model built by an astrozoo builder or loaded by `astrozoo.load`.

    Example:
        >>> import astrozoo
        >>> model = astrozoo.builders.mlp(["u", "g"], class_names=["STAR", "QSO"])
        >>> astrozoo.spec(model).class_names
        ('STAR', 'QSO')
    """
    found = getattr(model, "_astrozoo_spec", None)
    if not isinstance(found, ModelSpec):
        raise AstrozooError(
            "This model carries no astrozoo spec: build it with an astrozoo.builders function, "
            "load an astrozoo model with astrozoo.load, or give a Keras model one with "
            "astrozoo.zoo_model.as_zoo_model(model, ModelSpec(...)). "
            f"Received: {type(model).__name__} {model.name!r}"
        )
    return found


def attach_spec(model: keras.Model, model_spec: ModelSpec) -> keras.Model:
    """Attaches ``model_spec`` to ``model`` and returns the model."""
    object.__setattr__(model, "_astrozoo_spec", model_spec)
    return model


def _arcsec(value: float | None) -> u.Quantity | None:
    import astropy.units as u  # noqa: PLC0415

    return None if value is None else float(value) * u.arcsec


def _from_dict(cls, data: dict, what: str):
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"Unknown keys in {what}: {sorted(unknown)}. Expected keys among {sorted(known)}.")
    try:
        return cls(**data)
    except TypeError as err:
        raise ConfigError(f"Invalid {what}: {err}. Received: {data!r}") from None


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value
