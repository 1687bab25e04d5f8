"""``astrozoo predict`` and ``astrozoo embed``: a model over files, folders or catalogues."""

from __future__ import annotations

import contextlib

from astrozoo.commands.output import write_chunks


def predict_command(args) -> int:
    """Checks the output and the input budget before anything runs, then predicts chunk by chunk."""
    with _checked(args):
        return write_chunks(_prediction_chunks(args), args.output)


def embed_command(args) -> int:
    """As `predict_command`, writing each input's vector; ``--gallery`` draws the top anomalies."""
    import astrozoo  # noqa: PLC0415
    from astrozoo.embedding import anomaly_scores, embed_chunks  # noqa: PLC0415
    from astrozoo.embedding.gallery import anomaly_gallery  # noqa: PLC0415
    from astrozoo.errors import InputError  # noqa: PLC0415
    from astrozoo.io.table_writers import stack_chunks  # noqa: PLC0415

    with _checked(args):
        model = astrozoo.load(args.model)
        if args.gallery and astrozoo.spec(model).input.kind == "table":
            raise InputError("--gallery draws image or light-curve files; this model reads table rows.")
        kept = []

        def chunks():
            if args.workers or args.scheduler:
                parts = [_predict_on_cluster(args, (), {}, embedding=True)]
            else:
                progress = not args.no_progress
                parts = embed_chunks(model, args.inputs, batch_size=args.batch_size, progress=progress)
            for chunk in parts:
                if args.gallery:  # the scores compare every row with every other
                    kept.append(chunk)
                yield chunk

        status = write_chunks(chunks(), args.output)
    if args.gallery:
        vectors = stack_chunks(kept)
        scores = anomaly_scores(vectors, k=args.neighbour)
        anomaly_gallery(vectors, scores, astrozoo.spec(model), args.gallery)
    return status


@contextlib.contextmanager
def _checked(args):
    """Refuses an output it cannot write, or that is an input, and applies ``--max-input-mb``."""
    from astrozoo.io.limits import max_decoded_bytes, max_decoded_mb  # noqa: PLC0415
    from astrozoo.io.table_writers import check_output  # noqa: PLC0415

    if args.output:  # fails now, not after the whole run
        check_output(args.output, args.inputs)
    budget = getattr(args, "max_input_mb", None)
    with max_decoded_mb(budget) if budget else contextlib.nullcontext():
        max_decoded_bytes()  # a bad ASTROZOO_MAX_DECODED_MB fails now, not in every row
        yield


def _prediction_chunks(args):
    import astrozoo  # noqa: PLC0415
    from astrozoo.prediction import predict_chunks  # noqa: PLC0415

    keep = [name.strip() for names in args.keep for name in names.split(",") if name.strip()]
    columns = {model_column: name for names in args.columns for model_column, name in names.items()}
    if args.workers or args.scheduler:
        return [_predict_on_cluster(args, keep, columns)]
    return predict_chunks(
        astrozoo.load(args.model),
        args.inputs,
        batch_size=args.batch_size,
        progress=not args.no_progress,
        keep_columns=keep,
        columns=columns,
    )


def _predict_on_cluster(args, keep, columns: dict[str, str], embedding: bool = False):
    """``astrozoo predict --workers N`` or ``--scheduler ADDRESS``: the serial run's table, from Dask."""
    from astrozoo.errors import InputError  # noqa: PLC0415

    try:
        from astrozoo.distributed import connect, predict_on_cluster  # noqa: PLC0415
    except ImportError as err:
        raise InputError(f"--workers and --scheduler need Dask. {err}") from None
    with connect(workers=args.workers, scheduler=args.scheduler) as client:
        return predict_on_cluster(
            client,
            args.model,
            args.inputs,
            batch_size=args.batch_size,
            keep_columns=keep,
            columns=columns,
            embedding=embedding,
        )
