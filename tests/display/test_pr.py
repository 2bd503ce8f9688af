from __future__ import annotations

import numpy as np

from core.evaluation.curves import compute_pr
from core.evaluation.display import PrCurveSpec, pr_overlay_figure, with_operating_points
from core.evaluation.display._style import (
    ROLE_CURVE,
    ROLE_OPERATING_POINT,
    ROLE_REFERENCE,
    role_of,
    run_of,
)


def test_legend_has_ap_with_ci_and_prevalence_and_baseline_in_run_colour():
    spec = PrCurveSpec("A", [1.0, 0.5, 0.0], [0.3, 0.8, 1.0], average_precision=0.6543,
                       ap_ci=(0.6, 0.7), prevalence=0.3, colour="#aa0000")
    fig = pr_overlay_figure([spec])
    (curve,) = [t for t in fig.data if role_of(t) == ROLE_CURVE]
    assert curve.name == "A \u2014 AP 0.654 (0.600\u20130.700) \u00b7 prevalence 0.300"
    (baseline,) = [t for t in fig.data if role_of(t) == ROLE_REFERENCE]
    assert list(baseline.y) == [0.3, 0.3] and list(baseline.x) == [0, 1]
    assert baseline.line.color == "#aa0000" and run_of(baseline) == "A"


def test_curve_is_drawn_as_explicit_steps():
    fig = pr_overlay_figure([PrCurveSpec("A", [1.0, 0.5, 0.0], [0.3, 0.8, 1.0])])
    (curve,) = [t for t in fig.data if role_of(t) == ROLE_CURVE]
    assert list(zip(curve.x, curve.y)) == [(1.0, 0.3), (0.5, 0.3), (0.5, 0.8), (0.0, 0.8),
                                           (0.0, 1.0)]


def test_large_curve_area_matches_average_precision(large_run):
    y, s = large_run
    pr = compute_pr(y, s, drop_intermediate=False)
    fig = pr_overlay_figure([PrCurveSpec.from_pr("big", pr)], max_points=1000)
    (curve,) = [t for t in fig.data if role_of(t) == ROLE_CURVE]
    x, p = np.asarray(curve.x), np.asarray(curve.y)
    assert x.shape[0] <= 1000 < pr.recall.shape[0]
    assert (x[0], p[0]) == (pr.recall[0], pr.precision[0])
    assert (x[-1], p[-1]) == (pr.recall[-1], pr.precision[-1])
    assert abs(-np.trapezoid(p, x) - pr.average_precision) < 1e-3


def test_operating_points_on_pr_figure_can_be_moved():
    spec = PrCurveSpec("A", [1.0, 0.5, 0.0], [0.3, 0.8, 1.0], operating_point=(0.5, 0.8))
    fig = pr_overlay_figure([spec])
    (marker,) = [t for t in fig.data if role_of(t) == ROLE_OPERATING_POINT]
    assert (marker.x[0], marker.y[0]) == (0.5, 0.8)
    moved = with_operating_points(fig, {"A": (1.0, 0.3)})
    (marker,) = [t for t in moved.data if role_of(t) == ROLE_OPERATING_POINT]
    assert (marker.x[0], marker.y[0]) == (1.0, 0.3)
    assert "precision" in marker.hovertemplate
