"""``astrozoo train``, ``finetune``, ``cv`` and ``cv-pool``: training and cross-validating models."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from astrozoo.commands.output import EXIT_OK, write_table


def train_command(args) -> int:
    from astrozoo.training import train  # noqa: PLC0415

    folder = train(
        args.model, data_dir=args.data, epochs=args.epochs, seed=args.seed, output=args.output,
        members=args.members, overrides=dict(args.overrides or ()),
    )  # fmt: skip
    metrics = json.loads((folder / "metadata.json").read_text())["spec"]["metrics"]["test"]
    headline = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
    print(f"wrote {folder}; test split: {json.dumps(headline)}")
    return EXIT_OK


def finetune_command(args) -> int:
    import shlex  # noqa: PLC0415

    import astrozoo  # noqa: PLC0415

    output = Path(args.output)
    if output.exists():  # before training, not after it
        raise astrozoo.AstrozooError(f"Folder {str(output)!r} already exists: choose another --output.")
    try:
        model = astrozoo.finetune(
            args.base, args.data, target=args.target, validation=args.validation_data or args.validation,
            epochs=args.epochs, seed=args.seed, **dict(args.overrides or ()),
        )  # fmt: skip
    except KeyboardInterrupt:
        print("astrozoo: interrupted; nothing was written", file=sys.stderr)
        return 130
    training = dict(astrozoo.spec(model).training)
    training["command"] = training["command"].replace("-o FOLDER", f"-o {shlex.quote(str(output))}")
    folder = astrozoo.save(model, output, training=training)
    validation = astrozoo.spec(model).metrics["validation"]
    print(f"wrote {folder}; validation split: {json.dumps(_scalars(validation))}")
    return EXIT_OK


def _scalars(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if not isinstance(v, dict)}


def cv_command(args) -> int:
    from astrozoo.io.table_writers import output_format  # noqa: PLC0415
    from astrozoo.training.crossval import cross_validate  # noqa: PLC0415
    from astrozoo.training.recipes import RECIPES  # noqa: PLC0415

    def report(fold: int, metrics: dict) -> None:  # called once cross_validate has checked the name
        print_fold(fold, metrics, RECIPES[args.model].headline)

    if args.predictions:
        output_format(Path(args.predictions))  # a file name it cannot write fails now, not after the folds
    result = cross_validate(
        args.model, folds=args.folds, data_dir=args.data, epochs=args.epochs, seed=args.seed,
        members=args.members, overrides=dict(args.overrides or ()), on_fold=report,
        training_fraction=args.training_fraction, only_folds=args.fold, verbose=2 if args.verbose else 0,
    )  # fmt: skip
    report_cross_validation(result, args.output, args.predictions)
    return EXIT_OK


def cv_pool_command(args) -> int:
    from astrozoo.errors import InputError  # noqa: PLC0415
    from astrozoo.io.table_writers import output_format  # noqa: PLC0415
    from astrozoo.training.fold_pooling import held_out_from_table, pool_fold_runs  # noqa: PLC0415

    if args.predictions:
        output_format(Path(args.predictions))
    results = []
    for name in args.runs:
        result = _read_json(Path(name), "astrozoo cv -o")
        if "predictions" not in result:
            raise InputError(
                f"{name!r}: expected an astrozoo cv -o file that names its --predictions table; this one "
                "names none (run without --predictions, or by an earlier astrozoo). Rerun its folds "
                "with both -o and --predictions."
            )
        table_path = Path(name).parent / result["predictions"]
        table = _read_predictions(table_path)
        result["held_out"] = held_out_from_table(table, result["class_names"], source=repr(str(table_path)))
        results.append(result)
    pooled = pool_fold_runs(results, names=[repr(name) for name in args.runs])
    for fold, metrics in zip(pooled["fold_indices"], pooled["per_fold"], strict=True):
        print_fold(fold, metrics, pooled["headline"])
    report_cross_validation(pooled, args.output, args.predictions)
    return EXIT_OK


def _read_json(path: Path, written_by: str) -> dict:
    from astrozoo.errors import InputError  # noqa: PLC0415

    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{str(path)!r}: expected a JSON file written by {written_by} ({err}).") from None
    if not isinstance(value, dict):
        raise InputError(f"{str(path)!r}: expected a JSON object written by {written_by}.")
    return value


def _read_predictions(path: Path):
    from astropy.table import Table  # noqa: PLC0415

    from astrozoo.errors import InputError  # noqa: PLC0415
    from astrozoo.io.table_writers import output_format  # noqa: PLC0415

    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected the astrozoo cv --predictions table).")
    try:
        return Table.read(path, format=output_format(path))
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 (astropy's readers raise many kinds)
        raise InputError(f"{str(path)!r}: not a readable table ({type(err).__name__}: {err}).") from None


def print_fold(fold: int, metrics: dict, headline: str) -> None:
    """One line per fold as soon as it is scored: its headline metric and what to look at twice."""
    from astrozoo.training.metrics import not_learned  # noqa: PLC0415

    line = f"fold {fold}: {headline} {metrics[headline]:.4f} (n={metrics['n']})"
    if "bias" in metrics:  # a regressor: a variant can gain scatter and lose accuracy
        line += f", bias {metrics['bias']:+.4f}"
    reason = not_learned(metrics) if "confusion_matrix" in metrics else None  # classifiers only
    if reason is not None:
        line += f"; {reason} (train refuses such a model)"
    print(line, flush=True)


def report_cross_validation(result: dict, output: str | None, predictions: str | None) -> None:
    """Prints a cross-validation's summary and pooled metrics; writes its JSON and predictions table."""
    from astrozoo.folders.integrity import atomic_write_text  # noqa: PLC0415
    from astrozoo.statistics import accuracy_interval, correct_count, macro_f1_interval  # noqa: PLC0415
    from astrozoo.training.fold_pooling import held_out_table  # noqa: PLC0415

    run = f"{result['folds']} folds"
    if len(result["fold_indices"]) < result["folds"]:
        run = f"fold(s) {', '.join(map(str, result['fold_indices']))} of {run}"
    summary = f"{result['headline']} {result['mean']:.4f} +- {result['std']:.4f} over {run}"
    summary += f", {result['members']} member(s) per fold"
    if result["training_fraction"] < 1.0:
        summary += f", training on {result['training_fraction']:g} of each fold's examples"
    summary += "".join(f", {key}={json.dumps(value)}" for key, value in result["overrides"].items())
    print(f"{result['model']}: {summary}")
    pooled = result["pooled"]
    if "confusion_matrix" in pooled:  # a classifier: how precisely its held-out examples measure it
        correct, total = correct_count(pooled)
        low, high = accuracy_interval(pooled)
        f1_low, f1_high = macro_f1_interval(pooled)
        print(f"pooled over the folds: accuracy {correct}/{total} = {pooled['accuracy']:.4f}, "
              f"95% interval {low:.4f}-{high:.4f}; macro-F1 {pooled['macro_f1']:.4f}, "
              f"95% interval {f1_low:.4f}-{f1_high:.4f}")  # fmt: skip
    else:
        interval = pooled["nmad_interval"]
        print(f"pooled over the folds: nmad {pooled['nmad']:.4f}, 95% interval {interval['low']:.4f}-"
              f"{interval['high']:.4f}, bias {pooled['bias']:+.4f}, outlier fraction "
              f"{pooled['outlier_fraction']:.4f} (n={pooled['n']})")  # fmt: skip
    if predictions:
        write_table(held_out_table(result), Path(predictions))
    if output:
        metrics = {key: value for key, value in result.items() if key != "held_out"}
        if predictions:  # where `astrozoo cv-pool` finds them, from the JSON file's folder
            metrics["predictions"] = os.path.relpath(
                Path(predictions).resolve(), Path(output).resolve().parent
            )
        atomic_write_text(output, json.dumps(metrics, indent=2) + "\n")
