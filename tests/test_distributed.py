"""astrozoo.distributed on a real two-process LocalCluster: the serial run's rows, bad inputs included."""

from __future__ import annotations

import sys

import numpy as np
import pytest

NEEDS_DASK = 'astrozoo.distributed needs the dask extra: pip install "astrozoo[dask]"'
dd = pytest.importorskip("dask.dataframe", reason=NEEDS_DASK)
pytest.importorskip("distributed", reason=NEEDS_DASK)

import pandas as pd  # noqa: E402
from astropy.table import Table  # noqa: E402

import astrozoo  # noqa: E402
from astrozoo import cli  # noqa: E402
from astrozoo.distributed import (  # noqa: E402
    connect,
    predict_catalog,
    predict_dataframe,
    predict_files,
    predict_on_cluster,
)
from astrozoo.distributed.partitions import Prediction, predict_frame  # noqa: E402
from astrozoo.errors import InputError  # noqa: E402

PROBABILITIES = ["p_STAR", "p_GALAXY", "p_QSO"]
# The last bit of a forward pass depends on how rows are batched (two serial runs with different
# batch sizes differ as much), so probabilities are compared to float32 precision, the rest exactly.
FLOAT32_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def client():
    with connect(workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def sdss_rows(tmp_path_factory):
    """400 real SDSS rows with a row number to keep, a text cell (row 5) and an empty cell (row 9)."""
    from conftest import DATA_DIR

    path = DATA_DIR / "sdss_dr14" / "sdss_dr14.csv"
    if not path.is_file():
        pytest.skip(f"real data not found at {path} (set ASTROZOO_DATA to its folder)")
    frame = pd.read_csv(path, nrows=400)[["ra", "dec", "u", "g", "r", "i", "z"]]
    frame.insert(0, "row", np.arange(len(frame), dtype=np.int64))
    frame["g"] = frame["g"].astype(object)
    frame.loc[5, "g"] = "n/a"
    frame.loc[9, "r"] = np.nan
    return frame


def _serial(frame: pd.DataFrame, keep=("row",)) -> pd.DataFrame:
    table = astrozoo.predict("sdss-mlp", Table.from_pandas(frame), keep_columns=list(keep))
    return table.to_pandas()


def _assert_same_rows(distributed: pd.DataFrame, serial: pd.DataFrame) -> None:
    assert len(distributed) == len(serial)
    for name in ["label", "warning"]:
        assert list(distributed[name]) == list(serial[name].fillna(""))
    for name in PROBABILITIES:
        np.testing.assert_allclose(distributed[name], serial[name], atol=FLOAT32_TOLERANCE, rtol=0)
        assert (np.isnan(distributed[name]) == serial["error"].astype(bool)).all()


def test_predict_dataframe_gives_the_serial_rows_with_bad_rows_named_by_index(client, sdss_rows):
    lazy = predict_dataframe("sdss-mlp", dd.from_pandas(sdss_rows, npartitions=4), keep_columns=["row"])
    assert list(lazy.columns) == ["source", "row", "label", *PROBABILITIES, "error", "warning"]
    result = client.compute(lazy).result()
    serial = _serial(sdss_rows)
    assert result.dtypes.to_dict() == lazy.dtypes.to_dict()
    assert list(result["row"]) == list(range(400)) and list(result["source"]) == [str(i) for i in range(400)]
    _assert_same_rows(result, serial)
    assert list(result["error"]) == [text.replace("table: row", "row") for text in serial["error"]]
    assert result.loc[5, "error"] == "row 5 holds text where numbers are expected (g = 'n/a')."
    assert result.loc[9, "error"] == "row 9 has no value in columns ['r']."
    threads = client.run(_tensorflow_threads)
    assert set(threads.values()) == {1}  # one thread per worker, as LocalCluster gives each


def _tensorflow_threads() -> int:
    import tensorflow as tf

    return tf.config.threading.get_intra_op_parallelism_threads()


def test_predict_catalog_predicts_each_object_once_and_keeps_the_sky_position(client, sdss_rows):
    lsdb = pytest.importorskip("lsdb", reason="lsdb needs Python 3.11 or later")
    numeric = sdss_rows.assign(g=pd.to_numeric(sdss_rows["g"], errors="coerce"))  # a catalogue is typed
    catalog = lsdb.from_dataframe(numeric, ra_column="ra", dec_column="dec", partition_rows=100,
                                  margin_threshold=300.0)  # fmt: skip
    assert catalog.npartitions > 1 and len(catalog.margin.compute()) > 0  # objects a second time
    predicted = predict_catalog("sdss-mlp", catalog, keep_columns=["row"])
    assert predicted.margin is None
    expected = ["source", "ra", "dec", "row", "label", *PROBABILITIES, "error", "warning"]
    assert list(predicted.columns) == expected
    result = client.compute(predicted.to_dask_dataframe()).result().sort_values("row")
    serial = _serial(numeric, keep=("row", "ra", "dec"))
    assert list(result["row"]) == list(range(400))  # every object once, none from the margin
    _assert_same_rows(result.reset_index(drop=True), serial)
    np.testing.assert_array_equal(result["ra"], numeric["ra"])
    assert result["error"].astype(bool).sum() == 2


def test_predict_files_gives_one_row_per_file_in_order_with_an_error_row(client, data_dir, tmp_path):
    real = sorted((data_dir / "mirabest" / "fits").glob("*.fits.fz"))[:9]
    bad = tmp_path / "broken.fits"
    bad.write_text("not a FITS file")
    paths = [*real[:4], bad, *real[4:]]
    lazy = predict_files("radio-cnn", paths, partition_size=3)
    assert lazy.npartitions == 4
    result = client.compute(lazy).result()
    serial = astrozoo.predict("radio-cnn", paths).to_pandas()
    assert list(result["source"]) == [str(p) for p in paths]
    assert list(result["label"]) == list(serial["label"].fillna(""))
    assert list(result["error"]) == list(serial["error"]) and result.loc[4, "error"]
    for name in ["p_FRI", "p_FRII"]:
        np.testing.assert_allclose(result[name], serial[name], atol=FLOAT32_TOLERANCE, rtol=0)


@pytest.mark.slow
def test_cli_workers_writes_the_serial_table(data_dir, tmp_path, sdss_rows):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    sdss_rows.iloc[:150].to_csv(first, index=False)
    sdss_rows.iloc[150:].to_csv(second, index=False)
    serial, parallel = tmp_path / "serial.csv", tmp_path / "parallel.csv"
    common = ["predict", "sdss-mlp", str(first), str(second), "--keep", "row", "--no-progress"]
    assert cli.main([*common, "-o", str(serial)]) == cli.EXIT_SOME_FAILED
    assert cli.main([*common, "-o", str(parallel), "--workers", "2"]) == cli.EXIT_SOME_FAILED
    expected, found = pd.read_csv(serial, keep_default_na=False), pd.read_csv(parallel, keep_default_na=False)
    assert list(found.columns) == list(expected.columns)
    for name in ["source", "row", "label", "error", "warning"]:
        assert list(found[name]) == list(expected[name])
    for name in PROBABILITIES:
        numbers = [pd.to_numeric(frame[name].replace("", np.nan)) for frame in (found, expected)]
        np.testing.assert_allclose(*numbers, atol=FLOAT32_TOLERANCE, rtol=0)


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path, capsys):
    table = tmp_path / "rows.csv"
    table.write_text("u,g,r,i,z\n19.5,17.0,16.0,15.5,15.2\n")
    code = cli.main(["predict", "sdss-mlp", str(table), "--scheduler", "tcp://127.0.0.1:1", "--no-progress"])
    assert code == cli.EXIT_USAGE
    assert "No Dask scheduler answered at 'tcp://127.0.0.1:1'" in capsys.readouterr().err


