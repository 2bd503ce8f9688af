"""Figures for the dashboard: threshold-free ones built once, threshold-dependent ones refreshed.

Why this split: on a 2-core machine building a plotly figure through its validators costs
5-80 ms (a 2 x 2 confusion heatmap ~70 ms, the ROC overlay of 12 runs ~180 ms), so a threshold
slider that rebuilt the figures would lag by seconds.  Everything that does not depend on the
threshold (curves, legends with AUC and CI, layout) is built once by the builders of
:mod:`core.evaluation.display` and kept as a plotly JSON dict (``st.cache_resource``: one copy
per server, never mutated).  A threshold move then only replaces the few numbers that depend on
it - the operating-point markers, the confusion-matrix cells, the bar heights and error bars -
in a shallow copy of that dict, and wraps it in a figure without re-validating what the
builders already validated (``_validate=False``, plotly's own switch for this).  The tests
check that every refreshed figure carries exactly the numbers the builders would produce.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.evaluation import OperatingPoint, compare_runs, pvalue_matrix
from core.evaluation.display import (
    CalibrationSpec,
    CurveSpec,
    FoldCurves,
    PrCurveSpec,
    binary_per_class_metrics,
    crossval_roc_figure,
    metric_bars_figure,
    pr_overlay_figure,
    pvalue_matrix_figure,
    reliability_figure,
    roc_overlay_figure,
)
from core.evaluation.display import _style
from core.evaluation.display._format import as_estimate, format_estimate, NOT_AVAILABLE
from core.evaluation.display.bars import error_lengths
from core.evaluation.display.confusion import confusion_cell_text, row_fractions
from dashboard import data

__all__ = [
    "RunRef",
    "figure",
    "roc_base",
    "pr_base",
    "calibration_figure",
    "crossval_figure",
    "pvalue_figure",
    "with_points",
    "confusion_grid",
    "per_class_bars",
    "per_class_values",
]

#: (store root, run_id, level, aggregate, display name, colour): everything a cached figure of
#: one run depends on.  Run ids are content addresses, so the key can never go stale.
RunRef = tuple[str, str, str, str, str, str]

PER_CLASS_METRICS = ("npv", "precision", "specificity", "sensitivity")


def figure(spec: Mapping[str, Any]) -> go.Figure:
    """A figure from a spec that came out of a validated figure (no second validation)."""
    return go.Figure(dict(spec), skip_invalid=False, _validate=False)


def _evaluation(ref: RunRef):
    _, run_id, level, aggregate, _, _ = ref
    return data.load_evaluation(run_id, level, aggregate)


# --- threshold-free, cached ----------------------------------------------------------------


def _legend_below(fig: go.Figure, n: int) -> go.Figure:
    """Overlays sit in half-width columns, where a legend inside the plot would cover the
    curves: it goes below the plot, each entry on two lines (run, then AUC / AP), and the
    figure grows with the number of runs.  The axes are not forced square here: in a column
    of unknown width a square plot leaves a gap above the legend."""
    for trace in fig.data:
        if _style.role_of(trace) == _style.ROLE_CURVE and trace.name:
            trace.name = trace.name.replace(" \u2014 ", "<br>", 1)
    fig.update_layout(legend=dict(orientation="v", x=0.0, y=-0.19, xanchor="left",
                                  yanchor="top", font=dict(size=11)),
                      height=470 + 36 * n, margin=dict(l=60, r=20, t=60, b=50))
    fig.layout.yaxis.scaleanchor = None
    return fig


def wrap_name(name: str) -> str:
    """A run name on two lines at its ' · ' separators (escaped for plotly)."""
    return "<br>".join(_style.escape_label(part) for part in name.split(" · ", 1))


@st.cache_resource(show_spinner=False, max_entries=64)
def roc_base(refs: tuple[RunRef, ...], title: str = "ROC curves (test split)") -> dict:
    """ROC overlay without markers; legend entries carry AUC and its 95% DeLong CI."""
    specs = []
    for ref in refs:
        ev = _evaluation(ref)
        specs.append(CurveSpec.from_roc(ref[4], ev.roc, auc_ci=(ev.auc.ci_low, ev.auc.ci_high),
                                        colour=ref[5]))
    return _legend_below(roc_overlay_figure(specs, title=title), len(refs)).to_plotly_json()


@st.cache_resource(show_spinner=False, max_entries=64)
def pr_base(refs: tuple[RunRef, ...]) -> dict:
    """PR overlay without markers, each run with its prevalence baseline."""
    specs = [PrCurveSpec.from_pr(ref[4], _evaluation(ref).pr, colour=ref[5]) for ref in refs]
    fig = pr_overlay_figure(specs, title="Precision-recall curves (test split)")
    return _legend_below(fig, len(refs)).to_plotly_json()


@st.cache_resource(show_spinner=False, max_entries=64)
def calibration_figure(refs: tuple[RunRef, ...]) -> dict:
    specs = [CalibrationSpec.from_result(ref[4], _evaluation(ref).calibration, colour=ref[5])
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
    """``(compare_runs table, p-value matrix, AUC-difference matrix)`` by display name."""
    evals = {ref[4]: _evaluation(ref) for ref in refs}
    table = compare_runs(evals)
    matrix = pvalue_matrix(table) if len(table) else None
    diff = None
    if matrix is not None:
        diff = np.full(matrix.shape, np.nan)
        pos = {n: i for i, n in enumerate(matrix.index)}
        for a, b, d in table[["run_a", "run_b", "auc_difference"]].itertuples(index=False):
            diff[pos[a], pos[b]], diff[pos[b], pos[a]] = d, -d
    return table, matrix, diff


@st.cache_resource(show_spinner=False, max_entries=64)
def pvalue_figure(refs: tuple[RunRef, ...]) -> dict | None:
    _, matrix, diff = pairwise(refs)
    if matrix is None:
        return None
    fig = pvalue_matrix_figure(list(matrix.index), matrix.to_numpy(), differences=diff,
                               title="Paired DeLong tests of AUC")
    # Long run names under a rotated axis would run into the footnote: make room for them.
    longest = max(len(str(n)) for n in matrix.index)
    bottom = 70 + int(4.2 * longest)
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(margin=dict(b=bottom), height=(fig.layout.height or 420) + bottom - 110)
    fig.layout.annotations[-1].update(y=0, yshift=-(bottom - 20))
    return fig.to_plotly_json()


# --- threshold-dependent, refreshed --------------------------------------------------------


def with_points(base: Mapping[str, Any], points: Mapping[str, tuple[float, float] | None]
                ) -> go.Figure:
    """``base`` (an overlay from :func:`roc_base` / :func:`pr_base`) plus one marker per run.

    The same markers :func:`core.evaluation.display.with_operating_points` adds, without
    copying the curves through plotly's validators.  Unknown runs raise ``KeyError``.
    """
    curves = {}
    kept = []
    for trace in base["data"]:
        role = (trace.get("meta") or {}).get("role")
        if role == _style.ROLE_OPERATING_POINT:
            continue
        if role == _style.ROLE_CURVE:
            curves[trace["meta"]["run"]] = trace
        kept.append(trace)
    unknown = [run for run in points if run not in curves]
    if unknown:
        raise KeyError(f"no curve for run(s) {unknown}; figure has {sorted(curves)}")
    for run, point in points.items():
        if point is None or not all(math.isfinite(v) for v in point):
            continue
        curve = curves[run]
        x_name, y_name = curve["meta"].get("axis_names", ("x", "y"))
        kept.append(dict(
            type="scatter", x=[float(point[0])], y=[float(point[1])], mode="markers",
            name=_style.escape_label(run), legendgroup=run, showlegend=False,
            marker=dict(size=13, color=curve["line"]["color"],
                        line=dict(color=_style.MARKER_OUTLINE, width=1.5)),
            hovertemplate=f"operating point<br>{x_name} %{{x:.3f}}<br>{y_name} %{{y:.3f}}",
            meta=_style.tag(_style.ROLE_OPERATING_POINT, run),
        ))
    return figure({"data": kept, "layout": base["layout"]})


def grid_shape(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = max(1, min(n, max_cols))
    return math.ceil(n / cols), cols


@st.cache_resource(show_spinner=False, max_entries=64)
def _confusion_template(names: tuple[str, ...], class_names: tuple[tuple[str, ...], ...]
                        ) -> dict:
    rows, cols = grid_shape(len(names))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[wrap_name(n) for n in names],
                        horizontal_spacing=0.3 / cols, vertical_spacing=0.35 / rows)
    for i, (name, classes) in enumerate(zip(names, class_names)):
        labels = [_style.escape_label(c) for c in classes]
        k = len(labels)
        fig.add_trace(go.Heatmap(
            z=np.zeros((k, k)), x=labels, y=labels, text=np.full((k, k), "").tolist(),
            texttemplate="%{text}", textfont=dict(size=14), colorscale=_style.SEQUENTIAL_SCALE,
            zmin=0, zmax=1, showscale=i == 0, name=_style.escape_label(name),
            colorbar=dict(title=dict(text="share of<br>true class"), thickness=12),
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
            meta=_style.tag(_style.ROLE_CELLS, name),
        ), row=i // cols + 1, col=i % cols + 1)
    _style.style_figure(fig, title="Confusion matrices (test split): count and % of true class",
                        height=340 * rows + 90)
    fig.update_xaxes(type="category", showgrid=False, title_text="predicted", side="bottom")
    fig.update_yaxes(type="category", showgrid=False, autorange="reversed")
    fig.update_yaxes(title_text="true", col=1)
    fig.update_annotations(font=dict(size=12))
    fig.update_layout(margin=dict(t=110))
    return fig.to_plotly_json()


def confusion_grid(matrices: Mapping[str, np.ndarray],
                   class_names: Mapping[str, Sequence[str]]) -> go.Figure:
    """One confusion heatmap per run (counts and row % in each cell; colour = row share)."""
    names = tuple(matrices)
    template = _confusion_template(names, tuple(tuple(class_names[n]) for n in names))
    data_ = []
    for trace, name in zip(template["data"], names):
        m = np.asarray(matrices[name], dtype=np.float64)
        data_.append({**trace, "z": np.where(np.isnan(m), np.nan, row_fractions(m)).tolist(),
                      "text": confusion_cell_text(m).tolist()})
    return figure({"data": data_, "layout": template["layout"]})


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
                              title="Per-class precision, sensitivity and specificity "
                                    "(95% bootstrap CI)").to_plotly_json()


def per_class_bars(values: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str]
                   ) -> go.Figure:
    """The bars of :func:`core.evaluation.display.metric_bars_figure`, refreshed in place."""
    names = tuple(values)
    metrics: dict[str, None] = {}
    for per_run in values.values():
        metrics.update(dict.fromkeys(per_run))
    template = _bars_template(names, tuple(colours[n] for n in names), tuple(metrics))
    traces = []
    for trace, name in zip(template["data"], names):
        estimates = [as_estimate(values[name].get(m)) for m in metrics]
        heights = np.array([e.value for e in estimates], dtype=np.float64)
        undefined = np.isnan(heights)
        above, below = error_lengths(estimates)
        traces.append({
            **trace,
            "y": np.where(undefined, 0.0, heights),
            "error_y": {**trace["error_y"], "array": above, "arrayminus": below},
            "text": [NOT_AVAILABLE if u else "" for u in undefined],
            "customdata": [format_estimate(e.value, e.ci) for e in estimates],
        })
    return figure({"data": traces, "layout": template["layout"]})
