"""The house template is plotly_white, less the defaults of trace types Lesionlab never draws.

Why it matters: a trace type drawn but missing from the template would lose plotly_white's
defaults for it (bar outlines, heatmap colour bars) and look different; the template's layout
part must be plotly_white's own, or every figure would.
"""

from __future__ import annotations

import re
from pathlib import Path

import plotly.io as pio

from core.evaluation.display import _style, roc_overlay_figure
from core.evaluation.display.roc import CurveSpec

DISPLAY = Path(_style.__file__).parent


def test_every_trace_type_the_builders_use_is_in_the_template():
    used = set()
    for module in DISPLAY.glob("*.py"):
        used |= {m.lower() for m in re.findall(r"go\.([A-Z][a-z]+)\(", module.read_text())}
    used -= {"figure"}
    assert used, "no go.<Trace>( found: the scan is broken"
    assert used <= set(_style.HOUSE_TRACE_TYPES)


def test_template_is_plotly_white_for_the_drawn_types_and_its_layout():
    white = pio.templates["plotly_white"].to_plotly_json()
    house = _style.house_template().to_plotly_json()
    assert house["layout"] == white["layout"]
    assert set(house["data"]) == set(_style.HOUSE_TRACE_TYPES)
    for kind in _style.HOUSE_TRACE_TYPES:
        assert house["data"][kind] == white["data"][kind]


def test_a_styled_figure_carries_the_lean_template():
    fig = roc_overlay_figure([CurveSpec("a", [0, 0.5, 1], [0, 0.8, 1], auc=0.8)])
    spec = fig.to_plotly_json()["layout"]["template"]
    assert set(spec["data"]) == {"bar", "heatmap", "scatter"}
    assert spec["layout"]["plot_bgcolor"] == "white"