def test_a_loaded_model_is_refused_and_columns_are_checked_on_the_client():
    rows = dd.from_pandas(pd.DataFrame({"u": [19.5], "g": [17.0]}), npartitions=1)
    model = astrozoo.builders.mlp(["u", "g"], class_names=["STAR", "QSO"])
    with pytest.raises(InputError, match="never a loaded model"):
        predict_dataframe(model, rows)
    with pytest.raises(InputError, match=r"no column \['r', 'i', 'z'\]"):
        predict_dataframe("sdss-mlp", rows)
    with pytest.raises(InputError, match="reads tables"):
        predict_files("sdss-mlp", ["rows.csv"])


def test_predict_catalog_needs_lsdb_and_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "lsdb", None)
    with pytest.raises(astrozoo.AstrozooError, match=r'pip install "astrozoo\[dask\]"'):
        predict_catalog("sdss-mlp", object())


class _FailingOnSentinel(Prediction):
    """Fails a whole call when any of its rows holds 999, as a row astropy cannot convert would."""

    def run(self, inputs):
        if any((np.asarray(inputs[name]) == 999).any() for name in inputs.colnames):
            raise ValueError("cannot convert this row")
        return super().run(inputs)


def test_a_row_that_fails_its_whole_partition_becomes_an_error_row_alone(sdss_rows):
    from astrozoo.distributed.schema import output_meta

    frame = sdss_rows.iloc[10:16].assign(g=lambda f: f["g"].astype(float)).set_index(np.arange(100, 106))
    frame.loc[103, "u"] = 999
    prediction = _FailingOnSentinel("sdss-mlp", keep_columns=("row",))
    meta = output_meta(astrozoo.resolve_spec("sdss-mlp"), frame[["row"]].iloc[:0], frame.index)
    result = predict_frame(frame, prediction, ["u", "g", "r", "i", "z"], meta)
    assert list(result.index) == list(range(100, 106)) and result.dtypes.to_dict() == meta.dtypes.to_dict()
    assert list(result["row"]) == list(frame["row"])
    assert result.loc[103, "error"] == "row 103: ValueError: cannot convert this row"
    assert np.isnan(result.loc[103, "p_STAR"]) and result.loc[103, "label"] == ""
    good = result.drop(index=103)
    assert (good["error"] == "").all() and not good[PROBABILITIES].isna().any().any()


def test_embed_on_the_cluster_gives_the_serial_vectors(client, data_dir, tmp_path):
    real = sorted((data_dir / "mirabest" / "fits").glob("*.fits.fz"))[:5]
    bad = tmp_path / "broken.fits"
    bad.write_text("not a FITS file")
    paths = [*real[:2], bad, *real[2:]]
    distributed = predict_on_cluster(client, "radio-cnn", paths, embedding=True)
    serial = astrozoo.embed("radio-cnn", paths)
    assert distributed.colnames == serial.colnames
    assert list(distributed["source"]) == [str(p) for p in paths]
    assert list(distributed["error"]) == list(serial["error"]) and distributed["error"][2]
    good = [0, 1, 3, 4, 5]
    np.testing.assert_allclose(
        np.asarray(distributed["embedding"])[good], np.asarray(serial["embedding"])[good], atol=1e-5, rtol=0
    )
