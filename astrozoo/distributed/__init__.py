"""Running zoo models on Dask and LSDB clusters, partition by partition.

Each partition runs the same code as `astrozoo.predict`, so a distributed run gives the serial
run's rows. Models travel as references (a zoo name, a model folder visible to the workers, or
``hf://org/repo``): each worker process loads a model once, on first use, and keeps it. A loaded
`keras.Model` is never shipped to workers; save it with `astrozoo.save` and pass the folder.

Needs the ``dask`` extra: ``pip install "astrozoo[dask]"`` (LSDB catalogues also need Python 3.11
or later).

Example:
    >>> import pandas as pd, dask.dataframe as dd
    >>> from astrozoo.distributed import predict_dataframe
    >>> rows = pd.DataFrame({"u": [19.5], "g": [17.0], "r": [16.0], "i": [15.5], "z": [15.2]})
    >>> list(predict_dataframe("sdss-mlp", dd.from_pandas(rows, npartitions=1)).columns)
    ['source', 'label', 'p_STAR', 'p_GALAXY', 'p_QSO', 'error', 'warning']
"""

try:
    import dask.dataframe  # noqa: F401 (checked here so that the error names the extra)
    import distributed  # noqa: F401
except ImportError as err:
    raise ImportError(
        f'astrozoo.distributed needs Dask: pip install "astrozoo[dask]". Received: {err}'
    ) from err

from astrozoo.distributed.cluster import connect, predict_on_cluster
from astrozoo.distributed.dataframes import predict_catalog, predict_dataframe, predict_files

__all__ = ["connect", "predict_catalog", "predict_dataframe", "predict_files", "predict_on_cluster"]
