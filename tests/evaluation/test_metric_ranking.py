"""Ranking by a threshold metric: the paired bootstrap's test variance of a sensitivity
difference against the hand-worked paired-proportion variance, each run at its own threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluation import RunEvaluation
from core.evaluation.auc_ranking import rank_by_auc, rank_by_metric


def _evaluation(pos_scores, neg_scores) -> RunEvaluation:
    scores = np.concatenate([pos_scores, neg_scores])
    y = np.r_[np.ones(len(pos_scores), int), np.zeros(len(neg_scores), int)]
    frame = pd.DataFrame({"sample_id": [f"s{i}" for i in range(len(y))],
                          "group": [f"s{i}" for i in range(len(y))], "split": "test",
                          "target": y, "prob_0": 1 - scores, "prob_1": scores})
    return RunEvaluation.from_predictions(frame, 1, n_boot=10)


# 40 positives, 40 negatives. Run a detects positives 0-29 (sensitivity 0.75), run b 0-19
# (0.50); both call every negative negative at 0.5. Per positive, D = hit_a - hit_b is 1 for
# 10 of 40 and 0 otherwise, so the paired (stratified over positives) variance of the
# difference is var(D) / 40 = (10/40 - (10/40)^2) / 40 = 0.1875 / 40 = 0.0046875.
HITS_A = np.where(np.arange(40) < 30, 0.9, 0.1)
HITS_B = np.where(np.arange(40) < 20, 0.9, 0.1)
NEG = np.full(40, 0.1)


def test_sensitivity_difference_has_the_paired_proportion_variance():
    configs = {"b": [_evaluation(HITS_B, NEG)], "a": [_evaluation(HITS_A, NEG)]}
    ranked = rank_by_metric(configs, metric="sensitivity", thresholds={"a": [0.5], "b": [0.5]},
                            n_boot=4000)
    (one,) = ranked.sets
    assert one.ranking.order == ("a", "b") and one.ranking.metric == "sensitivity"
    assert one.ranking.summaries["a"].mean == pytest.approx(0.75)
    (d,) = one.ranking.adjacent
    assert d.difference == pytest.approx(0.25)
    assert d.test_variance == pytest.approx(0.0046875, rel=0.08)
    assert d.distinguishable and one.ranking.sentences[0].startswith("a > b (difference 0.25")


def test_each_run_is_decided_at_its_own_threshold():
    configs = {"a": [_evaluation(HITS_A, NEG)], "b": [_evaluation(HITS_B, NEG)]}
    # at 0.95 run a detects nothing (sensitivity 0), so b (at 0.5) ranks first
    ranked = rank_by_metric(configs, metric="sensitivity", thresholds={"a": [0.95], "b": [0.5]},
                            n_boot=200)
    (one,) = ranked.sets
    assert one.ranking.order == ("b", "a") and one.ranking.adjacent[0].difference == 0.5
    specificity = rank_by_metric(configs, metric="specificity",
                                 thresholds={"a": [0.5], "b": [0.5]}, n_boot=200).sets[0]
    assert specificity.ranking.adjacent[0].difference == 0.0  # both 1.0 on the negatives
    assert not specificity.ranking.adjacent[0].distinguishable


def test_auc_stays_the_default_and_a_threshold_metric_needs_thresholds():
    configs = {"a": [_evaluation(HITS_A, NEG)], "b": [_evaluation(HITS_B, NEG)]}
    by_auc = rank_by_auc(configs).sets[0].ranking
    assert by_auc.metric == "AUC" and by_auc.order == ("a", "b")
    assert rank_by_metric(configs).sets[0].ranking.sentences == by_auc.sentences
    with pytest.raises(ValueError):
        rank_by_metric(configs, metric="sensitivity")
