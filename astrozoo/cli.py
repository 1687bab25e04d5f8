"""The ``astrozoo`` command: predict, embed, list, info, demo, push, train, finetune, cv, cv-pool, download.

Exit codes: 0 success; 2 usage error (bad arguments, unknown model, no input);
3 when some inputs failed (their rows say why).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3
# They read the manifest, JSON files and tables, never TensorFlow.
TENSORFLOW_FREE_COMMANDS = ("list", "info", "cv-pool")


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    # 3: TensorFlow's native errors too (e.g. a oneDNN fallback note that reads "E0000 ..."); a failure
    # that matters raises a Python exception, which the command shows.
    quiet = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3") in ("2", "3")
    from astrozoo.errors import AstrozooError, InputError, ModelNotFoundError  # noqa: PLC0415

    if quiet and args.command not in TENSORFLOW_FREE_COMMANDS:
        _start_tensorflow_quietly()

    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except (ModelNotFoundError, InputError) as err:
        print(f"astrozoo: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except AstrozooError as err:
        print(f"astrozoo: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `astrozoo predict ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1


def _start_tensorflow_quietly() -> None:
    """Imports TensorFlow and lets it look for a GPU with its native stderr lines out of sight.

    TensorFlow's C++ start-up lines (oneDNN, "Could not find cuda drivers", a failed
    ``cuInit`` on a machine without a GPU) are written before ``TF_CPP_MIN_LOG_LEVEL``
    takes effect (tensorflow/tensorflow#100442), so the command line sends file
    descriptor 2 to a temporary file meanwhile. If the import fails, what TensorFlow
    wrote is shown with the error. TensorFlow's Python warnings (``tf.function``
    retracing) are hidden too. Set ``TF_CPP_MIN_LOG_LEVEL=0`` to see it all.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf  # noqa: PLC0415

            tf.config.list_physical_devices("GPU")  # the CUDA probe logs here, not at import
            tf.get_logger().setLevel("ERROR")  # e.g. tf.function retracing notes, meant for developers
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line for people, not the Python source line that issued it."""
    print(f"astrozoo: warning: {category.__name__}: {message}", file=file or sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="astrozoo", description="Pretrained astrophysics models for Keras.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    predict = commands.add_parser("predict", help="run a model on images, light curves or tables")
    predict.add_argument("model", help="zoo name, model folder, or hf://org/repo")
    predict.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    predict.add_argument(
        "-o",
        "--output",
        help="write the table here (.csv, .parquet, .ecsv, .fits, .vot, .txt); default: CSV on stdout",
    )
    predict.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="examples per batch (default 8192 table rows, 32 images or light curves)",
    )
    predict.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    predict.add_argument(
        "--keep",
        metavar="COLUMNS",
        action="append",
        default=[],
        help="table inputs: comma-separated input columns to copy into the output, e.g. objid,ra,dec",
    )
    predict.add_argument(
        "--columns",
        metavar="MODEL=TABLE",
        action="append",
        default=[],
        type=_column_pairs,
        help="table inputs: read a model column from a column the tables name otherwise, "
        "e.g. u=modelMag_u,g=modelMag_g (comma-separated, repeatable)",
    )
    predict.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="share the files among N worker processes of a local Dask cluster (needs astrozoo[dask])",
    )
    predict.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="share the files among the workers of a running Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    predict.add_argument(
        "--max-input-mb",
        type=_positive_float,
        metavar="MB",
        help="refuse an input that decodes to more than MB MiB (images' float32 pixels, decompressed text; "
        "default 512, or $ASTROZOO_MAX_DECODED_MB)",
    )
    predict.set_defaults(run=_predict)

    embed = commands.add_parser("embed", help="write each input's representation vector (astrozoo.embed)")
    embed.add_argument("model", help="zoo name, model folder, or hf://org/repo")
    embed.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    embed.add_argument(
        "-o",
        "--output",
        help="write the table here (.parquet: a vector column; .csv: columns e_0 ... e_N; .ecsv, .fits); "
        "default: CSV on stdout",
    )
    embed.add_argument("--batch-size", type=_positive_int, default=None, help="examples per batch")
    embed.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    embed.add_argument(
        "--gallery",
        metavar="PNG",
        help="also draw the inputs with the highest anomaly scores (astrozoo.anomaly_scores) into this PNG",
    )
    embed.add_argument(
        "--neighbour", type=_positive_int, default=5, metavar="K", help="anomaly score: the K-th neighbour"
    )
    embed.set_defaults(run=_embed)

    listing = commands.add_parser("list", help="list the zoo's models")
    listing.add_argument("--task", choices=["classification", "regression"])
    listing.set_defaults(run=_list)

    info = commands.add_parser("info", help="show a model's spec as JSON")
    info.add_argument("model", help="zoo name or model folder")
    info.add_argument(
        "--card", action="store_true", help="print the model card (Markdown: data, metrics, limitations)"
    )
    info.set_defaults(run=_info)

    demo = commands.add_parser("demo", help="run every zoo model end to end and draw a gallery")
    demo.add_argument(
        "-o", "--output", default="astrozoo-demo.png", help="gallery PNG (default astrozoo-demo.png)"
    )
    demo.add_argument(
        "--data", help="folder holding the datasets (default: $ASTROZOO_DATA; else synthetic inputs)"
    )
    demo.add_argument("--per-model", type=_positive_int, default=4, help="inputs per model (default 4)")
    demo.set_defaults(run=_demo)

    push = commands.add_parser("push", help="publish a model folder to the Hugging Face Hub")
    push.add_argument("folder", help="a model folder written by astrozoo.save or astrozoo train")
    push.add_argument("repo_id", help="org/name on the Hub")
    push.add_argument("--private", action="store_true", help="create the repo as private")
    push.add_argument("--message", help="commit message")
    push.set_defaults(run=_push)

    train = commands.add_parser("train", help="reproduce a zoo model from its training data")
    train.add_argument("model", help="zoo name")
    train.add_argument("--data", help="folder holding the datasets (default: $ASTROZOO_DATA)")
    train.add_argument("--epochs", type=_positive_int, help="maximum epochs (default: the recipe's)")
    train.add_argument("--seed", type=int, default=0, help="seed of initialization and shuffling (default 0)")
    train.add_argument(
        "--output", help="model folder to write (default: the package's weights, manifest updated)"
    )
    train.add_argument("--members", type=_positive_int, help="models to average (default: the recipe's)")
    train.add_argument(*SET_FLAG, **SET_OPTIONS)
    train.set_defaults(run=_train)

    finetune = commands.add_parser("finetune", help="fine-tune a model on your own labelled files")
    finetune.add_argument("base", help="zoo name, model folder or hf://org/repo to start from")
    finetune.add_argument(
        "data",
        help="a table with path and label columns, a folder of class folders, or (table models) a table "
        "of the model's columns and a label column",
    )
    finetune.add_argument("-o", "--output", required=True, help="model folder to write (must not exist)")
    finetune.add_argument("--target", help="label column (default: label; a regressor's: its target name)")
    held_out = finetune.add_mutually_exclusive_group()
    held_out.add_argument(
        "--validation", type=_open_fraction, default=0.2, metavar="FRACTION",
        help="fraction held out, stratified and seeded, for early stopping and the card (default 0.2)",
    )  # fmt: skip
    held_out.add_argument("--validation-data", metavar="DATA", help="separate labelled validation data")
    finetune.add_argument("--epochs", type=_positive_int, help="most epochs of stage 2 (default 30)")
    finetune.add_argument("--seed", type=int, default=0, help="seed of split, initialization, shuffling")
    finetune.add_argument(
        "--set", dest="overrides", action="append", type=_builder_override, metavar="KEY=VALUE",
        help="learning_rate, fine_tune_learning_rate, batch_size, patience, trainable_blocks, "
        "weight_averaging, weight_decay, label_smoothing (repeatable)",
    )  # fmt: skip
    finetune.set_defaults(run=_finetune)

    cv = commands.add_parser("cv", help="cross-validate a zoo recipe on train+validation (test unread)")
    cv.add_argument("model", help="zoo name")
    cv.add_argument("--folds", type=_at_least_two, default=4, help="number of folds (default 4)")
    cv.add_argument("--data", help="folder holding the datasets (default: $ASTROZOO_DATA)")
    cv.add_argument("--epochs", type=_positive_int, help="maximum epochs (default: the recipe's)")
    cv.add_argument("--seed", type=int, default=0, help="seed of initialization and shuffling (default 0)")
    cv.add_argument("--members", type=_positive_int, help="models to average (default: the recipe's)")
    cv.add_argument(
        "--fold",
        type=int,
        action="append",
        metavar="K",
        help="run only fold K (0 to --folds minus 1; repeatable). A fold scores alone as in the whole run, "
        "so a long cross-validation can be split between sessions or machines",
    )
    cv.add_argument(
        "--training-fraction",
        type=_fraction,
        default=1.0,
        metavar="F",
        help="train each fold on a stratified fraction F of its examples, held-out parts whole: rerun at "
        "0.25, 0.5 and 1 for a learning curve (default 1)",
    )
    cv.add_argument(*SET_FLAG, **SET_OPTIONS)
    cv.add_argument("-v", "--verbose", action="store_true", help="also print each training epoch's losses")
    cv.add_argument("-o", "--output", help="also write every fold's metrics to this JSON file")
    cv.add_argument(
        "--predictions",
        metavar="FILE",
        help="also write every train+validation example's prediction, made by the fold that held it out, "
        "to this .csv, .parquet, .ecsv, .fits or .txt table (id, fold, true, predicted, class probabilities)",
    )
    cv.set_defaults(run=_cv)

    pool = commands.add_parser(
        "cv-pool", help="join separately run folds of one cross-validation (cv --fold) into the whole run's"
    )
    pool.add_argument(
        "runs",
        nargs="+",
        metavar="RUN.json",
        help="files astrozoo cv wrote with both -o and --predictions, one per run of some folds",
    )
    pool.add_argument("-o", "--output", help="also write the whole run's metrics to this JSON file")
    pool.add_argument(
        "--predictions",
        metavar="FILE",
        help="also write the whole run's held-out predictions to this table "
        "(.csv, .parquet, .ecsv, .fits or .txt)",
    )
    pool.set_defaults(run=_cv_pool)

    fetch = commands.add_parser("download", help="download datasets into the cache (see ASTROZOO_CACHE)")
    fetch.add_argument("datasets", nargs="+", metavar="DATASET", help="dataset names, e.g. photoz_mgs")
    fetch.add_argument("--force", action="store_true", help="download every file again")
    fetch.add_argument("--mirror", help="base URL of a mirror holding DATASET/FILE")
    fetch.set_defaults(run=_download)
    return parser


def _at_least_two(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value


def _column_pairs(text: str) -> dict[str, str]:
    pairs = [pair.strip() for pair in text.split(",") if pair.strip()]
    names = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    if len(names) != len(pairs) or not all(k.strip() and v.strip() for k, v in names.items()):
        raise argparse.ArgumentTypeError(
            f"expected MODEL=TABLE pairs such as u=modelMag_u,g=modelMag_g, got {text!r}"
        )
    return {k.strip(): v.strip() for k, v in names.items()}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def _open_fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {value}")
    return value


def _builder_override(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` with VALUE read as JSON (``8``, ``true``, ``[8, 16]``) or else as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. augment=rotation), got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


SET_FLAG = ("--set",)
SET_OPTIONS = {
    "dest": "overrides",
    "action": "append",
    "type": _builder_override,
    "metavar": "KEY=VALUE",
    "help": "replace one of the recipe's builder arguments or training settings (learning_rate, "
    "batch_size, patience, schedule=plateau|cosine, recalibrate_batch_norm, weight_averaging, "
    "weight_decay, mixup, label_smoothing, calibrate=true|false, undo_class_weights, refit=true: cv only, "
    "a fresh network then trained on train + validation for the epochs early stopping kept), e.g. --set "
    "augment=rotation --set 'filters=[16, 32]' --set learning_rate=3e-4 (repeatable; train then needs "
    "--output)",
}


def _predict(args) -> int:
    import contextlib  # noqa: PLC0415

    from astrozoo.io.limits import max_decoded_bytes, max_decoded_mb  # noqa: PLC0415
    from astrozoo.io.table_writers import check_output  # noqa: PLC0415

    if args.output:  # an output it cannot write, or that is an input, fails now, not after the whole run
        check_output(args.output, args.inputs)
    with max_decoded_mb(args.max_input_mb) if args.max_input_mb else contextlib.nullcontext():
        max_decoded_bytes()  # a bad ASTROZOO_MAX_DECODED_MB fails now, not in every row
        return _predict_within_budget(args)


def _predict_within_budget(args) -> int:
    import numpy as np  # noqa: PLC0415

    import astrozoo  # noqa: PLC0415
    from astrozoo.errors import AstrozooError  # noqa: PLC0415
    from astrozoo.io.table_writers import chunk_writer  # noqa: PLC0415
    from astrozoo.prediction import predict_chunks  # noqa: PLC0415

    keep = [name.strip() for names in args.keep for name in names.split(",") if name.strip()]
    columns = {model_column: name for names in args.columns for model_column, name in names.items()}
    if args.workers or args.scheduler:
        chunks = [_predict_on_cluster(args, keep, columns)]
    else:
        chunks = predict_chunks(
            astrozoo.load(args.model),
            args.inputs,
            batch_size=args.batch_size,
            progress=not args.no_progress,
            keep_columns=keep,
            columns=columns,
        )
    rows = failed = 0
    writing = True  # an OSError while writing is reported in one line; one while predicting is not ours
    try:
        with chunk_writer(args.output) as write:
            writing = False
            for chunk in chunks:
                writing = True
                write(chunk)
                writing = False
                rows += len(chunk)
                failed += int(np.count_nonzero(np.asarray(chunk["error"], dtype=str) != ""))
            writing = True
    except OSError as err:
        if not writing or isinstance(err, BrokenPipeError):
            raise
        raise AstrozooError(f"cannot write {args.output or 'standard output'}: {err}") from None
    if failed:
        print(f"astrozoo: {failed} of {rows} inputs failed; see the error column.", file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_OK


def _embed(args) -> int:
    import numpy as np  # noqa: PLC0415

    import astrozoo  # noqa: PLC0415
    from astrozoo.embedding import anomaly_scores, embed_chunks  # noqa: PLC0415
    from astrozoo.embedding.gallery import anomaly_gallery  # noqa: PLC0415
    from astrozoo.errors import InputError  # noqa: PLC0415
    from astrozoo.io.table_writers import chunk_writer, output_format, stack_chunks  # noqa: PLC0415

    if args.output:
        output_format(args.output)
    model = astrozoo.load(args.model)
    if args.gallery and astrozoo.spec(model).input.kind == "table":
        raise InputError("--gallery draws image or light-curve files; this model reads table rows.")
    kept, failed = [], 0
    with chunk_writer(args.output) as write:
        for chunk in embed_chunks(
            model, args.inputs, batch_size=args.batch_size, progress=not args.no_progress
        ):
            write(chunk)
            failed += int(np.count_nonzero(np.asarray(chunk["error"], dtype=str) != ""))
            if args.gallery:  # the scores compare every row with every other
                kept.append(chunk)
    if args.gallery:
        vectors = stack_chunks(kept)
        scores = anomaly_scores(vectors, k=args.neighbour)
        anomaly_gallery(vectors, scores, astrozoo.spec(model), args.gallery)
    if failed:
        print(f"astrozoo: {failed} inputs failed; see the error column.", file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_OK


def _predict_on_cluster(args, keep: list[str], columns: dict[str, str]):
    """``astrozoo predict --workers N`` or ``--scheduler ADDRESS``: the serial run's table, from Dask."""
    from astrozoo.errors import InputError  # noqa: PLC0415

    try:
        from astrozoo.distributed import connect, predict_on_cluster  # noqa: PLC0415
    except ImportError as err:
        raise InputError(f"--workers and --scheduler need Dask. {err}") from None
    with connect(workers=args.workers, scheduler=args.scheduler) as client:
        return predict_on_cluster(
            client, args.model, args.inputs, batch_size=args.batch_size, keep_columns=keep, columns=columns
        )


