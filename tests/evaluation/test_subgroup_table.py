"""The Subgroups panel's numbers: quartile bands for many-valued numeric metadata, the columns
every run shares, one table over several runs at their own thresholds.

Hand-worked bands: test ages 1..16 have quartiles 1, 4.75, 8.5, 12.25, 16, so the bands are
"≤ 4.75", "> 4.75 and ≤ 8.5", "> 8.5 and ≤ 12.25", "> 12.25" (the intervals (min, 4.75], ...,
(12.25, max] in words); the outer bands are open, so a validation age of 100 still lands in the
last one.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core.evaluation import (RunEvaluation, binned_column, metadata_columns, subgroup_metrics,
                             subgroup_table)
from core.evaluation.subgroups import MAX_LEVELS
from tests.evaluation.synth import make_predictions


def _ages(test_ages, val_ages) -> pd.DataFrame:
    return pd.DataFrame({"split": ["test"] * len(test_ages) + ["val"] * len(val_ages),
                         "meta_age": list(test_ages) + list(val_ages)})


def test_many_numeric_values_become_ordered_quartile_bands_of_the_test_split():
    frame = _ages(range(1, 17), [100, 101])
    binned, column = binned_column(frame, "age")
    assert column == "age_band"
    bands = binned["meta_age_band"]
    assert list(bands.cat.categories) == ["\u2264 4.75", "> 4.75 and \u2264 8.5",
                                          "> 8.5 and \u2264 12.25", "> 12.25"]
    assert bands.cat.ordered
    assert bands.tolist()[:6] == ["\u2264 4.75"] * 4 + ["> 4.75 and \u2264 8.5"] * 2
    assert bands.tolist()[-2:] == ["> 12.25"] * 2
    assert binned["meta_age"].tolist() == frame["meta_age"].tolist()  # the column itself kept


def test_few_values_text_and_collapsed_quartiles_are_left_as_they_are():
    few = _ages(list(range(MAX_LEVELS)) * 2, [])
    assert binned_column(few, "age") == (few, "age")
    text = pd.DataFrame({"split": ["test"] * 20, "meta_age": [f"a{i}" for i in range(20)]})
    assert binned_column(text, "age") == (text, "age")
    collapsed = _ages([5.0] * 10, range(20))  # 21 values, but one test quartile
    assert binned_column(collapsed, "age") == (collapsed, "age")


@pytest.fixture(scope="module")
def evals():
    a = make_predictions(n_test=120, n_val=40, seed=1)
    b = make_predictions(n_test=120, n_val=40, seed=2).drop(columns="meta_age")
    return {"run a": RunEvaluation.from_predictions(a, n_boot=10),
            "run b": RunEvaluation.from_predictions(b, n_boot=10)}


def test_only_the_columns_every_run_has_are_offered(evals):
    assert metadata_columns(evals) == ["site"]
    assert metadata_columns({"run a": evals["run a"]}) == ["age", "site"]
    assert metadata_columns({}) == []


def test_one_table_over_runs_each_at_its_threshold(evals):
    table = subgroup_table(evals, {"run a": 0.3, "run b": 0.7}, "site")
    for name, t in (("run a", 0.3), ("run b", 0.7)):
        rows = table[table["run"] == name].drop(columns="run").reset_index(drop=True)
        expected = subgroup_metrics(evals[name].predictions, "site", t)
        pd.testing.assert_frame_equal(rows[expected.columns], expected, check_dtype=False)


def test_a_run_that_cannot_be_broken_down_says_why_and_the_others_stay(evals):
    table = subgroup_table(evals, {"run a": 0.5, "run b": 0.5}, "age")
    a = table[table["run"] == "run a"]
    assert len(a) == 4 and a["age"].astype(str).str.contains("\u2264|>").all()
    assert a["n"].sum() == 120
    b = table[table["run"] == "run b"]
    assert len(b) == 1 and "no metadata column 'age'" in b["reason"].iloc[0]
