"""The AUC-difference matrix drawn under the p-values: row minus column, in p-value order.

Hand-worked comparison of three runs: A - B = +0.10, A - C cannot be paired (NaN), B - C =
-0.05. Then the matrix is [[nan, 0.10, nan], [-0.10, nan, -0.05], [nan, 0.05, nan]].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.evaluation import RunEvaluation, auc_difference_matrix, compare_runs, pvalue_matrix
from tests.evaluation.synth import make_predictions


def test_hand_worked_matrix_is_antisymmetric_with_unpaired_pairs_left_empty():
    table = pd.DataFrame({"run_a": ["A", "A", "B"], "run_b": ["B", "C", "C"],
                          "auc_difference": [0.10, np.nan, -0.05],
                          "p_value": [0.01, np.nan, 0.5]})
    diff = auc_difference_matrix(table)
    nan = np.nan
    np.testing.assert_allclose(diff.to_numpy(), [[nan, 0.10, nan], [-0.10, nan, -0.05],
                                                 [nan, 0.05, nan]])
    p = pvalue_matrix(table)
    assert list(diff.index) == list(diff.columns) == list(p.index) == ["A", "B", "C"]
    np.testing.assert_allclose(p.to_numpy(), [[nan, 0.01, nan], [0.01, nan, 0.5],
                                              [nan, 0.5, nan]])


def test_on_real_evaluations_each_cell_is_the_row_runs_auc_minus_the_column_runs():
    pred = make_predictions(n_test=150, n_val=0, seed=3)
    noise = np.random.default_rng(0).random(len(pred))
    noisier = pred.assign(prob_1=0.5 * pred["prob_1"] + 0.5 * noise)
    evals = {"x": RunEvaluation.from_predictions(pred, n_boot=10),
             "y": RunEvaluation.from_predictions(noisier.assign(prob_0=1 - noisier["prob_1"]),
                                                 n_boot=10)}
    diff = auc_difference_matrix(compare_runs(evals))
    expected = evals["x"].auc.auc - evals["y"].auc.auc
    assert abs(expected) > 0.01  # the noise costs AUC, so the sign is checked too
    np.testing.assert_allclose([diff.loc["x", "y"], diff.loc["y", "x"]], [expected, -expected])
