"""Figures for the dashboard: threshold-free ones built once, threshold-dependent ones refreshed.

Why this split: on a 2-core machine building a plotly figure through its validators costs
5-80 ms (a 2 x 2 heatmap ~70 ms, the ROC overlay of 12 runs ~180 ms), so a threshold
slider that rebuilt the figures would lag by seconds.  Everything that does not depend on the
threshold (curves, legends with AUC and CI, layout) is built once by the builders of
:mod:`core.evaluation.display` and kept as a plotly JSON dict (``st.cache_resource``: one copy
per server, never mutated).  A threshold move then only replaces the few numbers that depend on
it - the operating-point markers, the bar heights and error bars -
through the display layer's public ``refresh_*`` functions, which copy the dict and skip the
second validation.  This module owns no drawing of its own: it is the Streamlit caching
around the display layer (which templates to keep, under which keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import plotly.graph_objects as go
import streamlit as st

from core.evaluation import OperatingPoint, auc_difference_matrix, compare_runs, pvalue_matrix
from core.evaluation.display import (
    CalibrationSpec,
    CurveSpec,
    FoldCurves,
    PrCurveSpec,
    binary_per_class_metrics,
    crossval_roc_figure,
    figure_from_json,
    metric_bars_figure,
    pr_overlay_figure,
    pvalue_matrix_figure,
    refresh_metric_bars,
    refresh_operating_points,
    reliability_figure,
    roc_overlay_figure,
)
from core.evaluation.multitest import with_holm
from dashboard.evaluations import evaluation_of

__all__ = [
    "RunRef",
    "figure",
    "roc_base",
    "pr_base",
    "calibration_figure",
    "crossval_figure",
    "pvalue_figure",
    "with_points",
    "per_class_bars",
    "per_class_values",
]

class RunRef(NamedTuple):
    """Everything a cached figure of one run depends on, and nothing else.

    A tuple because it is the cache key of every figure here (``st.cache_resource`` hashes its
    fields); named because six positional strings were read by index before.  Run ids are
    content addresses, so the key can never go stale; the store root is part of it because the
    tests switch stores within one process.
    """

    root: str
    run_id: str
    level: str
    aggregate: str
    #: Display name: what legends and hover texts label the run with.
    name: str
    colour: str

PER_CLASS_METRICS = ("npv", "precision", "specificity", "sensitivity")


#: A figure from a cached spec, without a second validation (the display layer's own).
figure = figure_from_json


def _evaluation(ref: RunRef):
    """A run's evaluation, or an external evaluation's (source validation + external test)."""
    return evaluation_of(ref.run_id, ref.level, ref.aggregate)


# --- threshold-free, cached ----------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64)
def roc_base(refs: tuple[RunRef, ...], title: str = "ROC curves (test split)") -> dict:
    """ROC overlay without markers; legend entries carry AUC and its 95% DeLong CI."""
    specs = []
    for ref in refs:
        ev = _evaluation(ref)
        specs.append(CurveSpec.from_roc(ref.name, ev.roc, auc_ci=(ev.auc.ci_low, ev.auc.ci_high),
                                        colour=ref.colour))
    return roc_overlay_figure(specs, title=title, in_column=True).to_plotly_json()


@st.cache_resource(show_spinner=False, max_entries=64)
def pr_base(refs: tuple[RunRef, ...]) -> dict:
    """PR overlay without markers, each run with its prevalence baseline."""
    specs = [PrCurveSpec.from_pr(ref.name, _evaluation(ref).pr, colour=ref.colour) for ref in refs]
    return pr_overlay_figure(specs, title="Precision-recall curves (test split)",
                             in_column=True).to_plotly_json()


@st.cache_resource(show_spinner=False, max_entries=64)
def calibration_figure(refs: tuple[RunRef, ...]) -> dict:
    specs = [CalibrationSpec.from_result(ref.name, _evaluation(ref).calibration, colour=ref.colour)
             for ref in refs]
    return reliability_figure(specs, show_histogram=True,
                              title="Calibration on the test split").to_plotly_json()


@st.cache_resource(show_spinner=False, max_entries=32)
def crossval_figure(groups: tuple[tuple[str, str, tuple[RunRef, ...]], ...]) -> dict:
    """``groups``: (name, colour, fold refs in fold order) per cross-validated configuration."""
    runs = []
    for name, colour, refs in groups:
        evs = [_evaluation(r) for r in refs]
        runs.append(FoldCurves(name, [(e.roc.fpr, e.roc.tpr) for e in evs],
                               aucs=[e.roc.auc for e in evs], colour=colour))
    return crossval_roc_figure(runs, title="Cross-validated ROC (held-out folds)").to_plotly_json()


@st.cache_resource(show_spinner=False, max_entries=64)
def pairwise(refs: tuple[RunRef, ...]):
    """``(compare_runs table with its Holm column, Holm-adjusted p-value matrix, AUC-difference
    matrix)`` by display name (:func:`core.evaluation.multitest.with_holm`: one family)."""
    evals = {ref.name: _evaluation(ref) for ref in refs}
    table, _ = with_holm(compare_runs(evals))
    if not len(table):
        return table, None, None
    adjusted = pvalue_matrix(table.assign(p_value=table["p_holm"]))
    return table, adjusted, auc_difference_matrix(table).to_numpy()


@st.cache_resource(show_spinner=False, max_entries=64)
def pvalue_figure(refs: tuple[RunRef, ...]) -> dict | None:
    table, matrix, diff = pairwise(refs)
    if matrix is None:
        return None
    return pvalue_matrix_figure(list(matrix.index), matrix.to_numpy(), differences=diff,
                                adjustment="Holm", n_comparisons=int(table["p_holm"].notna().sum()),
                                title="Paired DeLong tests of AUC",
                                tilt_names=True).to_plotly_json()


# --- threshold-dependent: a cached template, refreshed by the display layer ---------------


#: ``with_points(base, points)``: a :func:`roc_base` / :func:`pr_base` dict with one marker per
#: run at its operating point.
with_points = refresh_operating_points


def per_class_values(ops: Mapping[str, OperatingPoint], class_names: Mapping[str, Sequence[str]]
                     ) -> dict[str, dict]:
    """Per-class precision, sensitivity and specificity with CIs, per run, for the bars.

    Bars are grouped by metric label, which names the classes; runs with other class names
    (another dataset) get their own groups.
    """
    out = {}
    for name, op in ops.items():
        point = op.metrics.as_dict()
        cis = {m: tuple(op.ci[m]) for m in PER_CLASS_METRICS}
        neg, pos = class_names[name][:2]
        out[name] = binary_per_class_metrics(point, cis, (neg, pos))
    return out


@st.cache_resource(show_spinner=False, max_entries=64)
def _bars_template(names: tuple[str, ...], colours: tuple[str, ...],
                   metrics: tuple[str, ...]) -> dict:
    zero = {n: {m: 0.0 for m in metrics} for n in names}
    return metric_bars_figure(zero, metrics=list(metrics), colours=dict(zip(names, colours)),
                              title="Per-class precision and sensitivity "
                                    "(95% bootstrap CI)").to_plotly_json()


def per_class_bars(values: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str]
                   ) -> go.Figure:
    """The bars of :func:`core.evaluation.display.metric_bars_figure`, refreshed in place."""
    names = tuple(values)
    metrics = tuple(dict.fromkeys(m for per_run in values.values() for m in per_run))
    template = _bars_template(names, tuple(colours[n] for n in names), metrics)
    return refresh_metric_bars(template, values, metrics=metrics)
