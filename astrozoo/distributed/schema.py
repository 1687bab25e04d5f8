"""What a distributed prediction returns: model references that travel, and the output columns' types."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from astrozoo.errors import InputError
from astrozoo.spec import ModelSpec

HF_PREFIX = "hf://"
TEXT = "str"
"""pandas dtype of the text columns (source, label, error, warning)."""


def model_reference(model) -> str:
    """The reference workers load ``model`` from: a zoo name, an absolute folder, or ``hf://org/repo``.

    Args:
        model: a zoo name, a model folder or an ``hf://`` reference.

    Raises:
        InputError: ``model`` is not a reference (e.g. a loaded `keras.Model`).

    Example:
        >>> model_reference("sdss-mlp")
        'sdss-mlp'
    """
    if not isinstance(model, str | os.PathLike):
        raise InputError(
            "Distributed prediction ships a model reference to the workers, never a loaded model. "
            "Expected a zoo name, a model folder (save a model with astrozoo.save) or 'hf://org/repo'. "
            f"Received: {type(model).__name__}"
        )
    import astrozoo  # noqa: PLC0415

    ref = os.fspath(model)
    if ref.startswith(HF_PREFIX) or ref in astrozoo.list_models():
        return ref
    return str(Path(ref).resolve()) if Path(ref).is_dir() else ref


def model_spec(ref: str) -> ModelSpec:
    """The spec of the model ``ref`` names, read from JSON files: no Keras, no weights.

    Args:
        ref: what `model_reference` returns. For ``hf://`` references, the repo's
            ``config.json`` and ``metadata.json`` are downloaded.

    Example:
        >>> model_spec("sdss-mlp").class_names
        ('STAR', 'GALAXY', 'QSO')
    """
    if not ref.startswith(HF_PREFIX):
        import astrozoo  # noqa: PLC0415

        return astrozoo.resolve_spec(ref)
    from huggingface_hub import hf_hub_download  # noqa: PLC0415

    repo_id = ref.removeprefix(HF_PREFIX).strip("/")
    config, metadata = (
        json.loads(Path(hf_hub_download(repo_id, name)).read_text(encoding="utf-8"))
        for name in ("config.json", "metadata.json")
    )
    return ModelSpec.from_dict({**metadata["spec"], **config})


def output_meta(model_spec: ModelSpec, kept: pd.DataFrame | None = None, index=None) -> pd.DataFrame:
    """An empty frame with the columns `astrozoo.predict` returns, in its order, typed for pandas.

    Args:
        model_spec: the model's spec.
        kept: an (empty) frame of the input columns copied into the output, with their types.
        index: the output's (empty) index; a default integer index if None.

    Returns:
        ``source``, the kept columns, ``label``, then ``prediction`` (and ``prediction_<name>``) or
        ``p_<class>``, ``period`` for models that fold light curves, ``error`` and ``warning``. Text
        columns are pandas strings; numbers are float64 (NaN where ``error`` is set).

    Example:
        >>> import astrozoo
        >>> meta = output_meta(astrozoo.resolve_spec("photoz-mlp"))
        >>> list(meta.columns), str(meta["prediction"].dtype)
        (['source', 'label', 'prediction', 'error', 'warning'], 'float64')
    """
    columns = {"source": pd.Series([], dtype=TEXT)}
    for name in kept.columns if kept is not None else ():
        columns[name] = kept[name].iloc[:0].reset_index(drop=True)
    columns["label"] = pd.Series([], dtype=TEXT)
    for name in number_columns(model_spec):
        columns[name] = pd.Series([], dtype=np.float64)
    columns["error"] = pd.Series([], dtype=TEXT)
    columns["warning"] = pd.Series([], dtype=TEXT)
    frame = pd.DataFrame(columns)
    return frame if index is None else frame.set_axis(index[:0])


def number_columns(model_spec: ModelSpec) -> list[str]:
    """The output's float columns, named as `astrozoo.predict` names them."""
    if model_spec.task == "classification":
        names = [f"p_{name}" for name in model_spec.class_names]
    else:
        targets = enumerate(model_spec.target_names)
        names = ["prediction" if j == 0 else f"prediction_{name}" for j, name in targets]
    return names + (["period"] if model_spec.input.period_search else [])


def table_to_frame(table, meta: pd.DataFrame, index=None, kept: pd.DataFrame | None = None) -> pd.DataFrame:
    """`astrozoo.predict`'s table as a pandas frame typed as ``meta`` (masked numbers become NaN).

    Args:
        table: what `astrozoo.predict` returned.
        meta: what `output_meta` returned for the same model.
        index: the output rows' index; a default integer index if None.
        kept: the input's kept columns, taken as they are (with their pandas types).
    """
    data = {}
    for name, dtype in meta.dtypes.items():
        if kept is not None and name in kept.columns:
            data[name] = kept[name].to_numpy()
        elif dtype == np.float64:
            data[name] = np.ma.filled(np.ma.asarray(table[name], dtype=np.float64), np.nan)
        else:
            data[name] = np.asarray(table[name], dtype=str)
    frame = pd.DataFrame(data, index=index)
    return frame.astype(meta.dtypes.to_dict())
