"""astrozoo.embed, similar and anomaly_scores, and `astrozoo embed`: vectors, neighbours, anomalies."""

from __future__ import annotations

import csv

import numpy as np
import pyarrow.parquet as pq
import pytest
from astropy.io import fits
from astropy.table import Table
from conftest import TINY_CONFIGS, example_input

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.builders.registry import rebuilt
from astrozoo.cli import EXIT_USAGE, main
from astrozoo.embedding import encoder, neighbours
from astrozoo.errors import InputError

# Each kind's vector length: the head's input width of the tiny configs.
WIDTHS = {
    "mlp-classifier": 8,
    "mlp-regressor": 8,
    "cnn": 8,
    "resnet_transfer-compact": 16,
    "recurrent-gru": 8,
    "recurrent-lstm-bidirectional": 16,
    "ensemble-of-cnn": 16,
}


@pytest.mark.parametrize("name", sorted(WIDTHS))
def test_embed_gives_one_vector_a_row_of_the_head_input_width(name):
    builder, arguments, shape = TINY_CONFIGS[name]
    model = build_from_config(builder, arguments)
    x = example_input(shape)
    table = astrozoo.embed(model, x)
    assert table.colnames[:2] == ["source", "embedding"] and "label" not in table.colnames
    assert table["embedding"].shape == (shape[0], WIDTHS[name])
    assert table["embedding"].dtype == np.float32
    assert not any(table["error"])
    np.testing.assert_allclose(table["embedding"], encoder(model).predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_the_vector_changes_with_the_input_but_not_with_the_batch():
    model = build_from_config(*TINY_CONFIGS["resnet_transfer-compact"][:2])
    x = example_input((6, 20, 20, 3))
    whole = astrozoo.embed(model, x)["embedding"]
    in_pairs = astrozoo.embed(model, x, batch_size=2)["embedding"]
    np.testing.assert_allclose(whole, in_pairs, rtol=1e-5, atol=1e-6)
    assert not np.allclose(whole[0], whole[1])


def test_tta_vector_is_the_mean_of_the_eight_views_features():
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])  # tta=True
    plain = encoder(rebuilt(model, tta=False))
    x = example_input((3, 24, 24, 1))
    views = [np.flip(v, axis=a) if a else v for v in (x, x.transpose(0, 2, 1, 3)) for a in (0, 1, 2, (1, 2))]
    expected = np.mean([plain.predict(view, verbose=0) for view in views], axis=0)
    vectors = astrozoo.embed(model, x)["embedding"]
    np.testing.assert_allclose(vectors, expected, rtol=1e-4, atol=1e-5)
    assert not np.allclose(vectors, plain.predict(x, verbose=0), atol=1e-4)  # the views do count


def test_bad_table_rows_get_an_error_and_an_empty_vector():
    model = build_from_config(*TINY_CONFIGS["mlp-classifier"][:2])
    rows = Table({"u": [18.0, np.nan, 19.0], "g": [17.0, 17.5, 18.0], "r": [16.5, 17.0, 17.2]})
    table = astrozoo.embed(model, rows)
    assert [bool(e) for e in table["error"]] == [False, True, False]
    assert np.ma.getmaskarray(table["embedding"]).tolist() == [[False] * 8, [True] * 8, [False] * 8]


def test_bad_image_files_get_an_error_row_and_the_others_their_vectors(tmp_path):
    model = build_from_config(*TINY_CONFIGS["cnn"][:2])
    good = tmp_path / "good.fits"
    fits.PrimaryHDU(np.random.default_rng(0).random((24, 24)).astype("f4")).writeto(good)
    bad = tmp_path / "broken.fits"
    bad.write_bytes(b"not a FITS file")
    table = astrozoo.embed(model, [good, bad])
    assert table["source"].tolist() == [str(good), str(bad)]
    assert not table["error"][0] and table["error"][1]
    mask = np.ma.getmaskarray(table["embedding"])
    assert not mask[0].any() and mask[1].all()
    assert np.isfinite(np.ma.filled(table["embedding"][0], np.nan)).all()


def test_similar_returns_the_query_first_and_matches_brute_force(monkeypatch):
    monkeypatch.setattr(neighbours, "BLOCK_ROWS", 64)  # several blocks
    vectors = np.random.default_rng(1).normal(size=(1000, 8)).astype(np.float32)
    found = astrozoo.similar(vectors, 123, k=7)
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    brute = 1 - units @ units[123]
    assert found["index"][0] == 123 and found["distance"][0] == pytest.approx(0, abs=1e-6)
    assert found["index"].tolist() == np.argsort(brute)[:7].tolist()
    np.testing.assert_allclose(found["distance"], np.sort(brute)[:7], atol=1e-5)


