"""One model per worker process: loaded on first use, kept for every later task of the process."""

from __future__ import annotations

import threading

_MODELS: dict = {}
"""Loaded models of this process by reference."""
_LOADING = threading.Lock()  # a worker with several threads loads each model once


def worker_model(ref: str):
    """The model ``ref`` names, loaded once per process (TensorFlow's threads set first on a worker).

    Args:
        ref: a zoo name, a model folder or an ``hf://org/repo`` reference.

    Returns:
        A `keras.Model` loaded by `astrozoo.load`.

    Example:
        >>> worker_model("sdss-mlp") is worker_model("sdss-mlp")
        True
    """
    with _LOADING:
        if ref not in _MODELS:
            if not _MODELS:
                limit_tensorflow_threads(_worker_threads())
            import astrozoo  # noqa: PLC0415 (imports Keras)

            _MODELS[ref] = astrozoo.load(ref)
        return _MODELS[ref]


def preload(ref: str) -> None:
    """Loads the model ``ref`` names into this process (`worker_model`) and returns nothing to send back.

    Example:
        >>> preload("sdss-mlp")
    """
    worker_model(ref)


def limit_tensorflow_threads(threads: int | None) -> bool:
    """Sets TensorFlow's thread pools to ``threads``, so that workers on one machine share its cores.

    TensorFlow accepts this only before it runs its first operation; a process that already ran one
    keeps its pools.

    Args:
        threads: threads per pool; None leaves TensorFlow's defaults (one thread per core).

    Returns:
        Whether the pools were set.
    """
    if threads is None:
        return False
    import tensorflow as tf  # noqa: PLC0415

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already started its pools in this process
        return False
    return True


def _worker_threads() -> int | None:
    """The number of task threads of the Dask worker running this code, or None outside a worker."""
    from distributed import get_worker  # noqa: PLC0415

    try:
        return get_worker().state.nthreads
    except ValueError:  # not in a worker: a local call, or Dask's synchronous scheduler
        return None
