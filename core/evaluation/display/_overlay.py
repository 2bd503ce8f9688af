"""Curve and operating-point traces shared by the ROC and PR overlays.

Why the operating points are separate traces: in the dashboard the user
drags a threshold slider.  The curves are threshold-free and expensive to
prepare (50,000-point curves are simplified once); only the markers move.
Keeping the markers in their own traces, tagged with
``meta["role"] == "operating_point"``, lets :func:`with_operating_points`
swap them on a cached figure without re-simplifying any curve (~10 ms per run), and
:func:`refresh_operating_points` do the same on the figure's plotly JSON without even
re-validating the curves (what a threshold slider needs).  Both go through one marker
definition, so the fast path cannot drift from the builders.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import _style
from .simplify import simplify_polyline, step_vertices

__all__ = [
    "curve_trace",
    "operating_point_trace",
    "with_operating_points",
    "refresh_operating_points",
    "fit_column",
]

Point = tuple[float, float]


def _checked_thresholds(thresholds, n: int) -> np.ndarray | None:
    """Thresholds as floats; sklearn's PR thresholds are one shorter than the curve."""
    if thresholds is None:
        return None
    t = np.asarray(thresholds, dtype=np.float64).ravel()
    if t.shape[0] not in (n, n - 1):
        raise ValueError(f"thresholds has {t.shape[0]} entries for a curve of {n} points")
    return t


def _threshold_text(thresholds: np.ndarray | None, source: np.ndarray) -> list[str]:
    """Hover line for each kept point; ``source < 0`` marks an inserted step corner."""
    if thresholds is None:
        return [""] * source.shape[0]
    text = []
    for i in source.tolist():
        value = thresholds[i] if 0 <= i < thresholds.shape[0] else np.nan
        if np.isposinf(value):
            text.append("threshold: above every score")
        elif np.isfinite(value):
            text.append(f"threshold \u2265 {value:.3f}")
        else:
            text.append("")
    return text


