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

from astrozoo.commands.exporting import export_command
from astrozoo.commands.models import demo_command, download_command, info_command, list_command, push_command
from astrozoo.commands.output import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from astrozoo.commands.predicting import embed_command, predict_command
from astrozoo.commands.training import cv_command, cv_pool_command, finetune_command, train_command

# They read the manifest, JSON files and tables, never TensorFlow.
TENSORFLOW_FREE_COMMANDS = ("list", "info", "cv-pool")

__all__ = ["EXIT_OK", "EXIT_SOME_FAILED", "EXIT_USAGE", "SET_OPTIONS", "main"]


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
    _add_scale_options(predict)
    predict.set_defaults(run=predict_command)

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
    _add_scale_options(embed)
    embed.add_argument(
        "--neighbour", type=_positive_int, default=5, metavar="K", help="anomaly score: the K-th neighbour"
    )
    embed.set_defaults(run=embed_command)

    listing = commands.add_parser("list", help="list the zoo's models")
    listing.add_argument("--task", choices=["classification", "regression"])
    listing.set_defaults(run=list_command)

    info = commands.add_parser("info", help="show a model's spec as JSON")
    info.add_argument("model", help="zoo name or model folder")
    info.add_argument(
        "--card", action="store_true", help="print the model card (Markdown: data, metrics, limitations)"
    )
    info.set_defaults(run=info_command)

    demo = commands.add_parser("demo", help="run every zoo model end to end and draw a gallery")
    demo.add_argument(
        "-o", "--output", default="astrozoo-demo.png", help="gallery PNG (default astrozoo-demo.png)"
    )
    demo.add_argument(
        "--data", help="folder holding the datasets (default: $ASTROZOO_DATA; else synthetic inputs)"
    )
    demo.add_argument("--per-model", type=_positive_int, default=4, help="inputs per model (default 4)")
    demo.set_defaults(run=demo_command)

    push = commands.add_parser("push", help="publish a model folder to the Hugging Face Hub")
    push.add_argument("folder", help="a model folder written by astrozoo.save or astrozoo train")
    push.add_argument("repo_id", help="org/name on the Hub")
    push.add_argument("--private", action="store_true", help="create the repo as private")
    push.add_argument("--message", help="commit message")
    push.set_defaults(run=push_command)

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
    train.set_defaults(run=train_command)

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
    finetune.set_defaults(run=finetune_command)

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
    cv.set_defaults(run=cv_command)

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
    pool.set_defaults(run=cv_pool_command)

    export = commands.add_parser("export", help="write a model as a SavedModel, ONNX or LiteRT artifact")
    export.add_argument("model", help="zoo name, model folder, or hf://org/repo")
    export.add_argument(
        "--format", choices=["savedmodel", "onnx", "litert"], default="savedmodel",
        help="savedmodel (a folder; TF Serving, keras.layers.TFSMLayer), onnx (needs astrozoo[onnx]) or "
        "litert (a .tflite file); default savedmodel",
    )  # fmt: skip
    export.add_argument("-o", "--output", required=True, help="folder or file to write (must not exist)")
    export.set_defaults(run=export_command)

    fetch = commands.add_parser("download", help="download datasets into the cache (see ASTROZOO_CACHE)")
    fetch.add_argument("datasets", nargs="+", metavar="DATASET", help="dataset names, e.g. photoz_mgs")
    fetch.add_argument("--force", action="store_true", help="download every file again")
    fetch.add_argument("--mirror", help="base URL of a mirror holding DATASET/FILE")
    fetch.set_defaults(run=download_command)
    return parser


def _add_scale_options(command: argparse.ArgumentParser) -> None:
    """``--workers``, ``--scheduler`` and ``--max-input-mb``, which predict and embed share."""
    command.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="share the files among N worker processes of a local Dask cluster (needs astrozoo[dask])",
    )
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="share the files among the workers of a running Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    command.add_argument(
        "--max-input-mb",
        type=_positive_float,
        metavar="MB",
        help="refuse an input that decodes to more than MB MiB (images' float32 pixels, decompressed text; "
        "default 512, or $ASTROZOO_MAX_DECODED_MB)",
    )


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


if __name__ == "__main__":
    sys.exit(main())
