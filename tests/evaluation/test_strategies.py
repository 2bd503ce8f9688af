"""Weighting effects: the overfit verdict of the study table and the strategy-effect rows.

Hand-worked verdicts: the last epoch decides; a training accuracy more than 0.05 above the
validation accuracy is overfitting.
The effect rows must hold exactly what :meth:`RunEvaluation.at` and :meth:`RunEvaluation.compare`
say, with the class names in the per-class labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluation import RunEvaluation
from core.evaluation.strategies import REFERENCE, effect_rows, overfit_verdict
from tests.evaluation.synth import make_predictions


@pytest.mark.parametrize("accuracy, val_accuracy, expected", [
    ([0.70, 0.97], [0.75, 0.85], "Yes (train 0.97 / val 0.85)"),
    ([0.99, 0.90], [0.50, 0.86], "No (train 0.90 / val 0.86)"),  # the last epoch counts
    ([0.80], [0.74], "Yes (train 0.80 / val 0.74)"),
    ([0.80], [0.90], "No (train 0.80 / val 0.90)"),
])
def test_overfit_is_a_last_epoch_gap_above_five_points(accuracy, val_accuracy, expected):
    history = pd.DataFrame({"accuracy": accuracy, "val_accuracy": val_accuracy,
                            "loss": np.ones(len(accuracy))})
    assert overfit_verdict(history) == expected


def test_a_history_without_both_accuracies_says_so():
    assert overfit_verdict(pd.DataFrame()) == "n/a (no accuracy history)"
    assert overfit_verdict(pd.DataFrame({"accuracy": [0.9], "loss": [0.1]})) == \
        "n/a (no accuracy history)"


@pytest.fixture(scope="module")
def strategies():
    pred = make_predictions(n_test=200, n_val=50, seed=7)
    shifted = pred.assign(prob_1=pred["prob_1"] ** 0.5)
    return {REFERENCE: RunEvaluation.from_predictions(pred, n_boot=50),
            "class_weight": RunEvaluation.from_predictions(
                shifted.assign(prob_0=1 - shifted["prob_1"]), n_boot=50)}


def test_effect_rows_hold_the_cores_estimates_and_paired_differences(strategies):
    thresholds = {REFERENCE: 0.5, "class_weight": 0.6}
    table = effect_rows(strategies, thresholds, ("benign", "malignant")).set_index(
        ["strategy", "metric"])
    labels = ["precision · benign", "precision · malignant", "sensitivity (recall) · malignant",
              "specificity (recall · benign)", "accuracy", "AUC"]
    assert table.loc["class_weight"].index.tolist() == labels
    op = strategies["class_weight"].at(0.6)
    comp = strategies["class_weight"].compare(strategies[REFERENCE], 0.6, 0.5)
    for label, key in zip(labels, ["npv", "precision", "sensitivity", "specificity",
                                   "accuracy"]):
        row = table.loc[("class_weight", label)]
        assert row["value"] == pytest.approx(getattr(op.metrics, key))
        assert row["difference_vs_none"] == pytest.approx(comp.bootstrap.estimates[key])
        assert (row["difference_ci_low"], row["difference_ci_high"]) == \
            pytest.approx(tuple(comp.bootstrap[key]))
        assert np.isnan(row["p_value"]) and row["threshold"] == 0.6
    auc = table.loc[("class_weight", "AUC")]
    assert auc["difference_vs_none"] == pytest.approx(comp.delong.difference)
    assert auc["p_value"] == pytest.approx(comp.delong.p_value)
    reference = table.loc[REFERENCE]
    assert reference["difference_vs_none"].isna().all() and reference["p_value"].isna().all()
