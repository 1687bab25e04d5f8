"""Clusters for the command line: a local one on loopback, or an existing one by its scheduler's address."""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Mapping, Sequence

from astrozoo.distributed.partitions import Prediction, predict_paths
from astrozoo.distributed.schema import model_reference, model_spec
from astrozoo.distributed.worker import preload
from astrozoo.errors import InputError
from astrozoo.prediction.warning_summary import WarningTally

CONNECT_TIMEOUT_S = 5
TASKS_PER_WORKER = 4
"""Files are sent in about this many tasks per worker: enough to balance, few enough to batch well."""


@contextlib.contextmanager
def connect(workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """A `distributed.Client` of a new local cluster, or of the cluster whose scheduler is at ``scheduler``.

    The local cluster runs ``workers`` spawned processes of one thread each, on 127.0.0.1 only:
    spawned rather than forked, as forking a process that imported TensorFlow can deadlock.

    Args:
        workers: worker processes of a local cluster (ignored when ``scheduler`` is given).
        scheduler: an existing scheduler's address, e.g. ``"tcp://10.0.0.5:8786"``.

    Raises:
        InputError: no scheduler answers at ``scheduler`` within `CONNECT_TIMEOUT_S` seconds.
    """
    import dask  # noqa: PLC0415
    from distributed import Client, LocalCluster  # noqa: PLC0415

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError, ValueError) as err:
            raise InputError(
                f"No Dask scheduler answered at {scheduler!r} within {CONNECT_TIMEOUT_S} s. Expected the "
                f"address a running scheduler prints, e.g. tcp://10.0.0.5:8786 ({type(err).__name__}: {err})"
            ) from None
        with client:
            yield client
        return
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}),
        LocalCluster(
            n_workers=workers or 1, processes=True, threads_per_worker=1, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield client


def predict_on_cluster(
    client,
    model,
    inputs,
    batch_size: int | None = None,
    keep_columns: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
    embedding: bool = False,
):
    """`astrozoo.predict` on files and folders, its files shared among a cluster's workers.

    Table files go one per task; images and light curves in groups. The result is the table the
    serial call returns, row for row and in input order. A task whose worker dies is run again.

    Args:
        client: a `distributed.Client` (see `connect`).
        model: a zoo name, a model folder the workers can read, or ``hf://org/repo``.
        inputs: files or folders the workers can read.
        batch_size, keep_columns, columns: as `astrozoo.predict` takes them.
        embedding: give each input's vector (`astrozoo.embed`) instead of its prediction.

    Returns:
        An `astropy.table.Table`, as `astrozoo.predict` returns.
    """
    from astropy.table import vstack  # noqa: PLC0415

    from astrozoo.io import find_inputs  # noqa: PLC0415

    ref = model_reference(model)
    kind = model_spec(ref).input.kind
    files = [str(path) for path in find_inputs(inputs, kind)]
    if not files:
        raise InputError(f"No {kind} input found in {inputs!r}.")
    keep = (keep_columns,) if isinstance(keep_columns, str) else tuple(keep_columns)
    prediction = Prediction(ref, keep, dict(columns or {}), batch_size, embedding)
    addresses = list(client.scheduler_info(n_workers=-1)["workers"])
    # Every worker loads the model before any file is sent, so that none waits on another's start.
    client.gather([client.submit(preload, ref, workers=[a], pure=False) for a in addresses])
    workers = max(1, len(addresses))
    size = 1 if kind == "table" else math.ceil(len(files) / (TASKS_PER_WORKER * workers))
    groups = [files[start : start + size] for start in range(0, len(files), size)]
    futures = client.map(predict_paths, groups, prediction=prediction, retries=2, pure=False)
    tables = client.gather(futures)
    table = vstack(tables, join_type="exact", metadata_conflicts="silent") if len(tables) > 1 else tables[0]
    tally = WarningTally()  # one warning, as the serial run gives
    tally.add(table)
    tally.warn(stacklevel=2)
    return table
