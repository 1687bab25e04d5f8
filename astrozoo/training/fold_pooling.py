"""Cross-validation results without training: joining runs of separate folds, held-out prediction tables.

`astrozoo cv --fold` runs some folds of a cross-validation; `pool_fold_runs`
(``astrozoo cv-pool``) joins such runs into the whole run's result. Nothing here
needs Keras, so pooling runs written elsewhere starts no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.table import Table

from astrozoo.errors import ConfigError, InputError
from astrozoo.training.metrics import report_for


def pool_fold_runs(results: Sequence[dict], names: Sequence[str] | None = None) -> dict:
    """Joins `cross_validate` results of disjoint folds of one cross-validation into the whole run's.

    Since each fold is cut and seeded the same way whichever others run
    (``only_folds``), folds 0 and 1 run in one session and fold 2 in another
    pool into exactly what one run of all three gives: the same per-fold metrics,
    mean, standard deviation, pooled metrics and held-out predictions.

    Args:
        results: `cross_validate` results (each with its ``held_out`` predictions,
            e.g. rebuilt by `held_out_from_table`) of the same model and settings.
        names: what to call each result in errors, e.g. its file name (default ``run 0``, ``run 1``...).

    Returns:
        A `cross_validate` result over the union of their folds.

    Raises:
        ConfigError: the runs differ in a setting (model, folds, members,
            overrides, training fraction, seed, epochs), share a fold, or a
            run's predictions do not hold the examples its folds scored.

    Example (needs the data; about 3 minutes on 2 cores):
        >>> from astrozoo.training import cross_validate, pool_fold_runs
        >>> first = cross_validate("sdss-mlp", folds=3, only_folds=[0, 1])  # doctest: +SKIP
        >>> last = cross_validate("sdss-mlp", folds=3, only_folds=[2])  # doctest: +SKIP
        >>> pool_fold_runs([first, last])["fold_indices"]  # doctest: +SKIP
        [0, 1, 2]
    """
    names = list(names) if names is not None else [f"run {k}" for k in range(len(results))]
    if not results:
        raise ConfigError("pool_fold_runs needs at least one cross-validation result. Received none.")
    for name, result in zip(names, results, strict=True):
        missing = [key for key in POOLED_SETTINGS if key not in result]
        if missing:
            raise ConfigError(
                f"{name}: expected a cross-validation result with the settings {', '.join(POOLED_SETTINGS)}; "
                f"missing {', '.join(missing)} (written by an earlier astrozoo?)."
            )
    settings = {key: results[0][key] for key in POOLED_SETTINGS}
    for name, result in zip(names, results, strict=True):
        for key, value in settings.items():
            if _comparable(result[key]) != _comparable(value):
                raise ConfigError(
                    f"{name} differs from {names[0]} in {key}: expected {value!r}, received {result[key]!r}. "
                    "Only folds of one cross-validation pool."
                )
        _check_held_out_matches(result, name)
    runs = [(fold, metrics) for result in results
            for fold, metrics in zip(result["fold_indices"], result["per_fold"], strict=True)]  # fmt: skip
    folds = [fold for fold, _ in runs]
    if len(set(folds)) < len(folds):
        shared = sorted({fold for fold in folds if folds.count(fold) > 1})
        raise ConfigError(
            f"Cross-validation runs must hold different folds; fold(s) {shared} are in more than one."
        )
    held = {key: np.concatenate([result["held_out"][key] for result in results]) for key in HELD_OUT_KEYS}
    order = np.argsort(held["fold"], kind="stable")  # fold by fold, as one run orders them
    held = {key: values[order] for key, values in held.items()}
    runs.sort(key=lambda run: run[0])
    return summarized(settings, [fold for fold, _ in runs], [metrics for _, metrics in runs], held)


# What must agree for runs to be folds of one cross-validation (``headline`` and ``class_names`` follow).
POOLED_SETTINGS = (
    "model", "folds", "members", "overrides", "training_fraction", "seed", "epochs", "headline",
    "class_names",
)  # fmt: skip


HELD_OUT_KEYS = ("ids", "fold", "true", "predicted")


def _comparable(value):
    """Lists and tuples alike, as a JSON round trip turns one into the other."""
    return list(value) if isinstance(value, tuple | list) else value


def _check_held_out_matches(result: dict, name: str) -> None:
    folds, counts = np.unique(result["held_out"]["fold"], return_counts=True)
    expected = [metrics["n"] for metrics in result["per_fold"]]
    if folds.tolist() != list(result["fold_indices"]) or counts.tolist() != expected:
        raise ConfigError(
            f"{name}: its held-out predictions hold folds {folds.tolist()} with "
            f"{counts.tolist()} rows; expected folds {list(result['fold_indices'])} with {expected} rows, "
            "as its metrics were scored."
        )


def summarized(settings: dict, fold_indices: list[int], per_fold: list[dict], held: dict) -> dict:
    """A `cross_validate` result: the settings, each fold's metrics, their spread and the pooled metrics."""
    scores = [metrics[settings["headline"]] for metrics in per_fold]
    return {
        **settings,
        "fold_indices": fold_indices,
        "scores": scores,
        "mean": float(np.mean(scores)),
        "std": float(np.std(scores)),
        "per_fold": per_fold,
        "pooled": report_for(held["predicted"], held["true"], settings["class_names"]),
        "held_out": held,
    }


