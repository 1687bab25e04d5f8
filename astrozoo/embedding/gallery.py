"""A gallery of the inputs with the highest anomaly scores, drawn as `astrozoo demo` draws inputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from astrozoo.demo import draw_input
from astrozoo.errors import InputError
from astrozoo.spec import ModelSpec


def anomaly_gallery(
    vectors, scores: np.ndarray, model_spec: ModelSpec, output: str | os.PathLike, count: int = 16
) -> list[int]:
    """Draws the ``count`` inputs with the highest ``scores`` into a PNG, highest first.

    Args:
        vectors: the table `astrozoo.embed` returned for image or light-curve files.
        scores: one score a row (`astrozoo.anomaly_scores`); NaN rows are left out.
        model_spec: the spec of the model that embedded them (how to read its inputs).
        output: the PNG file.
        count: inputs drawn, four a row.

    Returns:
        The rows drawn, highest score first.

    Raises:
        InputError: table rows, which are not files to draw.
    """
    if model_spec.input.kind == "table":
        raise InputError("A gallery draws image or light-curve files; this model reads table rows.")
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    scores = np.asarray(scores, dtype=float)
    ranked = [int(i) for i in np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")]
    top = [i for i in ranked if np.isfinite(scores[i])][: int(count)]
    columns = min(4, max(len(top), 1))
    rows = max(1, -(-len(top) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
        axis.axis("off")
    for rank, (axis, row) in enumerate(zip(axes.ravel(), top, strict=False), start=1):
        axis.axis("on")
        source = str(vectors["source"][row])
        draw_input(axis, model_spec, source, vectors[row])
        axis.set_title(f"#{rank} score {scores[row]:.3f}\n{Path(source).name}", fontsize=8)
    figure.tight_layout()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=80)
    plt.close(figure)
    return top
