"""The Compare panels are one list: the page's tabs and the report's sections both come from it.

What these tests pin down: the tabs and their panels (the page's layout), the report's sections
in their order (the report holds exactly what it held when it was assembled by hand), that a
panel claiming to follow the threshold does change with it and the others do not, and the
cache key of a run's figures.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashboard import data
from dashboard.compare.context import operating_points, refs
from dashboard.compare.figures import RunRef
from dashboard.compare.panel import PER_CONFIGURATION
from dashboard.compare.panels import PANELS, TABS, in_tab
from dashboard.compare.panels.subgroups import Breakdown
from dashboard.compare.report import comparison_sections
from dashboard.evaluations import load_selection
from dashboard.runs import run_names


@pytest.fixture(scope="module")
def sel(store_env):
    table = store_env.list_runs()
    return load_selection(table["run_id"].tolist(), run_names(table))


def _at(sel, threshold):
    return operating_points(sel, {i: threshold for i in sel.ids})


def _content(shown):
    """What a panel shows, as comparable text."""
    if shown is None:
        return None
    if isinstance(shown, go.Figure):
        return pio.to_json(shown, validate=False)
    if isinstance(shown, dict):
        return json.dumps(shown, sort_keys=True, default=str)
    if isinstance(shown, pd.DataFrame):
        return shown.to_json()
    if isinstance(shown, Breakdown):
        return [shown.table_for(c).to_json() for c in shown.columns]
    if isinstance(shown, tuple):  # NamedTuples of figures and tables too
        return tuple(_content(part) for part in shown)
    return repr(shown)


def test_the_tabs_hold_the_panels_in_the_pages_order():
    assert TABS == ["Overview", "Curves", "Per class", "Ranking", "Decision curves",
                    "Calibration", "Transfer", "Paired tests", "Subgroups", "Cross-validation"]
    names = {tab: [p.name for p in in_tab(tab)] for tab in [*TABS, None]}
    assert names == {"Overview": ["metrics", "confusion"], "Curves": ["roc"],
                     "Per class": ["bars"],
                     "Ranking": ["ranking"], "Decision curves": ["decision"],
                     "Calibration": ["calibration"], "Transfer": ["transfer"],
                     "Paired tests": ["pvalues"],
                     "Subgroups": ["subgroups"], "Cross-validation": ["crossval"],
                     None: ["mc"]}


def test_per_configuration_the_overview_shows_the_seed_twins():
    names = [p.name for p in in_tab("Overview", PER_CONFIGURATION)]
    assert names == ["seed_metrics", "seed_confusion"]
    assert [p.name for p in in_tab("Curves", PER_CONFIGURATION)] == ["seed_roc", "seed_pr"]
    assert [p.name for p in in_tab("Per class", PER_CONFIGURATION)] == ["bars"]
    assert [p.name for p in in_tab("Ranking", PER_CONFIGURATION)] == ["ranking"]
    assert [p.name for p in in_tab("Decision curves", PER_CONFIGURATION)] == [
        "decision", "seed_decision"]


def test_widget_keys_and_download_files_are_distinct_per_panel():
    assert len({p.name for p in PANELS}) == len(PANELS)
    assert len({p.stem for p in PANELS}) == len(PANELS)


def test_the_report_is_the_summary_the_report_panels_and_the_details(sel):
    ops = _at(sel, 0.31)
    sections = comparison_sections(sel, ops, {i: 0.31 for i in sel.ids}, "fixed 0.31")
    assert [heading for heading, _ in sections] == [
        "Summary", "Metrics at the current threshold (95% CI)", "Confusion matrices",
        "ROC curves", "Precision-recall curves", "Per-class metrics",
        "Ranking by AUC, test set 1", "Adjacent differences, test set 1",
        "What the ranking can and cannot support", "Decision curves", "Calibration",
        "Paired DeLong tests", "Pairwise tests (table)", "Run details"]
    roc = dict(sections)["ROC curves"]
    page_roc = next(p for p in PANELS if p.name == "roc").build(sel, ops).roc
    assert _content(roc) == _content(page_roc)


def test_without_binary_runs_the_report_has_no_panel(sel):
    headings = [h for h, _ in comparison_sections(sel, {}, {i: 0.5 for i in sel.ids}, "fixed 0.5")]
    assert headings == ["Summary", "Run details"]


@pytest.mark.parametrize("panel", [p for p in PANELS if p.tab is not None],
                         ids=lambda p: p.name)
def test_a_panel_changes_with_the_threshold_exactly_when_it_says_so(sel, panel):
    low, high = _content(panel.build(sel, _at(sel, 0.2))), _content(panel.build(sel, _at(sel, 0.8)))
    if panel.follows_threshold and low == []:
        pytest.skip("no metadata column in the test store to break down by")
    assert (low != high) == panel.follows_threshold


def test_a_runs_cache_key_names_its_fields(sel):
    rid = sel.binary_ids[0]
    ref = refs(sel)[0]
    assert isinstance(ref, RunRef)
    assert ref == (str(data.store_root()), rid, "sample", "mean", sel.names[rid], sel.colours[rid])
    assert (ref.run_id, ref.name, ref.colour) == (rid, sel.names[rid], sel.colours[rid])
