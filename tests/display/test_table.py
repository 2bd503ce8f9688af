from __future__ import annotations

import numpy as np

from core.evaluation.display import Estimate, metrics_table, metrics_table_numeric

ROWS = [
    {"run": "<script>alert(1)</script>", "sensitivity": (0.9, (0.85, 0.95)), "custom": 1.5,
     "auc": Estimate(0.91234, (0.88, 0.94)), "n": 120, "precision": float("nan")},
    {"run": "B", "auc": 0.8, "sensitivity": 0.7, "n": 80, "npv": 0.66},
]


def test_display_table_formats_values_with_intervals_in_a_stable_order():
    df = metrics_table(ROWS)
    assert list(df.columns) == ["run", "n", "auc", "sensitivity", "precision", "npv", "custom"]
    first = df.iloc[0]
    assert first["auc"] == "0.912 (0.880\u20130.940)"
    assert first["sensitivity"] == "0.900 (0.850\u20130.950)"
    assert first["n"] == "120"
    assert first["precision"] == "n/a"  # reported but undefined
    assert first["npv"] == "\u2014"  # not reported for this run
    assert df.iloc[1]["auc"] == "0.800"
    # Order does not depend on the order keys were given in.
    assert list(metrics_table(ROWS[::-1]).columns) == list(df.columns)


def test_run_names_stay_raw_in_the_frame():
    assert metrics_table(ROWS).iloc[0]["run"] == "<script>alert(1)</script>"


def test_explicit_columns_fix_the_selection():
    df = metrics_table(ROWS, columns=["sensitivity", "auc"], digits=2)
    assert list(df.columns) == ["run", "sensitivity", "auc"]
    assert df.iloc[0]["auc"] == "0.91 (0.88\u20130.94)"


def test_numeric_twin_splits_intervals_into_their_own_columns():
    df = metrics_table_numeric(ROWS)
    assert list(df.columns) == ["run", "n", "auc", "auc_ci_low", "auc_ci_high", "sensitivity",
                                "sensitivity_ci_low", "sensitivity_ci_high", "precision", "npv",
                                "custom"]
    assert df.loc[0, "auc"] == 0.91234 and df.loc[0, "auc_ci_high"] == 0.94
    assert np.isnan(df.loc[1, "auc_ci_low"])
    assert df.loc[1, "npv"] == 0.66 and np.isnan(df.loc[0, "npv"])
    assert df["n"].tolist() == [120, 80]
    assert df.to_csv(index=False).splitlines()[0].startswith("run,n,auc,auc_ci_low")
