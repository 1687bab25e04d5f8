"""MiraBest: FIRST 1.4 GHz radio galaxies labelled FRI, FRII or hybrid (Miraghaei & Best 2017).

File names encode the label: ``CMT_RA±DEC_z_size.fits.fz`` where C is the class
(1 FRI, 2 FRII, 3 hybrid), M the confidence (0 confident, 1 uncertain) and T the
morphology (0 standard, 1 double-double, 2 wide-angle tail, 4 head-tail).
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from pathlib import Path

import numpy as np

from astrozoo.datasets.base import EXTRA_TRAIN, SPLIT_SEED, Split, data_root, stratified_split
from astrozoo.datasets.safe_pickle import safe_loads
from astrozoo.errors import InputError, IntegrityError

NAME = "mirabest"
ORIGIN = "https://zenodo.org/records/4288837 (MiraBest; images from FIRST via SkyView)"
LICENSE = "Scholarly, non-commercial use (MiraBest); FIRST survey data are public"
MANUAL = (
    "Download the MiraBest release from the origin record (batches.tar.gz); the FITS cutouts are "
    "FIRST images from SkyView (https://skyview.gsfc.nasa.gov) at the catalogue positions, 150x150 "
    "pixels of 1.8 arcsec, named as in the catalogue (see astrozoo.datasets.mirabest.catalog)."
)
CITATION = "Miraghaei & Best 2017, MNRAS 466, 4346; Porter & Scaife 2023, RASTI 2, 293 (MiraBest)"
CLASSES = ("FRI", "FRII")
MORPHOLOGY = {"0": "standard", "1": "double-double", "2": "wide-angle tail", "4": "head-tail"}
PIXEL_SCALE_ARCSEC = 1.8
FIELD_OF_VIEW_ARCSEC = 270.0  # the cutouts' 150 pixels
_NAME = re.compile(r"^(?P<cls>[123])(?P<conf>[01])(?P<morph>\d)_(?P<ra>[\d.]+)(?P<dec>[+-][\d.]+)_"
                   r"(?P<z>[\d.]+)_(?P<size>[\d.]+)\.fits(\.fz)?$")  # fmt: skip
# The batched release's image names: CMT_RA_DEC.png.
_BATCH_NAME = re.compile(r"^(?P<cls>[123])(?P<conf>[01])(?P<morph>\d)_(?P<ra>[\d.]+)_(?P<dec>[+-][\d.]+)"
                         r"\.png$")  # fmt: skip


def catalog(data_dir=None):
    """Parses every FITS file name into an `astropy.table.Table`.

    Columns: ``path``, ``label`` (FRI/FRII/hybrid), ``confident``, ``morphology``,
    ``ra``, ``dec`` (deg), ``z``, ``size_arcsec``.
    """
    from astropy.table import Table  # noqa: PLC0415

    folder = data_root(data_dir, NAME) / "fits"
    rows = []
    for path in sorted(folder.glob("*.fits*")):
        match = _NAME.match(path.name)
        if not match:
            raise InputError(
                f"{str(path)!r}: file name does not follow the MiraBest pattern CMT_RA±DEC_z_size."
            )
        rows.append((
            str(path), {"1": "FRI", "2": "FRII", "3": "hybrid"}[match["cls"]], match["conf"] == "0",
            MORPHOLOGY.get(match["morph"], "other"), float(match["ra"]), float(match["dec"]),
            float(match["z"]), float(match["size"]),
        ))  # fmt: skip
    names = ("path", "label", "confident", "morphology", "ra", "dec", "z", "size_arcsec")
    return Table(rows=rows, names=names)


def load_splits(data_dir=None, seed: int = SPLIT_SEED) -> dict[str, Split]:
    """Splits the confident FRI/FRII images; uncertain FRI/FRII go to an extra ``"uncertain"`` split.

    ``x`` holds file paths, ``y`` the index in `CLASSES`. Hybrids are left out.
    When the folder also holds ``batches.tar.gz``, the sources found only there
    (`batch_only_sources`) form an ``"extra_train"`` split of image arrays that
    training adds to ``train`` and never scores.
    """
    table = catalog(data_dir)
    binary = np.isin(table["label"], CLASSES)
    paths = np.asarray(table["path"]).astype(str)
    y = np.array([CLASSES.index(c) if c in CLASSES else -1 for c in table["label"]])
    confident = binary & np.asarray(table["confident"], bool)
    chosen = np.flatnonzero(confident)
    splits = {
        name: Split(paths[chosen][idx], y[chosen][idx], paths[chosen][idx])
        for name, idx in stratified_split(y[chosen], seed=seed).items()
    }
    uncertain = binary & ~np.asarray(table["confident"], bool)
    splits["uncertain"] = Split(paths[uncertain], y[uncertain], paths[uncertain])
    if (data_root(data_dir, NAME) / "batches.tar.gz").is_file():
        splits[EXTRA_TRAIN] = batch_only_sources(data_dir, table)
    return splits


def batch_only_sources(data_dir=None, table=None, min_separation_arcsec: float = 30.0) -> Split:
    """The FRI/FRII images of the batched release whose sources have no FITS file here.

    The batched release (`read_batches`) holds MiraBest's own 150x150 8-bit
    versions of the same FIRST cutouts (3-sigma clipped, scaled to 0-255), and
    some sources that the FITS folder lacks. Those are extra training examples:
    a batch image counts only if its position (from its file name) lies more
    than ``min_separation_arcsec`` from every FITS source, whatever that
    source's label, so no validation or test source comes back under another name.

    Args:
        data_dir: folder holding the datasets (default: ``ASTROZOO_DATA``).
        table: the FITS `catalog`, if already read.
        min_separation_arcsec: how far from every FITS source a batch source must be.

    Returns:
        A `Split` whose ``x`` is float32 images of shape (n, 150, 150, 1) with
        values 0-255, ``y`` the index in `CLASSES`, ``ids`` the release's file names.
    """
    from astropy.coordinates import SkyCoord  # noqa: PLC0415

    table = catalog(data_dir) if table is None else table
    images, labels, names, ra, dec = [], [], [], [], []
    for batch in read_batches(data_dir).values():
        for image, label, name in zip(batch["data"], batch["labels"], batch["filenames"], strict=True):
            match = _BATCH_NAME.match(Path(name).name)
            if not match:
                raise InputError(f"Batch image {name!r} does not follow the pattern CMT_RA_DEC.png.")
            if CLASSES[int(label)] != {"1": "FRI", "2": "FRII"}.get(match["cls"]):
                raise InputError(f"Batch image {name!r}: label {label} disagrees with its file name.")
            images.append(image)
            labels.append(int(label))
            names.append(name)
            ra.append(float(match["ra"]))
            dec.append(float(match["dec"]))
    batch_positions = SkyCoord(ra, dec, unit="deg")
    fits_positions = SkyCoord(np.asarray(table["ra"]), np.asarray(table["dec"]), unit="deg")
    nearest = batch_positions[:, np.newaxis].separation(fits_positions[np.newaxis, :]).min(axis=1)
    keep = nearest.arcsec > min_separation_arcsec
    x = np.asarray(images, dtype=np.float32)[keep][..., np.newaxis]
    return Split(x, np.asarray(labels)[keep], np.asarray(names)[keep])


def read_batches(data_dir=None, archive: str | Path | None = None) -> dict[str, dict]:
    """Reads the CIFAR-style ``batches.tar.gz`` without extracting it or running any pickle code.

    Every batch's md5 is checked against the archive's ``hash.md5`` and the
    pickles go through `safe_loads`, which admits only containers and arrays.

    Returns:
        ``{batch name: {"data": uint8 (n, 150, 150), "labels": int array, "filenames": [...]}}``.
    """
    archive = Path(archive) if archive else data_root(data_dir, NAME) / "batches.tar.gz"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            if "hash.md5" not in members:
                raise InputError(f"{str(archive)!r}: no hash.md5 in the archive.")
            listing = tar.extractfile(members["hash.md5"]).read().decode().splitlines()
            hashes = {name: digest for digest, name in (line.split() for line in listing if line.strip())}
            batches = {}
            for name in sorted(n for n in members if n.startswith(("data_batch_", "test_batch"))):
                data = tar.extractfile(members[name]).read()
                if hashlib.md5(data).hexdigest() != hashes.get(name):
                    raise IntegrityError(f"{str(archive)!r}: {name} does not match its md5 in hash.md5.")
                batch = {_text(k): v for k, v in safe_loads(data, f"{archive}:{name}").items()}
                batches[name] = {
                    "data": np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 150, 150),
                    "labels": np.asarray(batch["labels"], dtype=np.int64),
                    "filenames": [_text(f) for f in batch["filenames"]],
                }
    except (tarfile.TarError, OSError, EOFError) as err:
        raise InputError(f"{str(archive)!r}: not a readable tar.gz archive ({err}).") from None
    return batches


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
