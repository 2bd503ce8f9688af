"""Decision curves against a hand-computed table (Vickers & Elkin 2006)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.evaluation.counts import SortedScores
from core.evaluation.decision_curve import decision_curve, net_benefit_at, treat_all
from core.evaluation.errors import SingleClassError

Y = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
S = [0.9, 0.6, 0.3, 0.7, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05]
# pt    TP FP   NB = TP/10 - FP/10 * pt/(1-pt)      treat all = 0.3 - 0.7 * pt/(1-pt)
# 0.10   3  6   0.3 - 0.6 / 9   = 0.233333          0.3 - 0.7 / 9 = 0.222222
# 0.25   3  2   0.3 - 0.2 / 3   = 0.233333          0.3 - 0.7 / 3 = 0.066667
# 0.50   2  1   0.2 - 0.1       = 0.1               0.3 - 0.7     = -0.4
# 0.80   1  0   0.1 - 0         = 0.1               0.3 - 2.8     = -2.5
TABLE = [(0.10, 0.233333, 0.222222), (0.25, 0.233333, 0.066667),
         (0.50, 0.1, -0.4), (0.80, 0.1, -2.5)]


def test_net_benefit_and_treat_all_match_the_hand_computed_table():
    pts = [row[0] for row in TABLE]
    curve = decision_curve(Y, S, thresholds=pts, n_boot=0)
    assert curve.net_benefit == pytest.approx([row[1] for row in TABLE], abs=1e-6)
    assert curve.treat_all == pytest.approx([row[2] for row in TABLE], abs=1e-6)
    assert curve.prevalence == pytest.approx(0.3) and curve.n == 10
    assert np.isnan(curve.lower).all()


def test_at_a_stated_prevalence_the_sensitivity_specificity_form_is_used():
    # pt 0.5: sensitivity 2/3, false-positive rate 1/7 -> 2/3 * 0.1 - 1/7 * 0.9 * 1
    curve = decision_curve(Y, S, thresholds=[0.5], prevalence=0.1, n_boot=0)
    assert curve.net_benefit[0] == pytest.approx(2 / 3 * 0.1 - 0.9 / 7)
    assert curve.treat_all[0] == pytest.approx(0.1 - 0.9)
    # at the test set's own prevalence both forms agree
    same = decision_curve(Y, S, thresholds=[0.5], prevalence=0.3, n_boot=0)
    assert same.net_benefit[0] == pytest.approx(0.1)


def test_the_marker_is_the_curve_at_the_decision_threshold_and_undefined_outside_0_1():
    sorted_scores = SortedScores(Y, S)
    assert net_benefit_at(sorted_scores, 0.25) == pytest.approx(0.233333, abs=1e-6)
    assert math.isnan(net_benefit_at(sorted_scores, 1.0))
    assert math.isnan(net_benefit_at(sorted_scores, 0.0))
    assert treat_all(0.3, [0.5]) == pytest.approx([-0.4])


def test_bootstrap_band_holds_the_estimate_is_reproducible_and_shrinks_with_more_samples():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    s = 1 / (1 + np.exp(-(rng.normal(0, 1, 400) + 1.5 * y - 1.2)))
    small = decision_curve(y[:100], s[:100], n_boot=500, seed=1)
    large = decision_curve(y, s, n_boot=500, seed=1)
    assert (small.lower <= small.net_benefit + 1e-12).all()
    assert (small.net_benefit <= small.upper + 1e-12).all()
    again = decision_curve(y[:100], s[:100], n_boot=500, seed=1)
    assert np.array_equal(small.lower, again.lower)
    mid = slice(10, 40)  # thresholds 0.11-0.40, where the curve is not flat at 0
    assert np.mean((large.upper - large.lower)[mid]) < np.mean((small.upper - small.lower)[mid])


def test_one_class_and_thresholds_outside_0_1_are_refused():
    with pytest.raises(SingleClassError):
        decision_curve([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError):
        decision_curve(Y, S, thresholds=[0.0, 0.5])
    with pytest.raises(ValueError):
        decision_curve(Y, S, prevalence=1.2)
