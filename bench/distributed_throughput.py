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


def timed_predict(inputs: list[Path], output: Path, batch_size: int, workers: int | None) -> float:
    command = [sys.executable, "-m", "astrozoo", "predict", "sdss-mlp", *map(str, inputs), "-o", str(output),
               "--batch-size", str(batch_size), "--no-progress"]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        *shards, one_row = make_shards(args.rows, args.shards, folder)
        results = {}
        for label, workers in (("serial", None), (f"--workers {args.workers}", args.workers)):
            startup = timed_predict([one_row], folder / "one.csv", args.batch_size, workers)
            whole = timed_predict(shards, folder / f"{workers or 0}.csv", args.batch_size, workers)
            results[label] = (startup, whole)
            print(f"{label}: one row {startup:.1f} s, {args.rows:,} rows {whole:.1f} s", flush=True)
        serial, parallel = (
            pd.read_csv(folder / name, keep_default_na=False) for name in ("0.csv", f"{args.workers}.csv")
        )
        same = all(list(serial[c]) == list(parallel[c]) for c in ("source", "label", "error", "warning"))
        gap = max(float(np.abs(serial[c] - parallel[c]).max()) for c in ("p_STAR", "p_GALAXY", "p_QSO"))
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python bench/distributed_throughput.py --rows {args.rows} "
        f"--shards {args.shards} --workers {args.workers}` on {os.cpu_count()} CPU cores (shared with other "
        "work). "
        f"`astrozoo predict sdss-mlp` on {args.rows:,} catalogue rows in {args.shards} CSV files, "
        f"`--batch-size {args.batch_size}`, each run a fresh command timed from start to exit; beyond "
        "start-up is the whole run less a one-row run of the same command.",
        "",
        "| run | one row (s) | whole catalogue (s) | beyond start-up (s) | rows/s beyond start-up |",
        "|---|---|---|---|---|",
    ]
    for label, (startup, whole) in results.items():
        beyond = whole - startup
        lines.append(f"| {label} | {startup:.1f} | {whole:.1f} | {beyond:.1f} | {args.rows / beyond:,.0f} |")
    lines += [
        "",
        f"Row for row: source, label, error and warning {'identical' if same else 'DIFFERENT'}; "
        f"largest probability difference {gap:.1e} (the last float32 bit depends on how rows are batched).",
        "",
    ]
    output = Path(args.output)
    text = output.read_text(encoding="utf-8") if output.is_file() else ""
    kept = text.split(SECTION)[0].rstrip("\n")
    output.write_text((kept + "\n\n" if kept else "") + "\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
