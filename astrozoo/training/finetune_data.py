"""Reading the labelled examples `astrozoo.finetune` trains on: a table of files, class folders, or rows.

Every file is read by `astrozoo.io.model_inputs.read_model_input`, as `astrozoo.predict` reads it,
so that a fine-tuned model is trained on the arrays it will be given.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path

import numpy as np

from astrozoo.data import uncropped_size
from astrozoo.errors import InputError
from astrozoo.io.discover import SUFFIXES, has_suffix
from astrozoo.io.lightcurves import pad_sequences
from astrozoo.io.model_inputs import read_model_input, read_table_rows, resize_image
from astrozoo.io.tables import read_table
from astrozoo.spec import ModelSpec

PATH_COLUMN = "path"
LABEL_COLUMN = "label"
MAX_SKIPPED_FRACTION = 0.1
"""Above this fraction of unreadable examples the data is refused rather than trained on."""


@dataclasses.dataclass(frozen=True)
class LabelledData:
    """Examples read as a model reads them, with their labels.

    Attributes:
        x: the model inputs, stacked: images resized to the size the model shrinks them from,
            light curves padded, table rows.
        labels: one label (text) or target value (float) per example.
        sources: the file (or ``table:ROW``) of each example.
        origin: where the examples came from (the table or folder given).
        skipped: ``(source, reason)`` of each example left out.
    """

    x: np.ndarray
    labels: np.ndarray
    sources: tuple[str, ...]
    origin: str
    skipped: tuple[tuple[str, str], ...] = ()

    def __len__(self) -> int:
        return len(self.labels)


def target_column(model_spec: ModelSpec, target: str | None) -> str:
    """The column holding each example's label: ``target``, else ``label`` (a regressor's: its target name).

    Example:
        >>> import astrozoo
        >>> target_column(astrozoo.resolve_spec("photoz-mlp"), None)
        'redshift'
    """
    if target:
        return target
    return model_spec.target_names[0] if model_spec.task == "regression" else LABEL_COLUMN


def read_labelled(data: str | os.PathLike, model_spec: ModelSpec, target: str | None = None) -> LabelledData:
    """Reads labelled examples for a model whose spec is ``model_spec``.

    Args:
        data: for image and light-curve models, a table (CSV, ECSV, Parquet...) with a ``path``
            column (relative to the table's folder, or absolute) and a label column, or a folder
            of class folders (``data/ring/*.jpg``); for table models, a table with the model's
            columns and a label column.
        model_spec: the spec of the model to fine-tune.
        target: the label column (default: see `target_column`); a regressor's must be numeric.

    Returns:
        The examples; unreadable ones are left out with a warning that lists them.

    Raises:
        InputError: ``data`` does not exist, lacks a column, holds a target that is not numeric for
            a regressor, or more than `MAX_SKIPPED_FRACTION` of its examples cannot be read.

    Example:
        >>> import tempfile, pathlib, astrozoo
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "stars.csv").write_text("u,g,r,i,z,label\\n19,18,17,16,15,STAR\\n")
        >>> rows = read_labelled(folder / "stars.csv", astrozoo.resolve_spec("sdss-mlp"))
        >>> rows.x.shape, rows.labels.tolist()
        ((1, 5), ['STAR'])
    """
    path = Path(data)
    if not path.exists():
        raise InputError(
            f"Expected labelled data: a table with {PATH_COLUMN!r} and label columns, a folder of class "
            f"folders, or (for table models) a table of the model's columns. Received: {str(path)!r}, "
            "which does not exist."
        )
    kind = model_spec.input.kind
    column = target_column(model_spec, target)
    if path.is_dir():
        if kind == "table":
            raise InputError(
                f"A table model reads its examples from a table with columns "
                f"{list(model_spec.input.columns)} and {column!r}. Received a folder: {str(path)!r}."
            )
        files, labels = _class_folders(path, kind)
        examples = _read_files(files, labels, model_spec, str(path))
    else:
        table = read_table(path)
        _require_columns(table, [column] if kind == "table" else [PATH_COLUMN, column], path)
        if kind == "table":
            examples = _read_rows(table, column, model_spec, str(path))
        else:
            files = [_resolved(value, path.parent) for value in table[PATH_COLUMN]]
            examples = _read_files(files, [str(v) for v in table[column]], model_spec, str(path))
    if model_spec.task == "regression":
        examples = dataclasses.replace(examples, labels=_numeric(examples.labels, column, path))
    return examples


def _class_folders(folder: Path, kind: str) -> tuple[list[Path], list[str]]:
    """The files of each class folder (its name the label), sorted."""
    files, labels = [], []
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    for class_folder in classes:
        found = sorted(
            p for p in class_folder.rglob("*")
            if p.is_file() and not p.name.startswith(".") and has_suffix(p, SUFFIXES[kind])
        )  # fmt: skip
        files += found
        labels += [class_folder.name] * len(found)
    if not files:
        raise InputError(
            f"Expected a folder of class folders holding {kind} files ({', '.join(SUFFIXES[kind])}), "
            f"e.g. {folder}/ring/*.jpg. Received {str(folder)!r} with class folders "
            f"{[p.name for p in classes]} and no such file."
        )
    return files, labels


def _resolved(value, folder: Path) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else folder / path


def _require_columns(table, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in table.colnames]
    if missing:
        raise InputError(
            f"Expected columns {columns} in {str(path)!r}; {missing} not found (give the label column "
            f"with --target / target=). Received columns: {table.colnames}."
        )


def _read_files(files: list[Path], labels: list[str], model_spec: ModelSpec, origin: str) -> LabelledData:
    """Reads each file as the model would, leaving out (and listing) those that cannot be read."""
    arrays, kept, sources, skipped = [], [], [], []
    for file, label in zip(files, labels, strict=True):
        try:
            read = read_model_input(file, model_spec.input)
        except (InputError, OSError) as err:
            skipped.append((str(file), str(err)))
            continue
        arrays.append(read.pixels if model_spec.input.kind == "image" else read.sequence)
        kept.append(label)
        sources.append(str(file))
    _check_skipped(skipped, len(files), origin)
    if not arrays:
        raise InputError(f"No example of {origin!r} could be read.")
    if model_spec.input.kind == "image":
        arguments = _network_arguments(model_spec)
        size = uncropped_size(arguments["image_size"], arguments.get("crop_fraction", 1.0))
        x = np.stack([resize_image(pixels, size) for pixels in arrays])
    else:
        x = pad_sequences(arrays)
    return LabelledData(x, np.asarray(kept), tuple(sources), origin, tuple(skipped))


def _read_rows(table, column: str, model_spec: ModelSpec, origin: str) -> LabelledData:
    """The model's columns of each row, leaving out rows with unreadable cells or no label."""
    rows = read_table_rows(table, model_spec.input.columns, model_spec.input.missing_value, origin)
    labels = np.asarray(table[column])
    mask = getattr(table[column], "mask", None)
    no_label = np.zeros(len(labels), bool) if mask is None else np.asarray(mask, bool)
    bad = rows.unreadable.any(axis=1) | no_label
    skipped = [
        (f"{origin}:row {i}", "no label" if no_label[i] else "a cell that is not a number")
        for i in np.flatnonzero(bad)
    ]
    _check_skipped(skipped, len(labels), origin)
    keep = ~bad
    labels = np.asarray([str(v) for v in labels[keep]]) if labels.dtype.kind in "OUS" else labels[keep]
    sources = tuple(f"{origin}:row {i}" for i in np.flatnonzero(keep))
    return LabelledData(rows.values[keep], labels, sources, origin, tuple(skipped))


def _check_skipped(skipped: list[tuple[str, str]], total: int, origin: str) -> None:
    if not skipped:
        return
    listing = "; ".join(
        reason if source in reason else f"{source}: {reason}" for source, reason in skipped[:5]
    )
    more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
    if len(skipped) > MAX_SKIPPED_FRACTION * total:
        raise InputError(
            f"{len(skipped)} of the {total} examples of {origin!r} cannot be read, more than "
            f"{MAX_SKIPPED_FRACTION:.0%}: {listing}{more}."
        )
    warnings.warn(
        f"Skipped {len(skipped)} of the {total} examples of {origin!r}: {listing}{more}.", stacklevel=3
    )


def _numeric(labels: np.ndarray, column: str, path: Path) -> np.ndarray:
    try:
        values = np.asarray(labels, dtype=np.float64)
    except ValueError:
        raise InputError(
            f"A regressor's target must be numeric; column {column!r} of {str(path)!r} holds "
            f"{sorted(set(map(str, labels)))[:5]}."
        ) from None
    if not np.all(np.isfinite(values)):
        raise InputError(f"Column {column!r} of {str(path)!r} holds targets that are not finite numbers.")
    return values


def _network_arguments(model_spec: ModelSpec) -> dict:
    """The builder arguments of the network itself (an ensemble's: those of its members)."""
    if model_spec.builder == "ensemble":
        return model_spec.arguments["member_arguments"]
    return model_spec.arguments