def _write_table(table, path: Path) -> None:
    """Writes an astropy table atomically, in the format its file name asks for."""
    from astrozoo.io.table_writers import chunk_writer  # noqa: PLC0415

    with chunk_writer(path) as write:
        write(table)


def _table_format(path: Path) -> str:
    from astrozoo.io.table_writers import output_format  # noqa: PLC0415

    return output_format(path)


def _list(args) -> int:
    from astrozoo.folders.manifest import summaries  # noqa: PLC0415

    rows = [("name", "task", "classes / outputs", "input", "headline metric")]
    for name, about in summaries(task=args.task).items():
        outputs = ", ".join(about["outputs"])
        rows.append((name, about["task"], outputs, about["input"], about["headline_metric"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def _demo(args) -> int:
    from astrozoo.demo import demo  # noqa: PLC0415

    table = demo(args.output, data_dir=args.data, per_model=args.per_model)
    table["confidence"].format = ".3f"
    if "period" in table.colnames:
        table["period"].format = ".4f"
    table.pprint_all()
    print(f"gallery written to {args.output}")
    return EXIT_SOME_FAILED if any(table["error"]) else EXIT_OK


def _push(args) -> int:
    import astrozoo  # noqa: PLC0415

    commit = astrozoo.push(args.folder, args.repo_id, private=args.private, commit_message=args.message)
    print(f"pushed {args.folder} to hf://{args.repo_id} at revision {commit}")
    print(f'load it with: astrozoo.load("hf://{args.repo_id}", revision="{commit}")')
    return EXIT_OK


def _train(args) -> int:
    from astrozoo.training import train  # noqa: PLC0415

    folder = train(
        args.model, data_dir=args.data, epochs=args.epochs, seed=args.seed, output=args.output,
        members=args.members, overrides=dict(args.overrides or ()),
    )  # fmt: skip
    metrics = json.loads((folder / "metadata.json").read_text())["spec"]["metrics"]["test"]
    headline = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
    print(f"wrote {folder}; test split: {json.dumps(headline)}")
    return EXIT_OK


def _finetune(args) -> int:
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


def _cv(args) -> int:
    from astrozoo.training.crossval import cross_validate  # noqa: PLC0415
    from astrozoo.training.recipes import RECIPES  # noqa: PLC0415

    def report(fold: int, metrics: dict) -> None:  # called once cross_validate has checked the name
        _print_fold(fold, metrics, RECIPES[args.model].headline)

    if args.predictions:
        _table_format(Path(args.predictions))  # a file name it cannot write fails now, not after the folds
    result = cross_validate(
        args.model, folds=args.folds, data_dir=args.data, epochs=args.epochs, seed=args.seed,
        members=args.members, overrides=dict(args.overrides or ()), on_fold=report,
        training_fraction=args.training_fraction, only_folds=args.fold, verbose=2 if args.verbose else 0,
    )  # fmt: skip
    _report_cross_validation(result, args.output, args.predictions)
    return EXIT_OK


def _cv_pool(args) -> int:
    from astrozoo.errors import InputError  # noqa: PLC0415
    from astrozoo.training.fold_pooling import held_out_from_table, pool_fold_runs  # noqa: PLC0415

    if args.predictions:
        _table_format(Path(args.predictions))
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
        _print_fold(fold, metrics, pooled["headline"])
    _report_cross_validation(pooled, args.output, args.predictions)
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

    if not path.is_file():
        raise InputError(f"{str(path)!r}: no such file (expected the astrozoo cv --predictions table).")
    try:
        return Table.read(path, format=_table_format(path))
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 (astropy's readers raise many kinds)
        raise InputError(f"{str(path)!r}: not a readable table ({type(err).__name__}: {err}).") from None


def _print_fold(fold: int, metrics: dict, headline: str) -> None:
    """One line per fold as soon as it is scored: its headline metric and what to look at twice."""
    from astrozoo.training.metrics import not_learned  # noqa: PLC0415

    line = f"fold {fold}: {headline} {metrics[headline]:.4f} (n={metrics['n']})"
    if "bias" in metrics:  # a regressor: a variant can gain scatter and lose accuracy
        line += f", bias {metrics['bias']:+.4f}"
    reason = not_learned(metrics) if "confusion_matrix" in metrics else None  # classifiers only
    if reason is not None:
        line += f"; {reason} (train refuses such a model)"
    print(line, flush=True)


def _report_cross_validation(result: dict, output: str | None, predictions: str | None) -> None:
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
        _write_table(held_out_table(result), Path(predictions))
    if output:
        metrics = {key: value for key, value in result.items() if key != "held_out"}
        if predictions:  # where `astrozoo cv-pool` finds them, from the JSON file's folder
            metrics["predictions"] = os.path.relpath(
                Path(predictions).resolve(), Path(output).resolve().parent
            )
        atomic_write_text(output, json.dumps(metrics, indent=2) + "\n")


def _download(args) -> int:
    from astrozoo.datasets.download import download  # noqa: PLC0415

    for name in args.datasets:
        folder = download(name, force=args.force, mirror=args.mirror)
        print(f"{name}: {folder}")
    return EXIT_OK


def _info(args) -> int:
    import astrozoo  # noqa: PLC0415

    model_spec = astrozoo.resolve_spec(args.model)
    if args.card:
        from astrozoo.folders.card import model_card  # noqa: PLC0415

        print(model_card(model_spec), end="")
    else:
        print(json.dumps(model_spec.to_dict(), indent=2))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
