from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from core.evaluation.display.simplify import (
    drop_redundant,
    simplify_polyline,
    step_vertices,
)


def test_points_on_a_straight_line_collapse_to_the_end_points():
    x = np.linspace(0, 1, 100)
    assert drop_redundant(x, 2 * x).tolist() == [0, 99]


def test_duplicates_are_dropped_but_corners_and_reversals_are_kept():
    x = [0.0, 0.0, 0.5, 1.0, 1.0, 0.5]
    y = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    # (0.5, 0) is a straight continuation; (1, 0) is a corner; the last point reverses.
    assert drop_redundant(x, y).tolist() == [0, 3, 4, 5]


def test_a_curve_under_the_budget_is_returned_losslessly():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.random(50))
    y = rng.random(50)
    keep = simplify_polyline(x, y, max_points=100)
    assert keep.tolist() == drop_redundant(x, y).tolist()


def test_budget_keeps_the_most_prominent_vertex():
    x = np.arange(11.0)
    y = np.zeros(11)
    y[7] = 5.0
    y[3] = 1.0
    assert simplify_polyline(x, y, max_points=3).tolist() == [0, 7, 10]


def test_50k_sample_roc_is_capped_with_ends_and_auc_kept(large_run):
    y, s = large_run
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    assert fpr.shape[0] > 10_000
    keep = simplify_polyline(fpr, tpr, max_points=500)
    assert keep.shape[0] <= 500
    assert keep[0] == 0 and keep[-1] == fpr.shape[0] - 1
    assert abs(np.trapezoid(tpr[keep], fpr[keep]) - roc_auc_score(y, s)) < 1e-3


def test_step_corners_make_the_trapezoid_area_equal_the_step_sum():
    recall = np.array([1.0, 0.75, 0.5, 0.25, 0.0])
    precision = np.array([0.4, 0.5, 0.8, 0.9, 1.0])
    xs, ys, source = step_vertices(recall, precision)
    assert xs.shape[0] == 2 * recall.shape[0] - 1
    step_sum = float(np.sum((recall[:-1] - recall[1:]) * precision[:-1]))
    assert abs(-np.trapezoid(ys, xs) - step_sum) < 1e-12
    assert (xs[::2] == recall).all() and (ys == precision[source]).all()


def test_invalid_inputs_are_refused():
    with pytest.raises(ValueError):
        simplify_polyline([0, 1], [0, 1, 2])
    with pytest.raises(ValueError):
        simplify_polyline([0, 1], [0, 1], max_points=1)
    with pytest.raises(ValueError):
        simplify_polyline([0, np.nan], [0, 1])
