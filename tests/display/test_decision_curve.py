"""The decision-curve figure: references, bands, curves and markers where the numbers say, names
shown literally, and a refreshed marker equal to a fresh build."""

from __future__ import annotations

import copy
import json

import numpy as np
import plotly.io as pio
import pytest

from core.evaluation.counts import SortedScores
from core.evaluation.decision_curve import decision_curve, net_benefit_at
from core.evaluation.display import (
    DecisionCurveSpec,
    decision_curve_figure,
    refresh_decision_markers,
)
from core.text import plot_text

NAMES = ("model A", "<b>B</b> \u00b7 %{x}")


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(11)
    y = (rng.random(600) < 0.25).astype(int)
    scores = [1 / (1 + np.exp(-(rng.normal(0, 1, 600) + k * y - 1.5))) for k in (2.0, 1.0)]
    return y, scores


def _specs(runs, thresholds=None):
    y, scores = runs
    thresholds = thresholds or {}
    out = []
    for name, s in zip(NAMES, scores):
        curve = decision_curve(y, s, n_boot=200, seed=0)
        t = thresholds.get(name)
        point = None if t is None else (t, net_benefit_at(SortedScores(y, s), t))
        out.append(DecisionCurveSpec.from_curve(name, curve, operating_point=point))
    return out, curve.treat_all


def _by_role(fig, role):
    return [t for t in fig.data if t.meta["role"] == role]


def test_traces_follow_the_numbers(runs):
    specs, treat_all = _specs(runs, {NAMES[0]: 0.3})
    fig = decision_curve_figure(specs, treat_all=treat_all)
    refs = _by_role(fig, "reference")
    assert [r.name for r in refs] == ["treat none", "treat all"]
    assert list(refs[0].y) == [0.0, 0.0] and np.allclose(refs[1].y, treat_all)
    curves = _by_role(fig, "curve")
    assert [c.meta["run"] for c in curves] == list(NAMES)
    # collinear points (a flat stretch at 0) may be simplified away; the rest lie on the curve
    kept = np.searchsorted(specs[0].thresholds, curves[0].x)
    assert np.allclose(curves[0].x, specs[0].thresholds[kept])
    assert np.allclose(curves[0].y, specs[0].net_benefit[kept])
    bands = _by_role(fig, "band")
    assert len(bands) == 4 and bands[1].fill == "tonexty"
    assert np.allclose(bands[0].y, specs[0].lower) and np.allclose(bands[1].y, specs[0].upper)
    (marker,) = _by_role(fig, "operating_point")
    assert marker.x == (0.3,) and marker.y[0] == pytest.approx(specs[0].operating_point[1])
    assert curves[1].name == plot_text(NAMES[1])  # user text shown as typed


def test_y_axis_keeps_the_model_curves_readable(runs):
    specs, treat_all = _specs(runs)
    fig = decision_curve_figure(specs, treat_all=treat_all)
    low, high = fig.layout.yaxis.range
    assert low < 0 < high and high >= np.nanmax(specs[0].upper)
    assert np.min(treat_all) < low  # treat all dives below the shown range near pt = 1


def test_refreshed_markers_equal_a_fresh_figure_and_the_template_is_untouched(runs):
    specs, treat_all = _specs(runs, {NAMES[1]: 0.6})
    template = decision_curve_figure(specs, treat_all=treat_all).to_plotly_json()
    before = copy.deepcopy(template)
    moved, _ = _specs(runs, {NAMES[0]: 0.2, NAMES[1]: 0.4})
    points = {s.name: s.operating_point for s in moved}
    fast = refresh_decision_markers(template, points)
    fresh = decision_curve_figure(moved, treat_all=treat_all)

    def plain(f):
        return json.loads(pio.to_json(f, validate=False))
    assert plain(fast) == plain(fresh)
    assert json.dumps(template, default=str) == json.dumps(before, default=str)
    with pytest.raises(KeyError):
        refresh_decision_markers(template, {"typo": (0.2, 0.1)})


def test_no_band_without_bootstrap_and_no_curves_refused(runs):
    y, scores = runs
    curve = decision_curve(y, scores[0], n_boot=0)
    fig = decision_curve_figure([DecisionCurveSpec.from_curve("a", curve)])
    assert not _by_role(fig, "band") and [r.name for r in _by_role(fig, "reference")] == \
        ["treat none"]
    with pytest.raises(ValueError):
        decision_curve_figure([])
