"""Catalogues in chunks: streamed reading (CSV, Parquet), column-wise prediction, chunked output."""

from __future__ import annotations

import gzip

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.table import Table, vstack

import astrozoo
from astrozoo.cli import main
from astrozoo.prediction import predict_chunks

BANDS = list("ugriz")


@pytest.fixture(scope="module")
def star_model(tmp_path_factory):
    model = astrozoo.builders.mlp(BANDS, class_names=["STAR", "GALAXY", "QSO"])
    return astrozoo.save(model, tmp_path_factory.mktemp("models") / "tiny-sdss")


def _catalogue(rows: int, seed: int = 0) -> Table:
    rng = np.random.default_rng(seed)
    table = Table({"objid": np.arange(10**15, 10**15 + rows, dtype=np.int64)})
    for band in BANDS:
        table[band] = rng.normal(18, 1, rows).round(4)
    return table


def test_chunks_of_a_csv_file_are_the_whole_table_predicted(star_model, tmp_path):
    path = tmp_path / "stars.csv"
    table = _catalogue(23)
    table["r"] = table["r"].astype(str)
    table["r"][17] = "oops"  # in the third chunk of 7 rows
    table.write(path, format="ascii.csv")
    chunks = list(predict_chunks(str(star_model), [path], keep_columns=["objid"], chunk_rows=7))
    assert [len(c) for c in chunks] == [7, 7, 7, 2]
    whole = astrozoo.predict(str(star_model), Table.read(path, format="ascii.csv"), keep_columns=["objid"])
    streamed = astrozoo.predict(str(star_model), [path], keep_columns=["objid"])
    for result in (streamed, vstack(chunks)):
        assert list(result["source"]) == [f"{path}:{i}" for i in range(23)]
        assert list(result["objid"]) == list(table["objid"])
        np.testing.assert_allclose(
            np.ma.filled(result["p_STAR"], -1), np.ma.filled(whole["p_STAR"], -1), rtol=1e-5
        )
    errors = [bool(e) for e in streamed["error"]]
    assert errors == [i == 17 for i in range(23)]
    assert "row 17 holds text where numbers are expected (r = 'oops')" in streamed["error"][17]
    assert streamed["label"][17] == "" and streamed["p_STAR"].mask[17]


def test_parquet_in_and_out_match_csv(star_model, tmp_path, capsys):
    table = _catalogue(50)
    table.write(tmp_path / "cat.csv", format="ascii.csv")
    pq.write_table(
        pa.table({name: np.asarray(table[name]) for name in table.colnames}), tmp_path / "cat.parquet"
    )
    keep = ["--keep", "objid", "--no-progress"]
    assert (
        main(["predict", str(star_model), str(tmp_path / "cat.csv"), "-o", str(tmp_path / "a.csv"), *keep])
        == 0
    )
    assert (
        main(
            [
                "predict",
                str(star_model),
                str(tmp_path / "cat.parquet"),
                "-o",
                str(tmp_path / "b.parquet"),
                *keep,
            ]
        )
        == 0
    )
    from_csv = Table.read(tmp_path / "a.csv", format="ascii.csv")
    from_parquet = pq.read_table(tmp_path / "b.parquet")
    assert from_parquet.column_names == [
        "source",
        "objid",
        "label",
        "p_STAR",
        "p_GALAXY",
        "p_QSO",
        "error",
        "warning",
    ]
    assert from_parquet.schema.field("objid").type == pa.int64()
    assert from_parquet.column("objid").to_pylist() == list(table["objid"])  # 16-digit ids exact
    assert from_parquet.column("label").to_pylist() == list(from_csv["label"])
    np.testing.assert_allclose(from_parquet.column("p_QSO").to_numpy(), from_csv["p_QSO"], rtol=1e-12)


def test_a_failed_file_first_leaves_kept_column_types_to_the_good_ones(star_model, tmp_path):
    bad = tmp_path / "a_bad.csv"
    bad.write_text("objid,u,g\n1,18,19\n")  # lacks r, i, z
    good = tmp_path / "b_good.parquet"
    table = _catalogue(5)
    pq.write_table(pa.table({name: np.asarray(table[name]) for name in table.colnames}), good)
    out = tmp_path / "out.parquet"
    assert (
        main(
            [
                "predict",
                str(star_model),
                str(bad),
                str(good),
                "-o",
                str(out),
                "--keep",
                "objid",
                "--no-progress",
            ]
        )
        == 3
    )
    result = pq.read_table(out)
    assert result.schema.field("objid").type == pa.int64()
    assert result.column("objid").to_pylist() == [None, *table["objid"]]
    assert "missing columns ['r', 'i', 'z']" in result.column("error")[0].as_py()
    whole = astrozoo.predict(str(star_model), [bad, good], keep_columns=["objid"])
    assert whole["objid"].dtype == np.int64 and whole["objid"].mask.tolist() == [True] + [False] * 5


def test_an_output_it_cannot_write_is_refused_before_the_run(star_model, tmp_path, capsys):
    table = _catalogue(3)
    table.write(tmp_path / "cat.csv", format="ascii.csv")
    assert (
        main(["predict", str(star_model), str(tmp_path / "cat.csv"), "-o", str(tmp_path / "out.xlsx")]) == 2
    )
    assert "expected a file name ending in .csv, .parquet" in capsys.readouterr().err
    (tmp_path / "folder.csv").mkdir()
    assert (
        main(["predict", str(star_model), str(tmp_path / "cat.csv"), "-o", str(tmp_path / "folder.csv")]) == 2
    )
    assert "is a folder" in capsys.readouterr().err
    assert not (tmp_path / "out.xlsx").exists() and not list((tmp_path / "folder.csv").iterdir())


def test_csv_on_standard_output_has_one_header_and_every_row(star_model, tmp_path, capsys):
    path = tmp_path / "cat.csv.gz"
    table = _catalogue(30)
    with gzip.open(path, "wt") as f:
        table.write(f, format="ascii.csv")
    assert main(["predict", str(star_model), str(path), "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "source,label,p_STAR,p_GALAXY,p_QSO,error,warning"
    assert len(lines) == 31 and lines[-1].startswith(f'"{path}:29"')
