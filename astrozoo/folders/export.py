"""`export`: a model as a TensorFlow SavedModel, ONNX or LiteRT artifact, through Keras's `Model.export`.

The artifact runs the model's inference graph on its raw input: preprocessing
inside, augmentation off (its layers are inactive at inference), test-time
views averaged as the model averages them. It needs neither astrozoo nor Keras
to run.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import keras

from astrozoo.errors import AstrozooError
from astrozoo.folders.loading import load

FORMATS = {"savedmodel": "tf_saved_model", "onnx": "onnx", "litert": "litert"}
"""astrozoo's format names -> Keras's ``Model.export`` format names."""

_CONVERTERS = {"onnx": ("tf2onnx", "onnx"), "litert": ()}
"""The modules each format's converter needs beyond TensorFlow (LiteRT's is ``tf.lite``)."""


def export(model_or_ref, path: str | os.PathLike, format: str = "savedmodel") -> Path:
    """Writes ``model_or_ref`` as a serving artifact at ``path``, atomically; refuses an existing path.

    A SavedModel is a folder with the signature ``serving_default`` on the
    model's raw input; ``keras.layers.TFSMLayer(path, call_endpoint="serving_default")``
    and TensorFlow Serving run it. ONNX (a file, for onnxruntime) needs
    ``pip install astrozoo[onnx]`` (tf2onnx, onnx); LiteRT writes a ``.tflite``
    file with TensorFlow's converter.

    Args:
        model_or_ref: a `keras.Model` built by astrozoo, or anything `astrozoo.load` takes.
        path: the folder (savedmodel) or file (onnx, litert) to write; must not exist.
        format: ``"savedmodel"``, ``"onnx"`` or ``"litert"``.

    Returns:
        ``path``, as a `pathlib.Path`.

    Raises:
        AstrozooError: an unknown format, an existing ``path``, or a converter not installed.

    Example:
        >>> import tempfile, pathlib, astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> folder = export(model, pathlib.Path(tempfile.mkdtemp()) / "served")
        >>> sorted(p.name for p in folder.iterdir())
        ['assets', 'fingerprint.pb', 'saved_model.pb', 'variables']
    """
    keras_format = _checked_format(format)
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise AstrozooError(
            f"Expected an export path that does not exist yet. Received: {str(path)!r}, which exists."
        )
    model = load(model_or_ref) if not isinstance(model_or_ref, keras.Model) else model_or_ref
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its destination, then renamed: a failed export leaves nothing at `path`.
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        written = staging / ("model.tflite" if format == "litert" else "model")  # Keras wants .tflite
        model.export(str(written), format=keras_format, verbose=False)
        os.rename(written, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def _checked_format(format: str) -> str:
    """Keras's name for ``format``, once its converter is known to be installed."""
    if format not in FORMATS:
        raise AstrozooError(f"Expected an export format in {sorted(FORMATS)}. Received: format={format!r}.")
    if keras.backend.backend() != "tensorflow":
        raise AstrozooError(
            f"Expected the TensorFlow Keras backend to export. Received: {keras.backend.backend()!r} "
            "(set KERAS_BACKEND=tensorflow)."
        )
    missing = [name for name in _CONVERTERS.get(format, ()) if importlib.util.find_spec(name) is None]
    if missing:
        raise AstrozooError(
            f"Exporting to {format} needs {' and '.join(missing)}, which are not installed. "
            f"Install them with: pip install 'astrozoo[{format}]' (or pip install {' '.join(missing)})."
        )
    return FORMATS[format]
