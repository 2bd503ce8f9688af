"""Every fast refresh draws the figure its builder draws, and never touches the template.

The dashboard keeps threshold-free templates as plotly JSON and refreshes them on every
threshold move (``core.evaluation.display.refresh_*``).  Each test here builds a template with
other numbers (or none), refreshes it, and compares the whole figure JSON with a fresh
build of the same figure through plotly's validators: a refresh that dropped, added or
reformatted anything (a marker, a hover text, an error bar, a cell) fails.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import plotly.io as pio
import pytest

from core.evaluation.curves import compute_pr, compute_roc
from core.evaluation.display import (
    CurveSpec,
    Estimate,
    PrCurveSpec,
    metric_bars_figure,
    pr_overlay_figure,
    refresh_metric_bars,
    refresh_operating_points,
    roc_overlay_figure,
    with_operating_points,
)

NAMES = ("run A \u00b7 demo", "<b>B</b> \u00b7 %{x}", "C")
COLOURS = ("#4E79A7", "#F28E2B", "#E15759")


def _plain(fig) -> dict:
    """What the browser receives (numpy arrays, NaN and tuples as JSON would have them)."""
    return json.loads(pio.to_json(fig, validate=False))


@pytest.fixture(scope="module")
def curves(large_run):
    y, s = large_run
    rng = np.random.default_rng(7)
    return [(compute_roc(y, np.clip(s + rng.normal(0, k / 10, s.shape), 0, 1)),
             compute_pr(y, np.clip(s + rng.normal(0, k / 10, s.shape), 0, 1)))
            for k in range(len(NAMES))]


def _roc(curves, points=None, **kw):
    points = points or {}
    return roc_overlay_figure([
        CurveSpec.from_roc(n, roc, auc_ci=(0.7, 0.9), colour=c, operating_point=points.get(n))
        for n, c, (roc, _) in zip(NAMES, COLOURS, curves)], **kw)


def _pr(curves, points=None, **kw):
    points = points or {}
    return pr_overlay_figure([
        PrCurveSpec.from_pr(n, pr, colour=c, operating_point=points.get(n))
        for n, c, (_, pr) in zip(NAMES, COLOURS, curves)], **kw)


@pytest.mark.parametrize("build", [_roc, _pr], ids=["roc", "pr"])
@pytest.mark.parametrize("in_column", [False, True])
def test_moved_markers_equal_a_fresh_overlay(curves, build, in_column):
    template = build(curves, {NAMES[1]: (0.9, 0.9)}, in_column=in_column).to_plotly_json()
    before = copy.deepcopy(template)
    points = {NAMES[0]: (0.1, 0.55), NAMES[2]: (0.25, 0.8)}
    fast = refresh_operating_points(template, points)
    assert _plain(fast) == _plain(build(curves, points, in_column=in_column))
    assert _plain(with_operating_points(build(curves, in_column=in_column), points)) \
        == _plain(fast)
    assert template == before  # the cached template is never mutated


def test_markers_are_replaced_not_added_and_undefined_points_draw_none(curves):
    template = _roc(curves).to_plotly_json()
    once = refresh_operating_points(template, {NAMES[0]: (0.1, 0.5), NAMES[1]: (0.2, 0.6)})
    twice = refresh_operating_points(once.to_plotly_json(),
                                     {NAMES[0]: (0.3, float("nan")), NAMES[2]: (0.4, 0.7)})
    assert _plain(twice) == _plain(_roc(curves, {NAMES[2]: (0.4, 0.7)}))
    with pytest.raises(KeyError, match="no curve"):
        refresh_operating_points(template, {"typo": (0.1, 0.2)})


def test_in_column_puts_the_legend_below_and_grows_with_the_runs(curves):
    fig = _roc(curves, in_column=True)
    assert fig.layout.legend.y < 0 and fig.layout.yaxis.scaleanchor is None
    assert fig.layout.height == 470 + 36 * len(NAMES)
    assert all("<br>AUC" in t.name for t in fig.data if t.meta["role"] == "curve")
    assert _roc(curves).layout.yaxis.scaleanchor == "x"  # default stays square


BAR_METRICS = ("precision \u00b7 benign", "sensitivity \u00b7 <i>x</i>", "specificity")


def _bar_values(shift: float) -> dict:
    return {
        NAMES[0]: {BAR_METRICS[0]: Estimate(0.5 + shift, (0.4, 0.7)),
                   BAR_METRICS[1]: Estimate(float("nan"), None),
                   BAR_METRICS[2]: (0.9, (0.95, 0.99))},  # interval beside its estimate
        NAMES[1]: {BAR_METRICS[0]: 0.25 + shift, BAR_METRICS[2]: Estimate(0.7, (0.6, 0.8))},
        NAMES[2]: {BAR_METRICS[1]: Estimate(0.8 - shift, (0.7, 0.85))},
    }


def test_refreshed_bars_equal_a_fresh_bar_figure():
    colours = dict(zip(NAMES, COLOURS))
    template = metric_bars_figure(_bar_values(0.1), metrics=BAR_METRICS, colours=colours,
                                  title="bars").to_plotly_json()
    before = copy.deepcopy(template)
    fast = refresh_metric_bars(template, _bar_values(0.0), metrics=BAR_METRICS)
    slow = metric_bars_figure(_bar_values(0.0), metrics=BAR_METRICS, colours=colours,
                              title="bars")
    assert _plain(fast) == _plain(slow)
    assert json.dumps(template, default=str) == json.dumps(before, default=str)


def test_bars_refuse_a_template_of_other_runs_or_metrics():
    template = metric_bars_figure(_bar_values(0.0), metrics=BAR_METRICS).to_plotly_json()
    with pytest.raises(ValueError, match="metrics"):
        refresh_metric_bars(template, _bar_values(0.0), metrics=BAR_METRICS[::-1])
    values = _bar_values(0.0)
    with pytest.raises(ValueError, match="runs"):
        refresh_metric_bars(template, {n: values[n] for n in NAMES[::-1]}, metrics=BAR_METRICS)
