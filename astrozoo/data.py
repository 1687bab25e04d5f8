"""tf.data pipelines over images, light curves and tables, with a bad-file policy.

Files are decoded in parallel (``AUTOTUNE``) by the readers `astrozoo.predict`
uses (`astrozoo.io.model_inputs`), so training sees what prediction does. A file that
cannot be read is either skipped and recorded in the returned `BadFiles`
report (``on_error="skip"``, the default) or stops the pipeline with its
`InputError` message (``on_error="raise"``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from astrozoo.errors import InputError
from astrozoo.io import read_image_input, read_lightcurve_input, sequence_channels
from astrozoo.io.tables import table_features

AUTOTUNE = tf.data.AUTOTUNE


class BadFiles:
    """Thread-safe record of the files a pipeline skipped, filled as it is iterated.

    Attributes:
        errors: ``{path: reason}`` of every skipped file.
    """

    def __init__(self):
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, path: str, reason: str) -> None:
        with self._lock:
            self.errors[path] = reason

    @property
    def count(self) -> int:
        """How many files were skipped so far."""
        return len(self.errors)

    def __repr__(self) -> str:
        return f"BadFiles(count={self.count}, files={sorted(self.errors)})"


def _file_dataset(
    files: Sequence, labels, decode: Callable[[str], np.ndarray], shape, on_error: str,
    shuffle: bool, seed: int | None,
):  # fmt: skip
    if on_error not in ("skip", "raise"):
        raise ValueError(f"on_error must be 'skip' or 'raise'. Received: {on_error!r}")
    files = [os.fspath(f) for f in files]
    report = BadFiles()
    labels = np.zeros(len(files), np.int64) if labels is None else np.asarray(labels)
    if len(labels) != len(files):
        raise ValueError(f"Got {len(files)} files but {len(labels)} labels.")

    def load(path_tensor):
        path = path_tensor.decode()
        try:
            return decode(path), True
        except InputError as err:
            if on_error == "raise":
                raise
            report.add(path, str(err))
            return np.zeros([1 if s is None else s for s in shape], np.float32), False

    def tf_load(path, label):
        array, ok = tf.numpy_function(load, [path], [tf.float32, tf.bool], stateful=False)
        array.set_shape(shape)
        ok.set_shape(())
        return array, label, ok

    dataset = tf.data.Dataset.from_tensor_slices((files, labels))
    if shuffle:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(tf_load, num_parallel_calls=AUTOTUNE, deterministic=True)
    dataset = dataset.filter(_is_ok).map(_drop_flag)
    return dataset, report


def _is_ok(array, label, ok):
    return ok


def _drop_flag(array, label, ok):
    return array, label


def _finish(dataset, batch_size, cache, padded_shape=None):
    if cache:
        dataset = dataset.cache() if cache is True else dataset.cache(os.fspath(cache))
    if batch_size:
        if padded_shape is not None:
            dataset = dataset.padded_batch(batch_size, padded_shapes=(padded_shape, []))
        else:
            dataset = dataset.batch(batch_size)
    return dataset.prefetch(AUTOTUNE)


def image_dataset(
    files: Sequence,
    labels: Sequence[int] | None = None,
    image_size: Sequence[int] = (64, 64),
    channels: int = 3,
    crop_fraction: float = 1.0,
    batch_size: int | None = 32,
    shuffle: bool = False,
    seed: int | None = None,
    cache: bool | str = False,
    on_error: str = "skip",
    field_of_view_arcsec: float | None = None,
):
    """A ``(image, label)`` dataset from FITS/JPEG/PNG files, resized to one size for batching.

    Images are cropped (central ``crop_fraction``) and resized with antialiasing
    to ``image_size``, so batches have one shape; NaNs are kept for the model's
    preprocessing to handle.

    An astrozoo image model crops and resizes by itself, so to feed one leave
    ``crop_fraction`` at 1 and ask for ``uncropped_size(image_size, crop_fraction)``
    with the model's own values: cropping here as well would crop twice.

    Args:
        files: image paths.
        labels: integer labels; zeros when None (inference).
        image_size: (height, width) of every element.
        channels: expected channels; other images count as bad files.
        crop_fraction: central fraction of each side kept before resizing.
        batch_size: batch size, or None for unbatched elements.
        shuffle: shuffle file order each epoch.
        seed: shuffle seed.
        cache: True caches decoded images in memory, a path caches to disk.
        on_error: ``"skip"`` (record in the report) or ``"raise"``.
        field_of_view_arcsec: first cut this central field out of FITS files with a
            WCS (`astrozoo.io.read_pixels`); pass the model's
            ``spec(model).input.field_of_view_arcsec``.

    Returns:
        ``(dataset, report)``; ``report`` is a `BadFiles` filled during iteration.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> from PIL import Image
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> Image.fromarray(np.zeros((40, 30, 3), "uint8")).save(folder / "a.png")
        >>> _ = (folder / "b.png").write_text("not an image")
        >>> dataset, report = image_dataset([folder / "a.png", folder / "b.png"], image_size=(16, 16))
        >>> [tuple(x.shape) for x, y in dataset], report.count
        ([(1, 16, 16, 3)], 1)
    """
    size = tuple(int(s) for s in image_size)
    field_of_view = _arcsec(field_of_view_arcsec)

    def decode(path):
        return read_image_input(path, channels, field_of_view, size=size, crop_fraction=crop_fraction).pixels

    dataset, report = _file_dataset(files, labels, decode, (*size, channels), on_error, shuffle, seed)
    return _finish(dataset, batch_size, cache), report


def uncropped_size(image_size: Sequence[int], crop_fraction: float) -> tuple[int, ...]:
    """The whole-image size whose central ``crop_fraction`` is ``image_size`` pixels.

    Example:
        >>> uncropped_size((64, 64), 0.5)
        (128, 128)
    """
    return tuple(round(int(s) / float(crop_fraction)) for s in image_size)


def load_images(
    paths: Sequence,
    image_size: Sequence[int],
    crop_fraction: float = 1.0,
    channels: int | None = None,
    field_of_view_arcsec: float | None = None,
) -> np.ndarray:
    """Reads whole image files into one float32 array for an image model to crop itself.

    Each image is resized (not cropped) to ``uncropped_size(image_size,
    crop_fraction)``; the model's preprocessing then takes the central
    ``crop_fraction``, exactly ``image_size`` pixels, as it does for the whole
    files `astrozoo.predict` gives it. Pass the model's own values, e.g.
    ``**{k: astrozoo.spec(model).arguments[k] for k in ("image_size", "crop_fraction")}``.

    Args:
        paths: image files (FITS, JPEG, PNG).
        image_size: the model's ``image_size``.
        crop_fraction: the model's ``crop_fraction``.
        channels: expected number of channels, or None to accept what the files have.
        field_of_view_arcsec: the model's field of view: FITS files with a WCS are
            first cut to it, as `astrozoo.predict` does (`astrozoo.io.read_pixels`).

    Returns:
        An array of shape ``(len(paths), H, W, C)``.

    Raises:
        InputError: a file cannot be read, or has the wrong number of channels.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> from PIL import Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "galaxy.png"
        >>> Image.fromarray(np.zeros((300, 300, 3), "uint8")).save(path)
        >>> load_images([path], image_size=(64, 64), crop_fraction=0.5).shape
        (1, 128, 128, 3)
    """
    size = uncropped_size(image_size, crop_fraction)
    field_of_view = _arcsec(field_of_view_arcsec)
    return np.stack([read_image_input(path, channels, field_of_view, size=size).pixels for path in paths])


def _arcsec(value: float | None):
    """A field of view given in arcsec as the Quantity the readers take."""
    import astropy.units as u  # noqa: PLC0415

    return None if value is None else value * u.arcsec


def lightcurve_dataset(
    files: Sequence,
    labels: Sequence[int] | None = None,
    bands: Sequence[str] = ("g",),
    periods: Sequence[float] | None = None,
    max_length: int | None = None,
    batch_size: int | None = 32,
    shuffle: bool = False,
    seed: int | None = None,
    cache: bool | str = False,
    on_error: str = "skip",
):
    """A ``(sequence, label)`` dataset of light curves, padded per batch with zero steps.

    Each sequence has channels (time or phase, magnitude, error, one-hot band)
    as `astrozoo.io.read_lightcurve_input` reads them; batches are padded at the
    end with all-zero steps, as `astrozoo.io.pad_sequences` pads them (here in
    the tf.data graph, so batches stream), and the recurrent models mask them.

    Args:
        files: light-curve files (CSV or FITS).
        labels: integer labels; zeros when None.
        bands: band names in one-hot order.
        periods: optional period per file (days), to fold each light curve (the
            sequences then end with a log10(period) channel).
        max_length: keep at most this many observations per light curve.
        batch_size: batch size, or None for unbatched elements.
        shuffle: shuffle file order each epoch.
        seed: shuffle seed.
        cache: True caches in memory, a path caches to disk.
        on_error: ``"skip"`` (record in the report) or ``"raise"``.

    Returns:
        ``(dataset, report)``.
    """
    period_of = {} if periods is None else {os.fspath(f): p for f, p in zip(files, periods, strict=True)}

    def decode(path):
        return read_lightcurve_input(path, bands, period=period_of.get(path), max_length=max_length).sequence

    shape = (None, sequence_channels(bands, folded=periods is not None))
    dataset, report = _file_dataset(files, labels, decode, shape, on_error, shuffle, seed)
    return _finish(dataset, batch_size, cache, padded_shape=[None, shape[1]]), report


def table_dataset(
    table,
    columns: Sequence[str],
    label_column: str | None = None,
    class_names: Sequence[str] | None = None,
    missing_value: float | None = None,
    batch_size: int | None = 32,
    shuffle: bool = False,
    seed: int | None = None,
):
    """A ``(features, label)`` dataset from an `astropy.table.Table`, columns read by name.

    Args:
        table: the table.
        columns: feature columns, in model order.
        label_column: column holding labels (class names or numbers), if any.
        class_names: maps class-name labels to indices.
        missing_value: value written for empty cells (NaN by default).
        batch_size: batch size, or None.
        shuffle: shuffle rows each epoch.
        seed: shuffle seed.
    """
    x = table_features(table, columns, "table", missing_value)
    if label_column is None:
        y = np.zeros(len(x), np.int64)
    elif class_names is not None:
        y = np.array([list(class_names).index(str(v)) for v in table[label_column]], np.int64)
    else:
        y = np.asarray(table[label_column])
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return _finish(dataset, batch_size, cache=False)
