"""``astrozoo export``: a model as a TensorFlow SavedModel, ONNX or LiteRT artifact for serving."""

from __future__ import annotations

from astrozoo.commands.output import EXIT_OK


def export_command(args) -> int:
    from astrozoo.folders.export import export  # noqa: PLC0415

    path = export(args.model, args.output, format=args.format)
    print(f"{args.model} exported as {args.format} to {path}")
    return EXIT_OK
