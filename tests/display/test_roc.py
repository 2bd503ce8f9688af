from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from core.evaluation.curves import compute_roc
from core.evaluation.display import CurveSpec, roc_overlay_figure, with_operating_points
from core.evaluation.display._style import (
    ROLE_CURVE,
    ROLE_OPERATING_POINT,
    ROLE_REFERENCE,
    role_of,
    run_of,
)


def _by_role(fig: go.Figure, role: str) -> list:
    return [t for t in fig.data if role_of(t) == role]


def _small_specs() -> list[CurveSpec]:
    a = CurveSpec("A", [0, 0.1, 0.4, 1], [0, 0.6, 0.9, 1], auc=0.9123, auc_ci=(0.88, 0.94),
                  operating_point=(0.1, 0.6))
    b = CurveSpec("B", [0, 0.3, 1], [0, 0.5, 1], auc=0.61, colour="#123456")
    return [a, b]


def test_legend_has_auc_with_ci_and_chance_diagonal_is_drawn():
    fig = roc_overlay_figure(_small_specs())
    names = [t.name for t in _by_role(fig, ROLE_CURVE)]
    assert names == ["A \u2014 AUC 0.912 (0.880\u20130.940)", "B \u2014 AUC 0.610"]
    chance = _by_role(fig, ROLE_REFERENCE)
    assert len(chance) == 1 and list(chance[0].x) == [0, 1] and list(chance[0].y) == [0, 1]


def test_operating_point_marker_sits_at_the_given_coordinates_in_the_run_colour():
    fig = roc_overlay_figure(_small_specs())
    markers = _by_role(fig, ROLE_OPERATING_POINT)
    assert len(markers) == 1  # B has no operating point
    assert run_of(markers[0]) == "A"
    assert (markers[0].x[0], markers[0].y[0]) == (0.1, 0.6)
    curve_a, curve_b = _by_role(fig, ROLE_CURVE)
    assert markers[0].marker.color == curve_a.line.color
    assert curve_b.line.color == "#123456"
    assert curve_a.line.color != curve_b.line.color


def test_with_operating_points_replaces_only_the_markers():
    base = roc_overlay_figure(_small_specs())
    moved = with_operating_points(base, {"A": (0.4, 0.9), "B": (0.3, 0.5)})
    markers = {run_of(t): (t.x[0], t.y[0]) for t in _by_role(moved, ROLE_OPERATING_POINT)}
    assert markers == {"A": (0.4, 0.9), "B": (0.3, 0.5)}
    for old, new in zip(_by_role(base, ROLE_CURVE), _by_role(moved, ROLE_CURVE)):
        assert np.array_equal(old.x, new.x) and np.array_equal(old.y, new.y)
        assert old.name == new.name
    # The cached base figure is untouched.
    assert [(t.x[0], t.y[0]) for t in _by_role(base, ROLE_OPERATING_POINT)] == [(0.1, 0.6)]
    cleared = with_operating_points(base, {"A": None})
    assert _by_role(cleared, ROLE_OPERATING_POINT) == []
    with pytest.raises(KeyError):
        with_operating_points(base, {"typo": (0.1, 0.1)})


def test_50k_sample_curve_is_light_and_keeps_its_shape(large_run):
    y, s = large_run
    roc = compute_roc(y, s, drop_intermediate=False)
    fig = roc_overlay_figure([CurveSpec.from_roc("big", roc)], max_points=800)
    (curve,) = _by_role(fig, ROLE_CURVE)
    x, yy = np.asarray(curve.x), np.asarray(curve.y)
    assert x.shape[0] <= 800 < roc.fpr.shape[0]
    assert (x[0], yy[0]) == (roc.fpr[0], roc.tpr[0])
    assert (x[-1], yy[-1]) == (roc.fpr[-1], roc.tpr[-1])
    assert abs(np.trapezoid(yy, x) - roc.auc) < 1e-3


def test_hover_text_carries_the_threshold_of_each_kept_point():
    fpr, tpr, thr = [0.0, 0.0, 0.5, 1.0], [0.0, 0.5, 0.8, 1.0], [np.inf, 0.9, 0.4, 0.1]
    fig = roc_overlay_figure([CurveSpec("A", fpr, tpr, thresholds=thr)])
    (curve,) = _by_role(fig, ROLE_CURVE)
    assert list(curve.text) == ["threshold: above every score", "threshold \u2265 0.900",
                                "threshold \u2265 0.400", "threshold \u2265 0.100"]


def test_names_must_be_unique_and_are_escaped():
    with pytest.raises(ValueError):
        roc_overlay_figure([CurveSpec("A", [0, 1], [0, 1]), CurveSpec("A", [0, 1], [0, 1])])
    fig = roc_overlay_figure([CurveSpec("<script>", [0, 1], [0, 1], auc=0.5)])
    assert _by_role(fig, ROLE_CURVE)[0].name == "&lt;script&gt; \u2014 AUC 0.500"
