"""`astrozoo demo`: every zoo model end to end, on real data when present, else on synthetic examples."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from astrozoo.errors import InputError
from astrozoo.folders.loading import load
from astrozoo.folders.manifest import list_models
from astrozoo.io import read_image_input, read_lightcurve_input
from astrozoo.prediction import predict
from astrozoo.spec import spec

SYNTHETIC_DIR = Path(__file__).resolve().parent / "demo_data"
SYNTHETIC = {
    ("image", 1): ["radio_fri.fits.fz", "radio_frii.fits.fz"],
    ("image", 3): ["galaxy_spiral.png", "galaxy_smooth.png"],
    ("lightcurve", None): ["rrlyrae_ab.csv", "rrlyrae_c.csv"],
    ("table", None): ["catalogue.csv"],
}


def demo(output: str | os.PathLike = "astrozoo-demo.png", data_dir=None, per_model: int = 4):
    """Runs every zoo model on a few inputs and draws a gallery of the predictions.

    With real data (``data_dir`` or ``ASTROZOO_DATA``) each model sees examples of
    each class from its dataset's test split, and the true class is shown;
    otherwise it sees the synthetic examples shipped with astrozoo, marked
    "synthetic".

    Args:
        output: PNG file for the gallery.
        data_dir: folder holding the datasets (default: ``ASTROZOO_DATA``).
        per_model: inputs per model.

    Returns:
        An `astropy.table.Table` of every prediction, with columns ``model``,
        ``data`` (``real`` or ``synthetic``), ``truth`` and the predict columns
        (with ``period`` for the light-curve models that fold their inputs; the
        gallery shows those light curves folded at it).
    """
    from astropy.table import Table, vstack  # noqa: PLC0415

    data_dir = data_dir or os.environ.get("ASTROZOO_DATA")
    tables, panels = [], []
    for name in list_models():
        model = load(name)
        model_spec = spec(model)
        inputs, truths, origin = _inputs(name, model_spec, data_dir, per_model)
        table = predict(model, inputs)
        rows = Table()
        rows["model"] = [name] * len(table)
        rows["data"] = [origin] * len(table)
        rows["truth"] = truths[: len(table)] if truths else [""] * len(table)
        rows["source"], rows["label"], rows["error"] = table["source"], table["label"], table["error"]
        rows["confidence"] = _confidence(table, model_spec)
        if "period" in table.colnames:  # the period a light-curve model folded each input at
            rows["period"] = table["period"]
        tables.append(rows)
        panels.append((name, model_spec, inputs, rows, table))
    combined = vstack(tables) if tables else Table()
    _gallery(panels, Path(output))
    return combined


def _inputs(name, model_spec, data_dir, per_model):
    """(inputs for predict, true labels, "real ..." or "synthetic")."""
    from astrozoo.training.recipes import RECIPES  # noqa: PLC0415

    recipe = RECIPES.get(name)
    if data_dir and recipe is not None:
        try:
            test = recipe.dataset.load_splits(data_dir)["test"]
        except (InputError, OSError):
            test = None
        if test is not None:
            picks = _one_per_class(test.y, per_model, model_spec.task)
            truths = [_truth(test.y[i], model_spec) for i in picks]
            origin = f"real ({recipe.dataset.NAME} test split)"
            if model_spec.input.kind == "table":
                from astropy.table import Table  # noqa: PLC0415

                table = Table(np.asarray(test.x)[picks], names=model_spec.input.columns)
                return table, truths, origin
            return [str(test.x[i]) for i in picks], truths, origin
    channels = model_spec.input.shape[-1] if model_spec.input.kind == "image" else None
    files = SYNTHETIC[(model_spec.input.kind, channels)]
    return [str(SYNTHETIC_DIR / f) for f in files], [], "synthetic"


def _one_per_class(y, n, task):
    y = np.asarray(y)
    if task != "classification":
        return list(np.linspace(0, len(y) - 1, n).astype(int))
    picks = []
    for round_ in range(n):
        for label in np.unique(y):
            members = np.flatnonzero(y == label)
            if round_ < len(members) and len(picks) < n:
                picks.append(int(members[round_]))
    return picks


def _truth(value, model_spec):
    if model_spec.task == "classification":
        return model_spec.class_names[int(value)]
    return f"{float(value):.4g}"


def _confidence(table, model_spec):
    if model_spec.task != "classification":
        return [np.nan] * len(table)
    probabilities = np.array(
        [[table[f"p_{c}"][i] for c in model_spec.class_names] for i in range(len(table))]
    )
    return np.nanmax(np.ma.filled(probabilities, np.nan), axis=1) if len(table) else []


def _gallery(panels, output: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    columns = max((len(panel[3]) for panel in panels), default=1)
    figure, axes = plt.subplots(len(panels), columns, figsize=(3 * columns, 3 * len(panels)), squeeze=False)
    for r, (name, model_spec, inputs, rows, predictions) in enumerate(panels):
        for c in range(columns):
            axis = axes[r][c]
            axis.set_xticks([])
            axis.set_yticks([])
            if c >= len(rows):
                axis.axis("off")
                continue
            source = None if model_spec.input.kind == "table" else inputs[c]  # rows of one catalogue
            draw_input(axis, model_spec, source, predictions[c])
            truth = f"\ntrue: {rows['truth'][c]}" if rows["truth"][c] else "\n(synthetic)"
            score = "" if np.isnan(rows["confidence"][c]) else f" p={rows['confidence'][c]:.2f}"
            label = rows["label"][c] or "error"
            axis.set_title(f"{name}\n{label}{score}{truth}", fontsize=8)
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=80)
    plt.close(figure)


def draw_input(axis, model_spec, source, prediction) -> None:
    """Draws one input on a matplotlib ``axis`` as ``model_spec``'s model sees it.

    An image; a light curve, folded at the ``period`` of its ``prediction`` row where
    there is one; or a table row's class probabilities (``source`` unused). A file that cannot be read gets
    its error written instead.
    """
    kind = model_spec.input.kind
    try:
        if kind == "image":
            pixels = np.nan_to_num(
                read_image_input(source, field_of_view=model_spec.input.field_of_view).pixels
            )
            if pixels.shape[-1] == 1:
                image = np.arcsinh(pixels[..., 0] / (np.std(pixels) + 1e-12))
                axis.imshow(image, origin="lower", cmap="magma")
            else:
                axis.imshow(pixels.astype("uint8"))
        elif kind == "lightcurve":  # folded at the model's period where it found one, as the model saw it
            folded = "period" in prediction.colnames and not np.ma.is_masked(prediction["period"])
            period = float(prediction["period"]) if folded else None
            sequence = read_lightcurve_input(source, model_spec.input.bands, period=period).sequence
            bands = sequence[:, 3 : 3 + len(model_spec.input.bands)]
            axis.scatter(sequence[:, 0], sequence[:, 1], s=3, c=np.argmax(bands, axis=1), cmap="viridis")
            axis.invert_yaxis()
            if period:
                axis.set_xlabel(f"phase at P = {period:.4f} d", fontsize=7)
        elif model_spec.task == "classification":  # a table row: show the class probabilities
            names = model_spec.class_names
            axis.barh(range(len(names)), [float(prediction[f"p_{n}"]) for n in names], color="tab:blue")
            axis.set_yticks(range(len(names)), names, fontsize=6)
            axis.set_xlim(0, 1)
        else:
            axis.text(0.5, 0.5, f"{prediction['prediction']:.4f}", ha="center", va="center", fontsize=12)
    except InputError as err:
        axis.text(0.5, 0.5, str(err)[:80], ha="center", va="center", fontsize=6, wrap=True)
