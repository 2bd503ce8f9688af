"""The dashboard's fast figure refreshes equal the display builders; downloads hold the numbers.

The threshold-dependent figures are refreshed in place for speed (``dashboard.compare.figures``
caches the templates, ``core.evaluation.display``'s ``refresh_*`` functions refill them); these
tests check that each refreshed figure carries exactly what the builders of
``core.evaluation.display`` would draw for the same operating points, and that the files the
download buttons deliver (built by ``dashboard.downloads``) contain the page's numbers.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import plotly.io as pio
import pytest

from core.evaluation.display import (
    COUNT_COLUMNS,
    confusion_matrix_figure,
    metric_bars_figure,
    with_operating_points,
)
from dashboard.compare import figures
from dashboard.compare.context import class_names, operating_points, refs
from dashboard.compare.panels.confusion import ConfusionPanel
from dashboard.compare.report import comparison_sections
from dashboard.compare.tables import metric_rows, numeric_table
from dashboard.downloads import csv_bytes, figure_html_bytes, report_bytes
from dashboard.evaluations import load_selection
from dashboard.runs import run_names
from dashboard.text import file_name
from dashboard.threshold import ThresholdState, parse_param


@pytest.fixture(scope="module")
def sel(store_env):
    table = store_env.list_runs()
    return load_selection(table["run_id"].tolist(), run_names(table))


@pytest.fixture(scope="module")
def ops(sel):
    return operating_points(sel, {i: 0.31 for i in sel.ids})


def _plain(fig) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def test_markers_equal_the_display_builders(sel, ops):
    base = figures.roc_base(refs(sel))
    points = {n: op.roc_point for n, op in ops.items()}
    fast = _plain(figures.with_points(base, points))
    slow = _plain(with_operating_points(figures.figure(base), points))
    def marks(spec):
        return {t["meta"]["run"]: (t["x"], t["y"], t["marker"]["color"]) for t in spec["data"]
                if t["meta"]["role"] == "operating_point"}
    assert marks(fast) == marks(slow)
    assert len(marks(fast)) == len(ops)
    assert "operating_point" not in json.dumps(base)  # the cached base is never mutated


def test_confusion_table_cells_equal_the_confusion_builder(sel, ops):
    """Each run's row says what :func:`confusion_matrix_figure` says for that run alone."""
    table = ConfusionPanel().build(sel, ops).set_index("run")
    assert list(table.index) == list(ops)
    for name, op in ops.items():
        negative, positive = class_names(sel)[name]
        single = _plain(confusion_matrix_figure(op.metrics.confusion_matrix(),
                                                [negative, positive]))["data"][0]["text"]
        for column, (i, j) in COUNT_COLUMNS.items():
            assert table.loc[name, column] == single[i][j].replace("<br>", " (") + ")"
        assert (table.loc[name, "positive class"], table.loc[name, "negative class"]) == (
            positive, negative)


def test_per_class_bars_equal_metric_bars_figure(sel, ops):
    values = figures.per_class_values(ops, class_names(sel))
    colours = {sel.names[i]: sel.colours[i] for i in sel.binary_ids}
    fast = _plain(figures.per_class_bars(values, colours))
    slow = _plain(metric_bars_figure(values, colours=colours))
    for a, b in zip(fast["data"], slow["data"]):
        for field in ("name", "x", "y", "text", "customdata"):
            assert a[field] == b[field], field
        assert a["error_y"] == b["error_y"]


def test_metrics_csv_round_trips_the_operating_points(sel, ops):
    table = numeric_table(metric_rows(sel.by_name(), ops))
    back = pd.read_csv(io.BytesIO(csv_bytes(table)))
    for name, op in ops.items():
        row = back[back["run"] == name].iloc[0]
        assert row["sensitivity"] == pytest.approx(op.metrics.sensitivity, nan_ok=True)
        low, high = op.ci["sensitivity"]
        assert row["sensitivity_ci_low"] == pytest.approx(low, nan_ok=True)
        assert row["sensitivity_ci_high"] == pytest.approx(high, nan_ok=True)
        assert int(row["tp"]) == op.metrics.counts.tp


def test_figure_html_is_self_contained(sel):
    html = figure_html_bytes(figures.roc_base(refs(sel))).decode()
    assert "<html>" in html and "Plotly.newPlot" in html and "<script src=" not in html
    for name in sel.by_name():
        assert name.split(" · ")[0] in html


def test_report_holds_the_pages_numbers_and_warnings(sel, ops):
    thresholds = {i: 0.31 for i in sel.ids}
    sections = comparison_sections(sel, ops, thresholds, "fixed threshold 0.310 for every run")
    html = report_bytes("Lesionlab comparison", sections).decode()
    assert "SYNTHETIC" in html and "Paired DeLong" in html
    for name, op in ops.items():
        assert f"{op.metrics.sensitivity:.3f}" in html
    assert len(html) > 1_000_000  # plotly.js inlined once: opens offline


def test_report_escapes_user_text():
    html = report_bytes("<script>alert(1)</script>", [("x", "<b>run</b>")]).decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_file_names_are_never_paths():
    assert file_name("../../etc/passwd", ".csv") == "passwd.csv"
    assert file_name("..\\..\\x\n.y", ".png") == "x_.y.png"
    assert file_name("/", ".csv") == "lesionlab.csv"


@pytest.mark.parametrize("text, state", [
    ("0.42", ThresholdState("fixed", 0.42)),
    ("youden", ThresholdState("youden", None)),
    ("sensitivity:0.95", ThresholdState("sensitivity", 0.95)),
    ("SPECIFICITY:0.9", ThresholdState("specificity", 0.9)),
])
def test_threshold_param_round_trips(text, state):
    assert parse_param(text) == state
    assert parse_param(state.to_param()) == state


@pytest.mark.parametrize("text", ["banana", "1.5", "-0.1", "nan", "recall:0.9", "sensitivity:0"])
def test_bad_threshold_params_are_refused(text):
    with pytest.raises(ValueError):
        parse_param(text)
