"""`astrozoo demo` runs every zoo model, on synthetic examples or on real test-split examples."""

from __future__ import annotations

import numpy as np

import astrozoo
from astrozoo.cli import main
from astrozoo.demo import demo


def test_demo_on_synthetic_examples_labels_them_synthetic(tmp_path, monkeypatch):
    monkeypatch.delenv("ASTROZOO_DATA", raising=False)
    table = demo(tmp_path / "gallery.png", per_model=2)
    assert set(table["model"]) == set(astrozoo.list_models())
    assert set(table["data"]) == {"synthetic"}
    assert not any(table["error"]) and all(table["label"])
    assert (tmp_path / "gallery.png").stat().st_size > 10_000
    folded = table[table["model"] == "rrlyrae-gru"]  # the synthetic stars' generating periods, found
    assert sorted(np.round(folded["period"], 2)) == [0.32, 0.58]


def test_demo_on_real_data_shows_the_truth(tmp_path, data_dir, capsys):
    code = main(["demo", "-o", str(tmp_path / "real.png"), "--data", str(data_dir), "--per-model", "3"])
    assert code == 0
    out = capsys.readouterr().out
    assert "test split" in out and (tmp_path / "real.png").exists()
    table = demo(tmp_path / "again.png", data_dir=data_dir, per_model=3)
    classified = table[table["truth"] != ""]
    assert len(classified) == len(table)
    assert np.mean(classified["truth"] == classified["label"]) >= 0.5  # shown, not a score: see the cards
