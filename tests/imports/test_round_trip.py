"""A trained run's own predictions, exported as CSV and imported again, give the same numbers
on every panel: the same AUC with its CI, the same validation-chosen threshold, the same
metrics table (every metric with its bootstrap CI), computed by the functions the pages use.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core.evaluation import RunEvaluation
from core.imports import import_predictions
from core.imports.table import import_format
from core.store import ResultsStore
from dashboard.compare.tables import metric_rows, numeric_table


@pytest.fixture(scope="module")
def round_trip(trained_store, tmp_path_factory):
    trained = trained_store.get(trained_store.list_runs()["run_id"].iloc[0])
    folder = tmp_path_factory.mktemp("round_trip")
    path = folder / "exported.csv"
    import_format(trained.predictions(), trained.class_names).to_csv(path, index=False)
    imported = import_predictions(path, trained.identity["dataset"], "exported_again",
                                  store=ResultsStore(folder / "store")).run
    return trained, imported


def test_stored_predictions_are_identical(round_trip):
    trained, imported = round_trip
    columns = ["sample_id", "group", "split", "target", "label", "prob_0", "prob_1"]
    pd.testing.assert_frame_equal(trained.predictions()[columns], imported.predictions()[columns])
    assert imported.record["summary"] == trained.record["summary"]
    assert imported.record["data"]["counts"] == trained.record["data"]["counts"]
    for key in ("class_names", "positive_index", "task", "synthetic_data"):
        assert imported.record[key] == trained.record[key]


@pytest.mark.parametrize("method", ["youden", "sensitivity"])
def test_auc_threshold_and_metrics_table_are_identical(round_trip, method):
    evals = {name: RunEvaluation.from_predictions(run.predictions(), run.record["positive_index"])
             for name, run in zip(("trained", "imported"), round_trip)}
    target = 0.9 if method == "sensitivity" else None
    choices = {name: ev.choose_threshold(method, target) for name, ev in evals.items()}
    assert choices["trained"].threshold == choices["imported"].threshold
    ops = {name: ev.at(choices[name].threshold) for name, ev in evals.items()}
    assert evals["trained"].auc == evals["imported"].auc  # AUC and its DeLong CI
    tables = {name: numeric_table(metric_rows({"run": evals[name]}, {"run": ops[name]}))
              for name in evals}
    assert len(tables["trained"].columns) > 20  # every metric, each with its CI bounds
    pd.testing.assert_frame_equal(tables["trained"], tables["imported"])
