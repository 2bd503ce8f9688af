"""A configuration's decision curve and confusion counts over its seeds (and folds), against
hand-worked examples (``configuration_decision_curve``, ``configuration_confusion``)."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.counts import ConfusionCounts, SortedScores
from core.evaluation.decision_curve import configuration_decision_curve
from core.evaluation.seed_curves import configuration_confusion

Y = [0, 0, 1, 1]
SEED_A = SortedScores(Y, [0.1, 0.6, 0.4, 0.9])
SEED_B = SortedScores(Y, [0.1, 0.2, 0.7, 0.9])
# pt    seed A: TP FP  NB = TP/4 - FP/4 * pt/(1-pt)   seed B: TP FP  NB       mean    SD
# 0.25          2  1   0.5 - 0.25/3 = 0.416667              2  0   0.5      0.458333 0.058926
# 0.50          1  1   0.25 - 0.25  = 0                     2  0   0.5      0.25     0.353553
# treat all (prevalence 0.5): 0.5 - 0.5 * pt/(1-pt) = 0.333333 at 0.25, 0 at 0.5


def test_mean_net_benefit_over_seeds_hand_worked():
    c = configuration_decision_curve([[SEED_A], [SEED_B]], thresholds=[0.25, 0.5])
    assert c.values == pytest.approx(np.array([[5 / 12, 0.0], [0.5, 0.5]]))
    assert c.mean == pytest.approx([11 / 24, 0.25])
    assert c.sd == pytest.approx([np.sqrt(2) / 24, np.sqrt(0.125)])
    assert c.lower == pytest.approx(c.mean - c.sd) and c.upper == pytest.approx(c.mean + c.sd)
    assert c.treat_all == pytest.approx([1 / 3, 0.0]) and c.prevalence == 0.5
    assert c.n_seeds == 2


def test_a_cross_validated_seed_pools_its_folds_and_an_incomplete_seed_is_left_out():
    folds_of_a = [SortedScores([0, 1], [0.6, 0.9]), SortedScores([0, 1], [0.1, 0.4])]
    c = configuration_decision_curve([folds_of_a, [SEED_B, None]], thresholds=[0.25, 0.5])
    assert c.n_seeds == 1 and c.mean == pytest.approx([5 / 12, 0.0])
    assert np.isnan(c.sd).all()  # one seed: no spread


def test_seeds_of_other_prevalences_get_no_treat_all_line():
    other = SortedScores([0, 1, 1, 1], [0.1, 0.6, 0.4, 0.9])
    assert configuration_decision_curve([[SEED_A], [other]], thresholds=[0.5]).treat_all is None
    with pytest.raises(ValueError, match="no seed"):
        configuration_decision_curve([[None]], thresholds=[0.5])
    with pytest.raises(ValueError, match="strictly between"):
        configuration_decision_curve([[SEED_A]], thresholds=[0.0])


def test_mean_confusion_of_folds_x_seeds_sums_each_seeds_folds():
    grid = [[ConfusionCounts(4, 1, 44, 1), ConfusionCounts(4, 1, 44, 1)],  # seed 0: 8 2 88 2
            [ConfusionCounts(3, 2, 43, 2), ConfusionCounts(3, 2, 43, 2)],  # seed 1: 6 4 86 4
            [ConfusionCounts(5, 0, 45, 0), None]]  # seed 2 lacks a fold: left out
    m = configuration_confusion(grid)
    assert m.n_seeds == 2
    assert m.mean.tolist() == [[87.0, 3.0], [3.0, 7.0]]
    assert m.sd == pytest.approx(np.full((2, 2), np.sqrt(2.0)))
