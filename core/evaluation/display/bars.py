"""Grouped metric bars with asymmetric confidence intervals.

Why asymmetric error bars: bootstrap intervals of proportions near 0 or 1
are lopsided (a sensitivity of 0.97 cannot go above 1), so drawing
``value ± half-width`` would misstate them.  Plotly's ``error_y`` takes the
upper and lower lengths separately.

An undefined metric (NaN: e.g. precision when nothing is predicted positive)
is drawn as a zero-height bar labelled "n/a" so its slot in the group is not
mistaken for a missing run or for a value of 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._format import NOT_AVAILABLE, Estimate, as_estimate, format_estimate

__all__ = [
    "metric_bars_figure",
    "refresh_metric_bars",
    "binary_per_class_metrics",
    "error_lengths",
]


def error_lengths(estimates: Sequence[Estimate]) -> tuple[np.ndarray, np.ndarray]:
    """``(above, below)`` error-bar lengths; NaN (no bar) where there is no interval.

    An interval that does not contain its point estimate (possible with
    percentile bootstraps) is clipped at the estimate; the hover text still
    shows the true interval.
    """
    above, below = [], []
    for est in estimates:
        if est.ci is None or np.isnan(est.value):
            above.append(np.nan)
            below.append(np.nan)
        else:
            low, high = est.ci
            above.append(max(high - est.value, 0.0))
            below.append(max(est.value - low, 0.0))
    return np.asarray(above, dtype=np.float64), np.asarray(below, dtype=np.float64)


def _metric_order(values: Mapping[str, Mapping[str, Any]], metrics: Sequence[str] | None):
    if metrics is not None:
        return list(metrics)
    order: dict[str, None] = {}
    for per_run in values.values():
        order.update(dict.fromkeys(per_run))
    return list(order)


def _bar_numbers(metrics: Sequence[str], per_run: Mapping[str, Any]) -> dict[str, Any]:
    """The threshold-dependent part of one run's bars: heights, error bars, "n/a", hover.

    The one place these are computed: :func:`metric_bars_figure` and
    :func:`refresh_metric_bars` both take them from here.
    """
    estimates = [as_estimate(per_run.get(m)) for m in metrics]
    heights = np.array([e.value for e in estimates], dtype=np.float64)
    undefined = np.isnan(heights)
    above, below = error_lengths(estimates)
    return dict(
        y=np.where(undefined, 0.0, heights),
        error_y=dict(array=above, arrayminus=below),
        text=[NOT_AVAILABLE if u else "" for u in undefined],
        customdata=[format_estimate(e.value, e.ci) for e in estimates],
    )


def _bar_trace(run: str, metrics: list[str], per_run: Mapping[str, Any], colour: str) -> go.Bar:
    numbers = _bar_numbers(metrics, per_run)
    return go.Bar(
        x=[_style.escape_label(m) for m in metrics],
        y=numbers["y"],
        name=_style.escape_label(run),
        legendgroup=run,
        marker=dict(color=colour),
        error_y=dict(type="data", symmetric=False, **numbers["error_y"],
                     color=_style.ERROR_BAR_COLOUR, thickness=1.5, width=4),
        text=numbers["text"],
        textposition="outside",
        customdata=numbers["customdata"],
        hovertemplate="%{x}: %{customdata}",
        meta=_style.tag(_style.ROLE_CURVE, run),
    )


def metric_bars_figure(
    values: Mapping[str, Mapping[str, Any]],
    *,
    metrics: Sequence[str] | None = None,
    colours: Mapping[str, str] | None = None,
    title: str = "Metrics by run",
    y_title: str = "value",
) -> go.Figure:
    """One bar per (metric, run), grouped by metric, one colour per run.

    ``values`` maps run -> metric -> a number, an :class:`Estimate` or
    ``(value, (low, high))``.  ``metrics`` fixes which metrics appear and in
    what order (default: first-seen order); a metric a run lacks shows as
    "n/a".
    """
    order = _metric_order(values, metrics)
    runs = list(values)
    explicit = [None if colours is None else colours.get(run) for run in runs]
    fig = go.Figure()
    for run, colour in zip(runs, _style.resolve_colours(explicit)):
        fig.add_trace(_bar_trace(run, order, values[run], colour))
    _style.style_figure(fig, title=title, y_title=y_title, legend="right")
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_xaxes(type="category")
    return fig


def refresh_metric_bars(
    template: Mapping[str, Any],
    values: Mapping[str, Mapping[str, Any]],
    *,
    metrics: Sequence[str] | None = None,
) -> go.Figure:
    """:func:`metric_bars_figure` of ``values``, by refilling a cached figure's plotly JSON.

    Why: the bars' layout, colours and legend do not depend on the threshold but building
    them through plotly's validators does cost time on every slider move.  ``template`` is the
    ``to_plotly_json()`` of a :func:`metric_bars_figure` over the same runs and metrics (any
    numbers, e.g. zeros); only heights, error bars, "n/a" labels and hover text are replaced,
    in copies (``template`` is never mutated).  Raises ``ValueError`` when ``template`` was
    drawn for other runs or metrics, which would otherwise put numbers on the wrong bars.
    """
    order = _metric_order(values, metrics)
    labels = [_style.escape_label(m) for m in order]
    runs = [_style.run_of(t) for t in template["data"]]
    if runs != list(values):
        raise ValueError(f"template holds runs {runs}, values {list(values)}")
    traces = []
    for trace, run in zip(template["data"], runs):
        if list(trace["x"]) != labels:
            raise ValueError(f"template shows metrics {list(trace['x'])}, not {labels}")
        numbers = _bar_numbers(order, values[run])
        traces.append({**trace, **numbers,
                       "error_y": {**trace["error_y"], **numbers["error_y"]}})
    return _style.figure_from_json({**template, "data": traces})


def binary_per_class_metrics(
    point: Mapping[str, float],
    cis: Mapping[str, tuple[float, float]] | None = None,
    class_names: tuple[str, str] = ("negative", "positive"),
) -> dict[str, Estimate]:
    """Per-class precision / sensitivity / specificity of a binary run, ready for the bars.

    Why a helper: in a binary problem the per-class numbers are the usual
    ones renamed (precision of class 0 is the NPV; sensitivity of class 0 is
    the specificity; specificity of class 0 is the sensitivity), and getting
    that mapping wrong silently swaps bars.  ``point`` needs ``npv``,
    ``precision``, ``sensitivity`` and ``specificity`` (e.g.
    ``ThresholdMetrics.as_dict()``); ``cis`` uses the same keys.
    """
    cis = cis or {}
    neg, pos = class_names
    mapping = {
        f"precision \u00b7 {neg}": "npv",
        f"precision \u00b7 {pos}": "precision",
        f"sensitivity \u00b7 {neg}": "specificity",
        f"sensitivity \u00b7 {pos}": "sensitivity",
        f"specificity \u00b7 {neg}": "sensitivity",
        f"specificity \u00b7 {pos}": "specificity",
    }
    return {label: Estimate(float(point[key]), cis.get(key)) for label, key in mapping.items()}
