"""Measures every zoo model's inference throughput and records its training wall time.

Run: python bench/run_benchmarks.py [--output BENCHMARKS.md]

Throughput is samples per second of `model.predict_on_batch` on inputs shaped
like the model's real inputs (FITS 150x150, JPEG 424x424, a 300-epoch light
curve, a catalogue row), at batch 1 and 64, after a warm-up call; the median of
several timed calls is reported. Training wall time is the one `astrozoo train`
recorded in the model's metadata. Reading a light-curve file for the RR Lyrae
models also searches its period (`astrozoo.io.find_period`), timed separately on
Stripe 82 light curves (``$ASTROZOO_DATA/rrlyrae_s82``) or, without them, on the
package's two demo light curves.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sections import write_section

import astrozoo
from astrozoo.io import read_lightcurve
from astrozoo.io.period_search import find_period
from astrozoo.training.recipes.inputs import RR_LYRAE_PERIODS


def example_batch(model_spec, batch: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    spec_in = model_spec.input
    if spec_in.kind == "table":
        return rng.normal(17, 1, (batch, len(spec_in.columns))).astype("float32")
    if spec_in.kind == "lightcurve":
        x = np.zeros((batch, 300, spec_in.shape[-1]), "float32")
        x[:, :, 0] = np.sort(rng.uniform(0, 1, (batch, 300)), axis=1)
        x[:, :, 1] = rng.normal(17, 0.3, (batch, 300))
        x[:, :, 2] = 0.02
        x[:, np.arange(300), 3 + np.arange(300) % len(spec_in.bands)] = 1
        if spec_in.period_search:
            x[:, :, -1] = np.log10(0.5)
        return x
    size = 150 if spec_in.shape[-1] == 1 else 424
    return (rng.random((batch, size, size, spec_in.shape[-1])) * 255).astype("float32")


def throughput(model, x: np.ndarray, repeats: int) -> float:
    model.predict_on_batch(x)  # warm-up: tracing and allocation
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_on_batch(x)
        timings.append(time.perf_counter() - start)
    return len(x) / float(np.median(timings))


def period_search_seconds(count: int = 40) -> tuple[float, str]:
    """Mean seconds of `find_period` per light curve, over ``count`` Stripe 82 stars or the demo ones."""
    folder = Path(os.environ.get("ASTROZOO_DATA", "../shared/data")) / "rrlyrae_s82" / "light-curves"
    files = sorted(folder.glob("*.csv"))[:count]
    source = f"{len(files)} Stripe 82 RR Lyrae"
    if not files:
        files = sorted((Path(astrozoo.__file__).parent / "demo_data").glob("rrlyrae_*.csv"))
        source = f"the {len(files)} synthetic demo light curves"
    series = [read_lightcurve(path) for path in files]
    search = astrozoo.resolve_spec("rrlyrae-gru").input.period_search  # with its prior, as predict runs it
    start = time.perf_counter()
    for ts in series:
        find_period(ts, **search)
    return (time.perf_counter() - start) / len(series), source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="BENCHMARKS.md")
    args = parser.parse_args()
    rows = []
    for name in astrozoo.list_models():
        model = astrozoo.load(name)
        model_spec = astrozoo.spec(model)
        single = throughput(model, example_batch(model_spec, 1), repeats=30)
        batched = throughput(model, example_batch(model_spec, 64), repeats=5)
        train_time = model_spec.training.get("wall_time_s")
        rows.append((name, model.count_params(), single, batched, "-" if train_time is None else train_time))
        print(f"{name}: {single:.1f}/s at batch 1, {batched:.1f}/s at batch 64, trained in {train_time} s")
    period_seconds, period_source = period_search_seconds()
    print(f"period search: {period_seconds:.3f} s per light curve ({period_source})")
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__} (CPU), Keras {keras.__version__}"
    )
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.date.today().isoformat()} by `python bench/run_benchmarks.py` on: {machine}.",
        "",
        "Inference: samples per second of `predict_on_batch` on inputs shaped like real ones "
        "(FITS 150x150, JPEG 424x424, 300-epoch light curves, catalogue rows), median of repeated "
        "calls after a warm-up; image models with test-time averaging run 8 views per sample. "
        "Training: wall time of `astrozoo train NAME` as recorded in the model's metadata "
        "(the machine that trained it, 2 CPU cores). With the same code, rates on this kind of shared "
        "virtual machine have differed up to twofold from one day to another: compare only rates "
        "measured in one run.",
        "",
        "| model | parameters | samples/s, batch 1 | samples/s, batch 64 | training wall time (s) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {params:,} | {single:,.1f} | {batched:,.1f} | {train_time} |"
        for name, params, single, batched, train_time in rows
    ]
    lines += [
        "",
        f"Period search: `astrozoo predict rrlyrae-gru` (or -lstm) folds each light-curve file at its "
        f"Lomb-Scargle period first: {period_seconds:.3f} s per light curve (`find_period` between "
        f"{RR_LYRAE_PERIODS['min_period']} and {RR_LYRAE_PERIODS['max_period']} days with the model's "
        "period prior, mean over "
        f"{period_source}), far more than the network's own time per sample above.",
    ]
    write_section(args.output, None, lines)  # the other scripts' sections stay
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
