"""Curve and operating-point traces shared by the ROC and PR overlays.

Why the operating points are separate traces: in the dashboard the user
drags a threshold slider.  The curves are threshold-free and expensive to
prepare (50,000-point curves are simplified once); only the markers move.
Keeping the markers in their own traces, tagged with
``meta["role"] == "operating_point"``, lets :func:`with_operating_points`
swap them on a cached figure without re-simplifying any curve (~10 ms per run).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import _style
from .simplify import simplify_polyline, step_vertices

__all__ = ["curve_trace", "operating_point_trace", "with_operating_points"]

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


def operating_point_trace(
    run: str, point: Point, *, colour: str, axis_names: tuple[str, str]
) -> go.Scatter:
    """A single marker at ``point``; hidden from the legend (its curve carries the name)."""
    px, py = (float(v) for v in point)
    x_name, y_name = axis_names
    return go.Scatter(
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


def _curves_by_run(fig: go.Figure) -> dict[str, Any]:
    return {
        _style.run_of(t): t for t in fig.data if _style.role_of(t) == _style.ROLE_CURVE
    }


def with_operating_points(fig: go.Figure, points: Mapping[str, Point | None]) -> go.Figure:
    """Copy of ``fig`` whose operating-point markers are exactly ``points``.

    ``points`` maps run name -> ``(x, y)`` (``(fpr, tpr)`` on a ROC figure,
    ``(recall, precision)`` on a PR figure); runs that are absent or map to
    ``None`` get no marker.  Curves, reference lines and layout are copied
    untouched, so this is cheap enough to call on every slider move::

        base = roc_overlay_figure(specs)          # cache this (st.cache_data)
        t = st.slider("threshold", 0.0, 1.0, 0.5)
        points = {name: (1 - m.specificity, m.sensitivity)
                  for name, m in metrics_at(t).items()}   # O(log n) per run
        st.plotly_chart(with_operating_points(base, points))

    Raises ``KeyError`` for a run the figure has no curve for (a typo would
    otherwise silently drop the marker).
    """
    curves = _curves_by_run(fig)
    unknown = [run for run in points if run not in curves]
    if unknown:
        raise KeyError(f"no curve for run(s) {unknown}; figure has {sorted(curves)}")
    out = go.Figure(fig)
    out.data = tuple(t for t in out.data if _style.role_of(t) != _style.ROLE_OPERATING_POINT)
    for run, point in points.items():
        if point is None:
            continue
        curve = curves[run]
        axis_names = tuple(curve.meta.get("axis_names", ("x", "y")))
        out.add_trace(
            operating_point_trace(run, point, colour=curve.line.color, axis_names=axis_names)
        )
    return out
