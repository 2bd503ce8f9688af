"""Subgroup metrics equal the metrics of the subset; small and single-class groups are flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from core.evaluation.errors import EvaluationError
from core.evaluation.metrics import METRIC_NAMES, metrics_at_threshold
from core.evaluation.subgroups import MISSING, age_bands, subgroup_metrics
from tests.evaluation.synth import make_predictions


@pytest.fixture(scope="module")
def pred():
    return make_predictions(n_test=600, n_val=100, seed=4)


def test_each_row_equals_the_metrics_of_its_subset(pred):
    table = subgroup_metrics(pred, "site", 0.5).set_index("site")
    test = pred[pred["split"] == "test"]
    assert table["n"].sum() == len(test)
    for site, rows in test.groupby("meta_site"):
        y, s = rows["target"].to_numpy(), rows["prob_1"].to_numpy()
        m = metrics_at_threshold(y, s, 0.5)
        for k in METRIC_NAMES:
            assert table.loc[site, k] == pytest.approx(getattr(m, k)), (site, k)
        assert table.loc[site, "auc"] == pytest.approx(roc_auc_score(y, s))
        assert table.loc[site, "n_pos"] == y.sum()


def test_single_class_subgroup_gives_nan_with_reason_not_an_error(pred):
    df = pred.copy()
    test = df["split"] == "test"
    df["meta_scanner"] = "S1"
    benign_rows = df.index[test & (df["target"] == 0)][:8]
    df.loc[benign_rows, "meta_scanner"] = "S2"  # S2 holds only benign samples
    table = subgroup_metrics(df, "meta_scanner", 0.5).set_index("meta_scanner")
    s2 = table.loc["S2"]
    assert s2["n"] == 8 and s2["n_pos"] == 0 and bool(s2["small"])
    assert np.isnan(s2["auc"]) and np.isnan(s2["sensitivity"])
    assert "AUC undefined: no positive samples" in s2["reason"]
    assert "sensitivity: no positive samples" in s2["reason"]
    assert not np.isnan(s2["specificity"])
    assert not bool(table.loc["S1", "small"]) and table.loc["S1", "reason"] == ""


def test_missing_values_form_their_own_visible_row(pred):
    df = pred.copy()
    df.loc[df.index[-5:], "meta_site"] = None
    table = subgroup_metrics(df, "site", 0.5)
    assert MISSING in table["site"].tolist()
    assert table.loc[table["site"] == MISSING, "n"].item() == 5
    assert table["n"].sum() == (df["split"] == "test").sum()


def test_age_bands_then_subgroups(pred):
    df = pred.assign(meta_age_band=age_bands(pred["meta_age"], [0, 40, 65, np.inf]))
    table = subgroup_metrics(df, "age_band", 0.5)
    assert table["age_band"].tolist() == ["0-<40", "40-<65", ">=65"]
    test = df[df["split"] == "test"]
    assert table["n"].tolist() == [
        int((test.meta_age < 40).sum()), int(((test.meta_age >= 40) & (test.meta_age < 65)).sum()),
        int((test.meta_age >= 65).sum())]


def test_age_bands_edges_and_out_of_range():
    ages = pd.Series([20, 39.9, 40, None, 64])
    bands = age_bands(ages, [18, 40, 65])
    assert bands.astype(object).where(bands.notna(), None).tolist() == [
        "18-<40", "18-<40", "40-<65", None, "40-<65"]
    with pytest.raises(EvaluationError, match="1 ages fall outside"):
        age_bands(pd.Series([10, 30]), [18, 40])
    with pytest.raises(EvaluationError, match="strictly increasing"):
        age_bands(ages, [40, 18])


def test_unknown_column_lists_what_exists(pred):
    with pytest.raises(EvaluationError, match="meta_site"):
        subgroup_metrics(pred, "scanner", 0.5)