def test_similar_takes_a_source_or_a_vector_and_skips_failed_rows():
    table = Table()
    table["source"] = ["a", "b", "c", "d"]
    table["embedding"] = np.ma.MaskedArray(
        [[1.0, 0.0], [0.9, 0.1], [1.0, 0.01], [0.0, 1.0]], mask=[[0, 0], [0, 0], [1, 1], [0, 0]]
    )
    by_source = astrozoo.similar(table, "a", k=10)
    assert by_source["source"].tolist() == ["a", "b", "d"]  # c failed: never a neighbour
    by_vector = astrozoo.similar(table, np.array([0.0, 2.0]), k=1)
    assert by_vector["source"].tolist() == ["d"]
    with pytest.raises(InputError, match="source 'zz'"):
        astrozoo.similar(table, "zz")
    with pytest.raises(InputError, match="not a failed input"):
        astrozoo.similar(table, 2)
    with pytest.raises(InputError, match="2 finite numbers"):
        astrozoo.similar(table, np.zeros(3))


def test_anomaly_scores_rank_the_outlier_first_and_match_brute_force(monkeypatch):
    monkeypatch.setattr(neighbours, "BLOCK_CELLS", 500)  # blocks of a few rows
    rng = np.random.default_rng(2)
    vectors = rng.normal([5.0, 5.0, 5.0, 5.0], 0.3, size=(200, 4))
    vectors[77] = [5.0, -5.0, 5.0, -5.0]
    scores = astrozoo.anomaly_scores(vectors, k=3)
    assert int(np.argmax(scores)) == 77
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    distances = 1 - units @ units.T
    np.fill_diagonal(distances, np.inf)
    np.testing.assert_allclose(scores, np.sort(distances, axis=1)[:, 2], atol=1e-5)


def test_anomaly_scores_are_nan_for_failed_rows_and_refuse_a_k_too_large():
    vectors = np.ma.MaskedArray(np.eye(4), mask=[[0] * 4, [1] * 4, [0] * 4, [0] * 4])
    scores = astrozoo.anomaly_scores(vectors, k=1)
    assert np.isnan(scores[1]) and np.isfinite(scores[[0, 2, 3]]).all()
    with pytest.raises(InputError, match="k must be between 1 and"):
        astrozoo.anomaly_scores(vectors, k=3)


@pytest.fixture(scope="module")
def radio_folder(tmp_path_factory):
    """A tiny image model saved as a folder, and a folder of five FITS images."""
    model = astrozoo.save(
        build_from_config(*TINY_CONFIGS["cnn"][:2]), tmp_path_factory.mktemp("models") / "tiny-radio"
    )
    images = tmp_path_factory.mktemp("images")
    for i in range(5):
        fits.PrimaryHDU(np.random.default_rng(i).random((24, 24)).astype("f4") * (1 + 10 * (i == 3))).writeto(
            images / f"image{i}.fits"
        )
    return model, images


def test_cli_writes_a_parquet_vector_column_and_a_gallery(radio_folder, tmp_path):
    model, images = radio_folder
    out, gallery = tmp_path / "vectors.parquet", tmp_path / "anomalies.png"
    code = main(["embed", str(model), str(images), "-o", str(out), "--no-progress", "--gallery", str(gallery),
                 "--neighbour", "2"])  # fmt: skip
    assert code == 0
    table = pq.read_table(out)
    assert table.schema.field("embedding").type.list_size == 8
    vectors = np.array(table.column("embedding").to_pylist())
    np.testing.assert_allclose(vectors, astrozoo.embed(str(model), images)["embedding"], rtol=1e-5, atol=1e-6)
    assert gallery.read_bytes()[:4] == b"\x89PNG"


def test_cli_spreads_the_vector_into_e_columns_in_csv(radio_folder, tmp_path):
    model, images = radio_folder
    out = tmp_path / "vectors.csv"
    assert main(["embed", str(model), str(images), "-o", str(out), "--no-progress"]) == 0
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["source", *(f"e_{i}" for i in range(8)), "error", "warning"]
    assert len(rows) == 5


def test_cli_refuses_a_gallery_of_table_rows(tmp_path, capsys):
    model = astrozoo.save(build_from_config(*TINY_CONFIGS["mlp-classifier"][:2]), tmp_path / "tiny-mlp")
    catalogue = tmp_path / "rows.csv"
    catalogue.write_text("u,g,r\n18,17,16\n19,18,17\n")
    assert main(["embed", str(model), str(catalogue), "--gallery", str(tmp_path / "g.png")]) == EXIT_USAGE
    assert "reads table rows" in capsys.readouterr().err


@pytest.mark.data
def test_galaxy_resnet_vectors_carry_morphology_in_a_five_neighbour_vote(data_dir):
    """Fitted on gz2_spirals' training images, scored on its test galaxies (BENCHMARKS.md)."""
    from astrozoo.datasets import gz2_spirals

    splits = gz2_spirals.load_splits(data_dir)
    train, test = splits["train"], splits["test"]
    train_vectors = astrozoo.embed("galaxy-resnet", list(train.x))
    test_vectors = astrozoo.embed("galaxy-resnet", list(test.x))["embedding"]
    votes = [
        np.bincount(train.y[astrozoo.similar(train_vectors, v, k=5)["index"]], minlength=2).argmax()
        for v in test_vectors
    ]
    assert np.mean(np.asarray(votes) == test.y) >= 0.80
