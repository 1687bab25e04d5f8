"""Survey-scale prediction on one machine: end-to-end `astrozoo predict` against the model alone.

Run: python bench/bench_streaming.py [--rows 2000000] [--images 256]

Catalogue: a ugriz catalogue of ``--rows`` rows made by ``../shared/tools/make_catalogue.py`` (CSV and
Parquet), predicted by ``astrozoo predict sdss-mlp CAT -o OUT --keep objid,ra,dec`` in a fresh process.
Its time beyond start-up (the same command on a one-row catalogue) is compared with the model's own
`predict_on_batch` time over the same rows (batch 8192, arrays already in memory), measured in the
same run; memory growth is the command's peak resident memory minus the one-row run's.

Images: ``astrozoo.predict("galaxy-resnet", folder)`` on ``--images`` GZ2 JPEG files, against the
model's rate on the same images already decoded. All ratios come from one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sections import write_section

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ASTROZOO_DATA", ROOT.parent / "shared" / "data"))
MAKE_CATALOGUE = DATA.parent / "tools" / "make_catalogue.py"


def run_command(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of an ``astrozoo`` command in a fresh process."""
    probe = (
        "import resource, sys, time; from astrozoo.cli import main; t = time.perf_counter(); "
        "code = main(sys.argv[1:]); print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, env={**os.environ}, check=False
    )
    if done.returncode not in (0, 3):
        raise RuntimeError(done.stderr[-2000:])
    seconds, megabytes = done.stdout.split()[-2:]
    return float(seconds), float(megabytes)


def model_seconds(name: str, catalogue: Path) -> float:
    """The model's own time over the catalogue's rows: `predict_on_batch`, batch 8192, after a warm-up."""
    import numpy as np  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    import astrozoo  # noqa: PLC0415

    model = astrozoo.load(name)
    columns = list(astrozoo.spec(model).input.columns)
    rows = np.stack([pq.read_table(catalogue, columns=[c])[c].to_numpy() for c in columns], axis=1)
    rows = rows.astype("float32")
    model.predict_on_batch(rows[:8192])
    start = time.perf_counter()
    for i in range(0, len(rows), 8192):
        model.predict_on_batch(rows[i : i + 8192])
    return time.perf_counter() - start


def catalogue_rows(rows: int, folder: Path) -> dict:
    big_csv, big_parquet = folder / "big.csv", folder / "big.parquet"
    one_csv, one_parquet = folder / "one.csv", folder / "one.parquet"
    subprocess.run([sys.executable, MAKE_CATALOGUE, str(rows), big_csv, big_parquet], check=True)
    subprocess.run([sys.executable, MAKE_CATALOGUE, "1", one_csv, one_parquet], check=True)
    keep = ["--keep", "objid,ra,dec", "--no-progress"]
    results = {"rows": rows, "model_s": model_seconds("sdss-mlp", big_parquet)}
    for label, big, one, out in (
        ("csv", big_csv, one_csv, "out.csv"),
        ("parquet", big_parquet, one_parquet, "out.parquet"),
    ):
        base_s, base_mb = run_command(
            ["predict", "sdss-mlp", str(one), "-o", str(folder / f"one_{out}"), *keep]
        )
        total_s, total_mb = run_command(["predict", "sdss-mlp", str(big), "-o", str(folder / out), *keep])
        results[label] = {
            "seconds": total_s,
            "startup_s": base_s,
            "beyond_startup_s": total_s - base_s,
            "ratio_to_model": (total_s - base_s) / results["model_s"],
            "peak_mb": total_mb,
            "growth_mb": total_mb - base_mb,
        }
    return results


def image_folder(count: int) -> dict:
    import numpy as np  # noqa: PLC0415

    import astrozoo  # noqa: PLC0415
    from astrozoo.io import read_pixels  # noqa: PLC0415

    files = sorted((DATA / "gz2_spirals").rglob("*.jpg"))[:count]
    model = astrozoo.load("galaxy-resnet")
    expected = astrozoo.spec(model).input
    decoded = np.stack([read_pixels(f, expected.shape[-1]) for f in files]).astype("float32")
    model.predict_on_batch(decoded[:32])
    start = time.perf_counter()
    for i in range(0, len(decoded), 32):
        model.predict_on_batch(decoded[i : i + 32])
    model_rate = len(files) / (time.perf_counter() - start)
    astrozoo.predict(model, files[:32])  # warm-up of the same path
    start = time.perf_counter()
    astrozoo.predict(model, files)
    end_to_end_rate = len(files) / (time.perf_counter() - start)
    return {"images": len(files), "model_per_s": model_rate, "predict_per_s": end_to_end_rate,
            "fraction": end_to_end_rate / model_rate}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {"catalogue": catalogue_rows(args.rows, Path(folder))}
    if (DATA / "gz2_spirals").is_dir():
        results["images"] = image_folder(args.images)
    print(json.dumps(results, indent=2))
    write_section(args.output, SECTION, report(results, args))


SECTION = "## Streaming catalogues and image folders (one machine)"


def report(results: dict, args) -> list[str]:
    """The BENCHMARKS.md section of one run."""
    catalogue = results["catalogue"]
    lines = [
        SECTION,
        "",
        f"`python bench/bench_streaming.py --rows {args.rows} --images {args.images}`, "
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU cores. Catalogue: {args.rows:,} ugriz rows "
        "made by `make_catalogue.py`, `astrozoo predict sdss-mlp CAT -o OUT --keep objid,ra,dec` in a fresh "
        "process; beyond start-up subtracts the same command on a one-row catalogue; the model's own time "
        "is `predict_on_batch` over the same rows at batch 8192, arrays in memory. Ratios compare timings "
        "of one run.",
        "",
        "| run | model alone (s) | end to end beyond start-up (s) | ratio | memory growth (MB) |",
        "|---|---|---|---|---|",
    ]
    for label, name in (("csv", "CSV -> CSV"), ("parquet", "Parquet -> Parquet")):
        run = catalogue[label]
        lines.append(
            f"| {name} | {catalogue['model_s']:.1f} | {run['beyond_startup_s']:.1f} | "
            f"{run['ratio_to_model']:.2f} | {run['growth_mb']:.0f} |"
        )
    if "images" in results:
        images = results["images"]
        lines += [
            "",
            f'Image folder: `astrozoo.predict("galaxy-resnet", files)` on {images["images"]} GZ2 JPEGs '
            f"ran at {images['predict_per_s']:.1f} images/s against {images['model_per_s']:.1f} images/s for "
            f"`predict_on_batch` on the same images already decoded ({images['fraction']:.2f}).",
        ]
    return lines


if __name__ == "__main__":
    main()
