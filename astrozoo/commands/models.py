"""``astrozoo list``, ``info``, ``demo``, ``push`` and ``download``: the zoo, its cards and its data."""

from __future__ import annotations

import json

from astrozoo.commands.output import EXIT_OK, EXIT_SOME_FAILED


def list_command(args) -> int:
    from astrozoo.folders.manifest import summaries  # noqa: PLC0415

    rows = [("name", "task", "classes / outputs", "input", "headline metric")]
    for name, about in summaries(task=args.task).items():
        outputs = ", ".join(about["outputs"])
        rows.append((name, about["task"], outputs, about["input"], about["headline_metric"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def info_command(args) -> int:
    import astrozoo  # noqa: PLC0415

    model_spec = astrozoo.resolve_spec(args.model)
    if args.card:
        from astrozoo.folders.card import model_card  # noqa: PLC0415

        print(model_card(model_spec), end="")
    else:
        print(json.dumps(model_spec.to_dict(), indent=2))
    return EXIT_OK


def demo_command(args) -> int:
    from astrozoo.demo import demo  # noqa: PLC0415

    table = demo(args.output, data_dir=args.data, per_model=args.per_model)
    table["confidence"].format = ".3f"
    if "period" in table.colnames:
        table["period"].format = ".4f"
    table.pprint_all()
    print(f"gallery written to {args.output}")
    return EXIT_SOME_FAILED if any(table["error"]) else EXIT_OK


def push_command(args) -> int:
    import astrozoo  # noqa: PLC0415

    commit = astrozoo.push(args.folder, args.repo_id, private=args.private, commit_message=args.message)
    print(f"pushed {args.folder} to hf://{args.repo_id} at revision {commit}")
    print(f'load it with: astrozoo.load("hf://{args.repo_id}", revision="{commit}")')
    return EXIT_OK


def download_command(args) -> int:
    from astrozoo.datasets.download import download  # noqa: PLC0415

    for name in args.datasets:
        folder = download(name, force=args.force, mirror=args.mirror)
        print(f"{name}: {folder}")
    return EXIT_OK
