"""Legends and plotly's toolbar never cover a figure's title or plot area (issue 16).

Why a layout rule and not a look: where a legend lands depends on the data only when it sits
inside the plot (then a curve may pass under it); outside the plot area (``x > 1`` anchored
left, or ``y < 0`` anchored top) it cannot cover a curve whatever the data.  The title starts
``MODEBAR_PX`` below the figure's top, under the toolbar's strip, and the top margin holds
the toolbar strip plus one title line, so the title ends above the plot.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from core.evaluation.calibration import compute_calibration
from core.evaluation.display import (CalibrationSpec, CurveSpec, FoldCurves,
                                     crossval_roc_figure, metric_bars_figure,
                                     reliability_figure, roc_overlay_figure)
from core.evaluation.display._style import _LEGEND_PLACES, MODEBAR_PX, TITLE_SIZE, style_figure

#: A title line's height in pixels (plotly lays text out at about 1.3 x its font size).
TITLE_LINE_PX = 1.3 * TITLE_SIZE


def assert_clear(layout: dict) -> None:
    """Legend outside the plot area; title in the top margin, below the toolbar's strip."""
    legend = layout.get("legend") or {}
    x, y = legend.get("x", 1.02), legend.get("y", 1.0)
    right = x >= 1.0 and legend.get("xanchor", "left") == "left"
    below = y <= 0.0 and legend.get("yanchor") == "top"
    above = y >= 1.0 and legend.get("yanchor") == "bottom"
    assert right or below or above, f"legend inside the plot area: {legend}"
    title = layout.get("title") or {}
    if title.get("text"):
        assert title.get("yref") == "container" and title.get("yanchor") == "top", title
        assert title.get("y") == 1.0 and title["pad"]["t"] >= MODEBAR_PX, title
        top = (layout.get("margin") or {}).get("t", 100)
        assert top >= MODEBAR_PX + TITLE_LINE_PX, f"top margin {top} cannot hold the title"


@pytest.mark.parametrize("place", sorted(_LEGEND_PLACES))
def test_every_legend_place_is_outside_the_plot(place):
    fig = style_figure(go.Figure(), title="a long title " * 8, legend=place)
    assert_clear(fig.to_plotly_json()["layout"])


def _figures():
    rng = np.random.default_rng(7)
    s = rng.random(500)
    y = (rng.random(500) < s).astype(int)
    folds = [([0.0, 0.2, 1.0], [0.0, 0.8, 1.0]), ([0.0, 0.5, 1.0], [0.0, 0.6, 1.0])]
    roc = [CurveSpec("A", [0, 0.1, 1], [0, 0.6, 1], auc=0.9)]
    return {
        "roc": roc_overlay_figure(roc),
        "roc in column": roc_overlay_figure(roc, in_column=True),
        "calibration": reliability_figure([CalibrationSpec.from_result(
            "A", compute_calibration(y, s))], show_histogram=True),
        "crossval": crossval_roc_figure([FoldCurves("A", folds)], grid_points=11),
        "bars": metric_bars_figure({"A": {"sensitivity": 0.8}}),
    }


@pytest.mark.parametrize("name", ["roc", "roc in column", "calibration", "crossval", "bars"])
def test_the_compare_builders_keep_legend_and_title_clear(name):
    assert_clear(_figures()[name].to_plotly_json()["layout"])