def curve_trace(
    run: str,
    x,
    y,
    *,
    label: str,
    colour: str,
    axis_names: tuple[str, str],
    thresholds=None,
    step: bool = False,
    max_points: int,
) -> go.Scatter:
    """One run's curve, simplified to ``max_points`` and tagged with its run name.

    ``step=True`` draws ``y[k]`` held until ``x[k+1]`` (the PR convention of
    scikit-learn); the corners are made explicit first so simplifying them
    keeps the step shape.
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    thresholds = _checked_thresholds(thresholds, xa.shape[0])
    source = np.arange(xa.shape[0])
    if step:
        xa, ya, source = step_vertices(xa, ya)
        source = np.where(np.arange(xa.shape[0]) % 2 == 1, -1, source)  # corners: no threshold
    keep = simplify_polyline(xa, ya, max_points=max_points)
    x_name, y_name = axis_names
    return go.Scatter(
        x=xa[keep],
        y=ya[keep],
        mode="lines",
        name=label,
        legendgroup=run,
        line=dict(color=colour, width=2.5),
        text=_threshold_text(thresholds, source[keep]),
        hovertemplate=f"{x_name} %{{x:.3f}}<br>{y_name} %{{y:.3f}}<br>%{{text}}",
        meta=_style.tag(_style.ROLE_CURVE, run, axis_names=list(axis_names)),
    )


def _marker(run: str, point: Point, colour: str, axis_names: Sequence[str]) -> dict[str, Any]:
    """The one definition of an operating-point marker, as plotly JSON (``type`` included)."""
    px, py = (float(v) for v in point)
    x_name, y_name = axis_names
    return dict(
        type="scatter",
        x=[px],
        y=[py],
        mode="markers",
        name=_style.escape_label(run),
        legendgroup=run,
        showlegend=False,
        marker=dict(size=13, color=colour, line=dict(color=_style.MARKER_OUTLINE, width=1.5)),
        hovertemplate=f"operating point<br>{x_name} %{{x:.3f}}<br>{y_name} %{{y:.3f}}",
        meta=_style.tag(_style.ROLE_OPERATING_POINT, run),
    )


def operating_point_trace(
    run: str, point: Point, *, colour: str, axis_names: tuple[str, str]
) -> go.Scatter:
    """A single marker at ``point``; hidden from the legend (its curve carries the name)."""
    return go.Scatter(_marker(run, point, colour, axis_names))


def _shows(point: Point | None) -> bool:
    """A marker is drawn only at a finite point: an undefined precision (nothing predicted
    positive) has no place on the plot, and a NaN marker would be an invisible trace."""
    return point is not None and all(math.isfinite(float(v)) for v in point)


def _curves_of(traces: Sequence[Any], points: Mapping[str, Point | None]) -> dict[str, Any]:
    """Run -> its curve trace (objects or plotly JSON); ``KeyError`` for a point without one."""
    curves = {_style.run_of(t): t for t in traces if _style.role_of(t) == _style.ROLE_CURVE}
    unknown = [run for run in points if run not in curves]
    if unknown:
        raise KeyError(f"no curve for run(s) {unknown}; figure has {sorted(curves)}")
    return curves


def _new_markers(curves: Mapping[str, Any], points: Mapping[str, Point | None]
                 ) -> list[dict[str, Any]]:
    """The markers for ``points``, each in its curve's colour and with its curve's axis names."""
    return [_marker(run, point, curves[run]["line"]["color"],
                    curves[run]["meta"].get("axis_names", ("x", "y")))
            for run, point in points.items() if _shows(point)]


def refresh_operating_points(template: Mapping[str, Any], points: Mapping[str, Point | None]
                             ) -> go.Figure:
    """The ROC or PR overlay ``template`` (its ``to_plotly_json()``) with markers at ``points``.

    The fast twin of :func:`with_operating_points`, for a threshold slider: curves, legend
    and layout are reused from the cached ``template`` as they are (never mutated, never
    validated again, see :func:`._style.figure_from_json`), only the markers are new.  Same
    rules: ``points`` maps run -> ``(x, y)``; ``None`` or a non-finite point draws no marker;
    a run without a curve raises ``KeyError``.
    """
    traces = template["data"]
    curves = _curves_of(traces, points)
    kept = [t for t in traces if _style.role_of(t) != _style.ROLE_OPERATING_POINT]
    return _style.figure_from_json({**template, "data": kept + _new_markers(curves, points)})


def with_operating_points(fig: go.Figure, points: Mapping[str, Point | None]) -> go.Figure:
    """Copy of ``fig`` whose operating-point markers are exactly ``points``.

    ``points`` maps run name -> ``(x, y)`` (``(fpr, tpr)`` on a ROC figure,
    ``(recall, precision)`` on a PR figure); runs that are absent, map to ``None`` or to a
    non-finite point get no marker.  Curves, reference lines and layout are copied
    untouched, so this is cheap enough to call on every slider move::

        base = roc_overlay_figure(specs)          # cache this (st.cache_data)
        t = st.slider("threshold", 0.0, 1.0, 0.5)
        points = {name: (1 - m.specificity, m.sensitivity)
                  for name, m in metrics_at(t).items()}   # O(log n) per run
        st.plotly_chart(with_operating_points(base, points))

    The result is a validated figure; a cached template kept as plotly JSON is refreshed
    faster by :func:`refresh_operating_points`.  Raises ``KeyError`` for a run the figure
    has no curve for (a typo would otherwise silently drop the marker).
    """
    curves = _curves_of(fig.data, points)
    out = go.Figure(fig)
    out.data = tuple(t for t in out.data if _style.role_of(t) != _style.ROLE_OPERATING_POINT)
    out.add_traces([go.Scatter(m) for m in _new_markers(curves, points)])
    return out


def fit_column(fig: go.Figure) -> go.Figure:
    """Lay an overlay out for a half-width column, in place.

    In a narrow column a legend inside the plot would cover the curves: it goes below the
    plot, each entry on two lines (run, then AUC / AP), and the figure grows with the number
    of runs.  The axes are not forced square: in a column of unknown width a square plot
    leaves a gap above the legend.
    """
    curves = [t for t in fig.data if _style.role_of(t) == _style.ROLE_CURVE]
    for trace in curves:
        if trace.name:
            trace.name = trace.name.replace(" \u2014 ", "<br>", 1)
    fig.update_layout(legend=dict(orientation="v", x=0.0, y=-0.19, xanchor="left",
                                  yanchor="top", font=dict(size=11)),
                      height=470 + 36 * len(curves), margin=dict(l=60, r=20, t=60, b=50))
    fig.layout.yaxis.scaleanchor = None
    return fig
