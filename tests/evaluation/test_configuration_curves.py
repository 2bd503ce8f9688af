"""A configuration's decision curve and confusion counts over its seeds (and folds), against
hand-worked examples (``configuration_decision_curve``, ``configuration_confusion``)."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.counts import ConfusionCounts, SortedScores
from core.evaluation.decision_curve import (
    configuration_decision_curve,
    configuration_net_benefit_at,
    decision_curve,
)
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
    assert (c.lower <= c.mean).all() and (c.mean <= c.upper).all()  # the 95% interval
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


def test_with_one_seed_the_interval_is_that_runs_own_bootstrap_interval():
    rng = np.random.default_rng(5)
    y = (rng.random(200) < 0.3).astype(int)
    s = np.clip(0.3 * y + rng.random(200) * 0.7, 0.001, 0.999)
    run = decision_curve(y, s, n_boot=400, seed=7)  # the per-run view's band
    c = configuration_decision_curve([[SortedScores(y, s)]], n_boot=400, seed=7)
    assert np.array_equal(c.lower, run.lower) and np.array_equal(c.upper, run.upper)
    assert np.array_equal(c.mean, run.net_benefit)


def test_without_test_variance_the_interval_is_the_seed_resampling_one():
    # At pt 0.5 both seeds' counts are certain under the stratified bootstrap (rates 0 or 1):
    # seed A separates perfectly (NB 0.5), seed B calls everyone positive (NB 0.5 - 0.5 = 0).
    # Resampling the two seeds gives means 0.5, 0.25, 0 with chances 1/4, 1/2, 1/4, so the
    # 2.5% and 97.5% points are 0 and 0.5.
    a = SortedScores(Y, [0.1, 0.2, 0.8, 0.9])
    b = SortedScores(Y, [0.6, 0.7, 0.8, 0.9])
    c = configuration_decision_curve([[a], [b]], thresholds=[0.5], n_boot=2000)
    assert c.mean == pytest.approx([0.25])
    assert c.lower == pytest.approx([0.0]) and c.upper == pytest.approx([0.5])


def test_the_marker_is_the_mean_threshold_on_the_mean_curve():
    # Seeds at thresholds 0.25 and 0.75: marker at 0.5, where the mean curve is 0.25 (table).
    t, nb = configuration_net_benefit_at([[SEED_A], [SEED_B]], [[0.25], [0.75]])
    assert (t, nb) == pytest.approx((0.5, 0.25))
    # An incomplete seed is left out, as from the curve: only seed B's own point remains.
    assert configuration_net_benefit_at([[SEED_A, None], [SEED_B, SEED_B]],
                                        [[0.1, None], [0.5, 0.5]]) == pytest.approx((0.5, 0.5))
    nan = configuration_net_benefit_at([[SEED_A]], [[None]])
    assert np.isnan(nan).all()
