"""Downloading a dataset from its public origin into the cache, verified and atomically.

Each dataset module lists the files it is made of as `Remote` entries in ``REMOTE``
(pinned URLs, with the sha256 where the published file is known byte for byte), or,
when the public release needs a login or a conversion, explains in ``MANUAL`` how to
assemble its folder by hand.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import shutil
import time
from pathlib import Path

from astrozoo.datasets.cache import COMPLETE_MARKER, cache_dir, cached_dataset
from astrozoo.errors import InputError, IntegrityError
from astrozoo.folders.integrity import atomic_path, atomic_write_text, check_relative_name, sha256_file

DATASETS = (
    "alerce_sne",
    "decals_rings",
    "gz2_spirals",
    "lightcurve_fits",
    "mirabest",
    "ogle3",
    "photoz_mgs",
    "rrlyrae_s82",
    "sdss_dr14",
)


@dataclasses.dataclass(frozen=True)
class Remote:
    """One file of a dataset and where to get it.

    Attributes:
        url: where the file is published (pinned to a commit or release where possible).
        path: where it goes inside the dataset's folder, e.g. ``"SDSS_MGS.train"``.
        sha256: the published file's sha256, or None where it is not known; then
            the digest of what was downloaded is recorded in ``SOURCES.json``.
    """

    url: str
    path: str
    sha256: str | None = None


def dataset_module(name: str):
    """The `astrozoo.datasets` module of a dataset name.

    Raises:
        InputError: the name is not an astrozoo dataset.
    """
    if name not in DATASETS:
        raise InputError(f"Unknown dataset {name!r}. Expected one of: {', '.join(DATASETS)}.")
    return importlib.import_module(f"astrozoo.datasets.{name}")


def download(name: str, force: bool = False, mirror: str | None = None, progress: bool = True) -> Path:
    """Downloads a dataset into the cache (see `cache_dir`) and returns its folder.

    Files already in place and verified are kept; each new file is downloaded to
    a temporary file, checked against its sha256 when one is published, and
    renamed into place. ``SOURCES.json`` (what came from where, with digests)
    is written last: a folder without it is an unfinished download that loaders
    ignore. Concurrent calls wait for each other.

    Args:
        name: dataset name, e.g. ``"photoz_mgs"`` (see `DATASETS`).
        force: download every file again.
        mirror: base URL of a mirror holding ``NAME/PATH`` for each file, used
            instead of the original hosts (e.g. an institute's copy).
        progress: show a progress bar (on a terminal).

    Returns:
        The dataset's folder in the cache; ``astrozoo.datasets.NAME.load_splits()``
        then finds it without ``ASTROZOO_DATA``.

    Raises:
        InputError: unknown dataset, one without a direct download (the message
            says how to assemble it), or a failed transfer (naming the URL).
        IntegrityError: a file's sha256 differs from the published one.
    """
    from filelock import FileLock  # noqa: PLC0415

    module = dataset_module(name)
    remotes = getattr(module, "REMOTE", ())
    if not remotes:
        raise InputError(
            f"Dataset {name!r} has no direct download. Origin: {module.ORIGIN}. "
            f"{getattr(module, 'MANUAL', '')} Put its folder in ASTROZOO_DATA (or pass data_dir)."
        )
    folder = cache_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder.parent / f"{name}.lock")):
        if cached_dataset(name) and not force:
            return folder
        (folder / COMPLETE_MARKER).unlink(missing_ok=True)
        sources = []
        for remote in remotes:
            url = f"{mirror.rstrip('/')}/{name}/{remote.path}" if mirror else remote.url
            target = folder / check_relative_name(remote.path)
            digest = sha256_file(target) if target.is_file() and not force else None
            if digest is None or remote.sha256 not in (None, digest):
                digest = _fetch(url, target, remote.sha256, progress)
            sources.append({"url": url, "path": remote.path, "sha256": digest,
                            "published_sha256": remote.sha256})  # fmt: skip
        finish = getattr(module, "finish_download", None)
        if finish is not None:
            finish(folder)
        record = {
            "dataset": name,
            "origin": module.ORIGIN,
            "license": module.LICENSE,
            "downloaded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": sources,
        }
        atomic_write_text(folder / COMPLETE_MARKER, json.dumps(record, indent=2) + "\n")
    return folder


def _fetch(url: str, target: Path, sha256: str | None, progress: bool) -> str:
    """Downloads ``url`` to ``target`` via a temporary file; returns the sha256 of what arrived."""
    from astropy.utils.data import download_file  # noqa: PLC0415

    try:
        downloaded = Path(download_file(url, cache=False, show_progress=progress))
    except Exception as err:
        raise InputError(f"Could not download {url}: {err}") from err
    try:
        received = sha256_file(downloaded)
        if sha256 is not None and received != sha256:
            raise IntegrityError(
                f"{url}: expected sha256 {sha256}, received {received} ({downloaded.stat().st_size} bytes). "
                "The file was not kept; the host may have changed it, or the transfer was corrupted."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as partial:
            shutil.move(downloaded, partial)
        return received
    finally:
        if downloaded.exists():
            os.unlink(downloaded)
