"""Measures `astrozoo predict` on a sharded catalogue: serial against ``--workers N`` on this machine.

Run: python bench/distributed_throughput.py [--rows 200000] [--shards 4] [--workers 2] [--output FILE]

The catalogue is made by ``make_catalogue.py`` of the tools folder beside ``$ASTROZOO_DATA``
(resampled ``sdss_dr14`` rows with 0.02 mag noise) and split into CSV shards, as survey
catalogues come in many files: the workers share the files. Each configuration runs as its own
``astrozoo predict sdss-mlp`` command, timed from start to exit, once on the whole catalogue and
once on a one-row file; the difference is the time beyond start-up (TensorFlow's import and, with
workers, the cluster's start and the workers' own imports). The two outputs are compared row for
row. The section "Distributed prediction" of ``--output`` is replaced (or appended) with the results.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
from sections import write_section

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("ASTROZOO_DATA", ROOT.parent / "shared" / "data"))
MAKE_CATALOGUE = DATA_DIR.parent / "tools" / "make_catalogue.py"
SECTION = "## Distributed prediction"


def make_shards(rows: int, shards: int, folder: Path) -> list[Path]:
    whole = folder / "catalogue.csv"
    command = [sys.executable, str(MAKE_CATALOGUE), str(rows), str(whole)]
    env = {**os.environ, "ASTROZOO_DATA": str(DATA_DIR)}
    subprocess.run(command, check=True, capture_output=True, env=env)
    table = pacsv.read_csv(whole)
    bounds = np.linspace(0, rows, shards + 1).astype(int)
    paths = []
    for k, (start, stop) in enumerate(itertools.pairwise(bounds)):
        paths.append(folder / f"part-{k:03d}.csv")
        pacsv.write_csv(table.slice(start, stop - start), paths[-1])
    one_row = folder / "one-row.csv"
    pacsv.write_csv(table.slice(0, 1), one_row)
    return [*paths, one_row]


def timed_predict(
    model: str, inputs: list[Path], output: Path, batch_size: int, workers: int | None
) -> float:
    command = [sys.executable, "-m", "astrozoo", "predict", model, *map(str, inputs), "-o", str(output),
               "--batch-size", str(batch_size), "--no-progress"]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 3):  # 3: some inputs failed, their rows say why
        raise RuntimeError(f"{' '.join(command[:5])}... exited {done.returncode}: {done.stderr[-2000:]}")
    return time.perf_counter() - start


def compare(
    model: str, inputs: list[Path], one: Path, batch_size: int, workers: int, folder: Path, what: str
):
    """Table rows (serial, then with workers) for one workload, and a line on whether their outputs agree."""
    rows, outputs = [], []
    for label, count in (("serial", None), (f"`--workers {workers}`", workers)):
        startup = timed_predict(model, [one], folder / "one.csv", batch_size, count)
        outputs.append(folder / f"{model}-{count or 0}.csv")
        whole = timed_predict(model, inputs, outputs[-1], batch_size, count)
        beyond = whole - startup
        rows.append(f"| {model} | {what} | {label} | {startup:.1f} | {whole:.1f} | {beyond:.1f} |")
        print(rows[-1], flush=True)
    serial, parallel = (pd.read_csv(path, keep_default_na=False) for path in outputs)
    same = all(list(serial[c]) == list(parallel[c]) for c in ("source", "label", "error", "warning"))
    numbers = [c for c in serial.columns if c.startswith("p_")]
    gap = max(float(np.abs(pd.to_numeric(serial[c]) - pd.to_numeric(parallel[c])).max()) for c in numbers)
    agreement = (f"{model}: source, label, error and warning {'identical' if same else 'DIFFERENT'}, "
                 f"largest probability difference {gap:.1e}.")  # fmt: skip
    return [*rows, agreement]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument(
        "--images", type=int, default=400, help="FITS files of mirabest for radio-cnn (0: none)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4096, help="for the catalogue (images: 32)")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        *shards, one_row = make_shards(args.rows, args.shards, folder)
        what = f"{args.rows:,} rows in {args.shards} CSV files"
        results = compare("sdss-mlp", shards, one_row, args.batch_size, args.workers, folder, what)
        images = sorted((DATA_DIR / "mirabest" / "fits").glob("*.fits.fz"))[: args.images]
        if images:
            what = f"{len(images)} FITS files"
            results += compare("radio-cnn", images, images[0], 32, args.workers, folder, what)
    table = [line for line in results if line.startswith("|")]
    notes = [line for line in results if not line.startswith("|")]
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python bench/distributed_throughput.py --rows {args.rows} "
        f"--shards {args.shards} --images {len(images)} --workers {args.workers}` on {os.cpu_count()} CPU "
        f"cores (shared with other work): `astrozoo predict` on a catalogue in {args.shards} CSV files "
        f"(`--batch-size {args.batch_size}`) and on MiraBest FITS cutouts (`--batch-size 32`), serial and "
        "with workers. Each run is a fresh command timed from start to exit; beyond start-up is the whole "
        "run less a one-input run of the same command.",
        "",
        "| model | inputs | run | one input (s) | all inputs (s) | beyond start-up (s) |",
        "|---|---|---|---|---|---|",
        *table,
        "",
        *notes,
        "The last float32 bit of a probability depends on how inputs are batched.",
        "",
    ]
    write_section(args.output, SECTION, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
