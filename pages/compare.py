"""Compare: any set of stored runs side by side, at one decision threshold.

Layout only. Runs, external evaluations, level, threshold, tab and view (per run / per
configuration) are in the URL (``?runs=..&evals=..&level=..&t=..&view=..&per=..``), so a
comparison is a link.  Everything that depends on the threshold is inside one ``st.fragment``:
moving the threshold reruns that fragment only, which recomputes the operating points (counts
and bootstrap CIs) and swaps numbers into cached figures (see :mod:`dashboard.compare.figures`).
Each tab draws the panels of :data:`dashboard.compare.panels.PANELS` that name it and the view;
the HTML report takes its sections from the same panels.
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard.compare import panels
from dashboard.compare.context import operating_points
from dashboard.compare.evaluate import evaluate_form
from dashboard.compare.external import external_picker
from dashboard.compare.imports import imports_expander
from dashboard.compare.level import level_control
from dashboard.compare.report import comparison_sections
from dashboard.compare.view import view_control
from dashboard.details import details_expander, warnings_banner
from dashboard.downloads import report_button
from dashboard.errors import EXTERNAL_PARAM
from dashboard.evaluations import Selection, load_selection
from dashboard.text import md
from dashboard.runs import empty_store, ok_runs, run_names, run_picker
from dashboard.threshold import current_state, threshold_control

KEY = "compare"
HOME_PAGE = "pages/home.py"
TABS = panels.TABS
EXTERNAL_NOTE = (
    "External evaluations: every threshold rule is chosen on the source run's validation split "
    "and frozen for the external set. They are left out of the per-configuration view, the "
    "ranking and cross-validation (each is one model on one other dataset, not a configuration "
    "over seeds). Their misclassified target images are on the Errors page (links below). "
    "Explain picks dataset images from a run's own predictions, so a target image is explained "
    "by choosing the source run there and uploading the image. Paired tests apply only between "
    "items tested on the same images.")
ERRORS_PAGE = "pages/errors.py"


def _default(runs):
    """The latest dataset's runs (at most six) when nothing is chosen yet."""
    latest = runs.sort_values("created_at").iloc[-1]["dataset"]
    return runs[runs["dataset"] == latest].sort_values("created_at")["run_id"].tolist()[-6:]


@st.fragment
def threshold_dependent(sel: Selection, view: str) -> None:
    started = time.perf_counter()
    thresholds = threshold_control(sel.evals, key=f"{KEY}.threshold", names=sel.names)
    ops = operating_points(sel, thresholds)
    for name, tab in zip(TABS, st.tabs(TABS, key="view", bind="query-params")):
        with tab:
            if tab.open:
                for panel in panels.in_tab(name, view):
                    panel.show(sel, ops, key=KEY)
    report_button(
        "Lesionlab comparison",
        lambda: comparison_sections(sel, ops, thresholds, current_state().description, view),
        file_name="lesionlab-comparison.html", key=f"{KEY}.report")
    # Wall time of this fragment's last run, for the speed benchmark and the browser test.
    st.session_state["lesionlab.compare.fragment_s"] = time.perf_counter() - started


st.title("Compare runs")
imports_expander(key=KEY)  # before the run list is read: an import lands in this very run
runs = ok_runs()
if runs.empty:
    empty_store()
    # Compare is where a new user lands to see what the tool does: point to the demo too.
    st.page_link(HOME_PAGE, label="Or train the one-click demo on the Home page",
                 icon=":material/home:")
    st.stop()
ids = run_picker(runs, key=KEY, default=_default)
evals, eval_names = external_picker(key=KEY)
evaluate_form(runs, run_names(runs), key=KEY)
if not ids and not evals:
    st.info("Choose one or more runs above: several models on one dataset, or one model on "
            "several datasets.")
    st.stop()
level, aggregate = level_control(ids + evals, key=KEY)
sel = load_selection(ids + evals, {**run_names(runs), **eval_names}, level=level,
                     aggregate=aggregate)
warnings_banner(sel)
if sel.externals:
    st.caption(EXTERNAL_NOTE)
    for eid in (i for i in sel.externals if i in sel.evals):  # binary: Errors lists them
        st.page_link(ERRORS_PAGE, label=md("Errors of {name}", name=sel.names[eid]),
                     query_params={EXTERNAL_PARAM: eid}, icon=":material/error:")
if sel.binary_ids:
    threshold_dependent(sel, view_control(key=KEY))
if sel.multiclass:
    st.header("Multiclass runs")
    for panel in panels.in_tab(None):
        panel.show(sel, {}, key=KEY)
details_expander(sel)
