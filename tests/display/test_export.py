from __future__ import annotations

import importlib.util

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from core.evaluation.display import (
    figure_to_html,
    figure_to_png,
    png_export_available,
    report_html,
)

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def bundle_marker() -> str:
    """A slice from inside plotly.js that only a full inlined bundle contains."""
    js = get_plotlyjs()
    return js[len(js) // 2 : len(js) // 2 + 200]


def _fig(title: str) -> go.Figure:
    return go.Figure(go.Scatter(x=[0, 1], y=[0, 1]), layout=dict(title=dict(text=title)))


def test_figure_html_is_self_contained(bundle_marker):
    page = figure_to_html(_fig("ROC of run 7"))
    assert "ROC of run 7" in page
    assert page.count(bundle_marker) == 1
    assert "<script charset=\"utf-8\" src=" not in page  # nothing loaded from a CDN


def test_report_inlines_plotly_once_and_escapes_user_text(bundle_marker):
    table = pd.DataFrame({"run": [EVIL, "B"], "auc": ["0.912 (0.880\u20130.940)", "n/a"]})
    page = report_html(f"Comparison {EVIL}", [
        ("ROC", _fig("first")),
        ("PR", _fig("second")),
        (f"Metrics {EVIL}", table),
        ("Notes", "Threshold 0.5 & prevalence < 10%\n\nsecond paragraph"),
    ])
    assert page.count(bundle_marker) == 1
    assert page.count('class="plotly-graph-div"') == 2
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>0.912 (0.880\u20130.940)</td>" in page
    assert "<p>Threshold 0.5 &amp; prevalence &lt; 10%</p>" in page
    assert page.index("<h2>ROC</h2>") < page.index("<h2>PR</h2>") < page.index("<h2>Notes</h2>")


def test_report_refuses_unknown_section_content():
    with pytest.raises(TypeError):
        report_html("x", [("bad", 42)])


def test_png_export_is_none_with_a_reason_when_unavailable():
    ok, reason = png_export_available()
    png = figure_to_png(_fig("t"))
    if importlib.util.find_spec("kaleido") is None:
        assert not ok and "kaleido" in reason
    if ok:
        assert png is not None and png.startswith(b"\x89PNG")
    else:
        assert png is None and reason
