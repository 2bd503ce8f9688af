"""Mean curves and confusion counts over seeds, against hand-worked curves."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.counts import ConfusionCounts
from core.evaluation.curves import PrCurve, RocCurve, compute_pr, compute_roc
from core.evaluation.errors import EvaluationError
from core.evaluation.seed_curves import mean_confusion, pr_on_grid, seed_mean_pr, seed_mean_roc


def _roc(fpr, tpr):
    return RocCurve(np.array(fpr, float), np.array(tpr, float), np.zeros(len(fpr)), 0.0, 1, 1)


def test_mean_roc_averages_vertically_with_the_top_of_each_step():
    a = _roc([0, 0, 1], [0, 1, 1])          # perfect: TPR 1 from FPR 0 (top of the step)
    b = _roc([0, 1], [0, 1])                # chance
    m = seed_mean_roc([a, b], n_grid=3)     # grid 0, 0.5, 1
    assert m.values.tolist() == [[1, 1, 1], [0, 0.5, 1]]
    assert m.mean.tolist() == [0.5, 0.75, 1.0]
    assert m.sd == pytest.approx([np.sqrt(0.5), np.sqrt(0.125), 0.0])
    assert m.lower[0] == 0.0 and m.upper[0] == 1.0 and m.n_seeds == 2  # band clipped


def test_one_seed_has_no_spread():
    m = seed_mean_roc([_roc([0, 1], [0, 1])], n_grid=5)
    assert np.isnan(m.sd).all() and np.isnan(m.lower).all()
    with pytest.raises(EvaluationError):
        seed_mean_roc([])
    with pytest.raises(TypeError):
        seed_mean_roc([object()])


def test_precision_at_a_grid_recall_is_the_step_curve_average_precision_integrates():
    # scikit-learn order: recall decreasing, ending at (recall 0, precision 1)
    pr = PrCurve(np.array([0.5, 2 / 3, 1.0, 1.0]), np.array([1.0, 1.0, 0.5, 0.0]),
                 np.zeros(3), 0.0, 0.5)
    got = pr_on_grid(pr, np.array([0.0, 0.25, 0.5, 0.75, 1.0]))
    assert got.tolist() == pytest.approx([1.0, 1.0, 1.0, 2 / 3, 2 / 3])


def test_mean_pr_of_identical_seeds_is_the_curve_and_its_area_matches_average_precision():
    rng = np.random.default_rng(2)
    y = (rng.random(2000) < 0.3).astype(int)
    s = y * 1.2 + rng.normal(0, 1, 2000)
    pr = compute_pr(y, s)
    m = seed_mean_pr([pr, pr], n_grid=2001)
    assert np.all(m.sd == 0)
    assert np.mean(m.mean[1:]) == pytest.approx(pr.average_precision, abs=0.005)
    roc = compute_roc(y, s)
    assert np.trapezoid(seed_mean_roc([roc], n_grid=2001).mean,
                        dx=1 / 2000) == pytest.approx(roc.auc, abs=0.002)


def test_mean_confusion_counts_hand_worked():
    m = mean_confusion([ConfusionCounts(8, 2, 88, 2), ConfusionCounts(6, 4, 86, 4)])
    assert m.mean.tolist() == [[87.0, 3.0], [3.0, 7.0]]
    assert m.sd == pytest.approx(np.full((2, 2), np.sqrt(2.0)))
    assert np.isnan(mean_confusion([ConfusionCounts(1, 0, 1, 0)]).sd).all()