def held_out_table(result: dict) -> Table:
    """`cross_validate`'s held-out predictions as a table, one row per example.

    Columns: ``id``, ``fold``, ``true`` and ``predicted`` (class names for a
    classifier, values for a regressor), then a classifier's ``p_CLASS``
    probability columns.

    Example:
        >>> held = {"ids": np.array(["a", "b"]), "fold": np.array([0, 1]), "true": np.array([0, 1]),
        ...         "predicted": np.array([[0.9, 0.1], [0.8, 0.2]])}
        >>> table = held_out_table({"class_names": ("STAR", "QSO"), "held_out": held})
        >>> import sys
        >>> table.write(sys.stdout, format="ascii.csv")
        id,fold,true,predicted,p_STAR,p_QSO
        a,0,STAR,STAR,0.9,0.1
        b,1,QSO,STAR,0.8,0.2
    """
    held = result["held_out"]
    table = Table({"id": held["ids"], "fold": held["fold"]})
    if not result["class_names"]:
        table["true"], table["predicted"] = held["true"], held["predicted"][:, 0]
        return table
    names = np.asarray(result["class_names"])
    table["true"], table["predicted"] = names[held["true"]], names[np.argmax(held["predicted"], axis=1)]
    for k, name in enumerate(names):
        table[f"p_{name}"] = held["predicted"][:, k]
    return table


def held_out_from_table(table: Table, class_names: Sequence[str], source: str = "the table") -> dict:
    """The ``held_out`` predictions of a `held_out_table`, read back (for `pool_fold_runs`).

    Args:
        table: a table `held_out_table` wrote (``astrozoo cv --predictions``).
        class_names: the classifier's classes in output order; empty for a regressor.
        source: what to call the table in errors, e.g. its file name.

    Returns:
        ``{"ids", "fold", "true", "predicted"}`` arrays, as `cross_validate` returns them.

    Raises:
        InputError: a column is missing, or a true class is not one of ``class_names``.

    Example:
        >>> table = Table({"id": ["a", "b"], "fold": [0, 1], "true": ["QSO", "STAR"],
        ...                "predicted": ["STAR", "STAR"], "p_STAR": [0.9, 0.8], "p_QSO": [0.1, 0.2]})
        >>> held = held_out_from_table(table, ["STAR", "QSO"])
        >>> held["true"].tolist(), held["predicted"].tolist()
        ([1, 0], [[0.9, 0.1], [0.8, 0.2]])
    """
    names = list(class_names)
    expected = ["id", "fold", "true", "predicted", *(f"p_{name}" for name in names)]
    missing = [column for column in expected if column not in table.colnames]
    if missing:
        raise InputError(
            f"{source}: expected the columns of astrozoo cv --predictions ({', '.join(expected)}); "
            f"missing {', '.join(missing)}. Received columns: {', '.join(table.colnames)}."
        )
    held = {"ids": np.asarray(table["id"]), "fold": np.asarray(table["fold"], dtype=int)}
    if not names:
        held["true"] = np.asarray(table["true"], dtype=np.float64)
        held["predicted"] = np.asarray(table["predicted"], dtype=np.float64)[:, None]
        return held
    true = np.asarray(table["true"]).astype(str)
    unknown = sorted(set(true.tolist()) - set(names))
    if unknown:
        raise InputError(f"{source}: true classes {unknown} are not among the model's classes {names}.")
    held["true"] = np.array([names.index(name) for name in true], dtype=np.int64)
    held["predicted"] = np.stack([np.asarray(table[f"p_{name}"], dtype=np.float64) for name in names], axis=1)
    return held
