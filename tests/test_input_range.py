"""Table rows that cannot be what a model was trained on: text cells and values far outside training."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.table import Table

import astrozoo
from astrozoo.errors import MissingColumnsError
from astrozoo.input_range import InputRangeWarning, training_spread
from astrozoo.io import numeric_cells, table_features


@pytest.fixture(scope="module")
def adapted_model():
    rows = np.random.default_rng(0).normal([19.0, 18.0, 17.0], 0.5, (300, 3)).astype("float32")
    return astrozoo.builders.mlp(
        ["u", "g", "r"], task="regression", target_names=["redshift"], adapt_data=rows
    )


def test_training_spread_comes_from_the_adapted_normalization(adapted_model):
    spread = training_spread(adapted_model)
    assert spread.columns == ("u", "g", "r")
    np.testing.assert_allclose(spread.mean, [19.0, 18.0, 17.0], atol=0.1)
    np.testing.assert_allclose(spread.std, [0.5, 0.5, 0.5], atol=0.05)
    unadapted = astrozoo.builders.mlp(["u", "g"], class_names=["a", "b"])
    assert training_spread(unadapted) is None  # nothing known: no warnings rather than wrong ones
    assert training_spread(astrozoo.builders.cnn(["a", "b"], filters=(4,))) is None


def test_an_ensemble_of_table_models_has_its_members_spread():
    spread = training_spread(astrozoo.load("photoz-mlp"))  # 5 networks averaged
    assert spread.columns == tuple("ugriz")
    assert 16.0 < spread.mean[2] < 18.0 and 0.3 < spread.std[2] < 2.0


def test_the_zoo_catalogues_themselves_raise_no_range_warning(data_dir):
    for name, path in (("sdss-mlp", "sdss_dr14/sdss_dr14.csv"), ("photoz-mlp", "photoz_mgs/SDSS_MGS.train")):
        table = astrozoo.predict(name, [data_dir / path])
        assert not any(table["warning"]), (name, [w for w in table["warning"] if w][:3])


def test_no_data_flags_are_predicted_but_warned_row_by_row(adapted_model, tmp_path):
    path = tmp_path / "skyserver.csv"
    Table({"u": [19.1, -9999.0, 19.0], "g": [18.0, 18.1, 1.2e4], "r": [17.0, 17.2, 16.9]}).write(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = astrozoo.predict(adapted_model, [path])
    assert not any(table["error"]) and not table["prediction"].mask.any()
    assert table["warning"][0] == ""
    assert "u = -9999 is" in table["warning"][1] and "no-data flag" in table["warning"][1]
    assert "g = 12000 is" in table["warning"][2] and "training mean 18" in table["warning"][2]
    summary = [w for w in caught if issubclass(w.category, InputRangeWarning)]
    assert len(summary) == 1 and "2 of 3 inputs" in str(summary[0].message)


def test_missing_value_sentinel_is_not_called_out_of_range():
    rows = np.random.default_rng(1).normal([15.0, 0.4], 0.3, (200, 2)).astype("float32")
    model = astrozoo.builders.mlp(
        ["I", "R21_1"], class_names=["a", "b"], missing_value=-99.99, adapt_data=rows
    )
    with pytest.warns(InputRangeWarning, match="1 of 2 inputs"):
        table = astrozoo.predict(model, Table({"I": [15.1, 15.0], "R21_1": [-99.99, -500.0]}))
    # -99.99 lies ~330 deviations (0.3) from R21_1's mean, like -500: only the sentinel is exempt
    assert table["warning"][0] == "" and "R21_1 = -500" in table["warning"][1]


def test_a_text_cell_fails_its_row_only(adapted_model, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("u,g,r\n19.1,18.0,17.0\n19.0,n/a,oops\n19.2,18.1,17.1\n")
    table = astrozoo.predict(adapted_model, [path])
    assert list(table["error"] == "") == [True, False, True]
    assert "row 1 holds text where numbers are expected (g = 'n/a', r = 'oops')" in table["error"][1]
    words = tmp_path / "words.csv"
    words.write_text("u,g,r\n19.1,18.0,faint\n19.0,18.0,bright\n")  # a text column, not a stray cell
    table = astrozoo.predict(adapted_model, [words])
    assert len(table) == 1 and "column 'r' holds text, not numbers" in table["error"][0]


def test_an_empty_text_column_reads_as_no_rows():
    values, unreadable = numeric_cells(Table({"u": np.array([], dtype=str)}), ["u"])
    assert values.shape == unreadable.shape == (0, 1)


def test_training_tables_refuse_a_text_cell_naming_where_it_is():
    table = Table({"u": ["19.1", "19.0", "x"], "g": [18.0, 18.1, 18.2]})
    with pytest.raises(astrozoo.InputError, match=r"'cat.csv': row 2, column 'u' holds 'x', not a number"):
        table_features(table, ["u", "g"], "cat.csv")


def test_training_tables_name_a_column_found_in_another_case_without_the_predict_remedy():
    """Training reads columns by name with no --columns, so the hint is to rename them."""
    table = Table({"U": [19.1], "g": [18.0]})
    with pytest.raises(MissingColumnsError) as caught:
        table_features(table, ["u", "g"], "cat.csv")
    assert caught.value.missing == ["u"] and caught.value.other_case == {"u": "U"}
    assert "case-sensitive" in str(caught.value) and "rename 'U'" in str(caught.value)
    assert "--columns" not in str(caught.value)
