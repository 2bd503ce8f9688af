"""Decision curves: net benefit against threshold probability, with "treat all" and "treat none".

Why this figure: it answers the clinician's question AUC cannot - at the risk at which I would
act, does acting on this model do more good than biopsying everyone or no one? A curve is worth
following only where it lies above both reference lines. The numbers come from
:func:`core.evaluation.decision_curve.decision_curve` (or any caller, as plain arrays).

Each run's pointwise bootstrap band is drawn as a pair of traces (lower, then upper filled to
it), its curve through the same ``curve_trace`` as the ROC and PR overlays, and its current
decision threshold as an operating-point marker at ``(threshold, net benefit there)``. Because
curves and markers follow the overlays' roles, a cached template's markers move with
:func:`core.evaluation.display.refresh_operating_points` (tested to equal a fresh build), which
:func:`refresh_decision_markers` names for this figure.

The y axis is cut a little below 0: "treat all" falls towards minus infinity as the threshold
nears 1, and left uncut it would squash every model curve into a flat line at the top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._overlay import curve_trace, operating_point_trace, refresh_operating_points
from .simplify import DEFAULT_MAX_POINTS

__all__ = ["DecisionCurveSpec", "decision_curve_figure", "refresh_decision_markers"]

DC_AXES = ("threshold probability", "net benefit")


@dataclass(frozen=True, eq=False)
class DecisionCurveSpec:
    """One run's decision curve; ``lower``/``upper`` the band (optional); ``operating_point``
    ``(threshold, net benefit)`` at the run's decision threshold."""

    name: str
    thresholds: Any
    net_benefit: Any
    lower: Any = None
    upper: Any = None
    operating_point: tuple[float, float] | None = None
    colour: str | None = None

    @classmethod
    def from_curve(cls, name: str, curve: Any, *,
                   operating_point: tuple[float, float] | None = None,
                   colour: str | None = None) -> DecisionCurveSpec:
        """From anything shaped like :class:`core.evaluation.decision_curve.DecisionCurve`."""
        return cls(name, curve.thresholds, curve.net_benefit, curve.lower, curve.upper,
                   operating_point, colour)


def _band(spec: DecisionCurveSpec, colour: str) -> list[go.Scatter]:
    if spec.lower is None or spec.upper is None:
        return []
    low = np.asarray(spec.lower, dtype=np.float64)
    if not np.isfinite(low).any():
        return []
    band = dict(mode="lines", legendgroup=spec.name, showlegend=False, hoverinfo="skip",
                line=dict(width=0), meta=_style.tag(_style.ROLE_BAND, spec.name))
    x = np.asarray(spec.thresholds, dtype=np.float64)
    return [go.Scatter(x=x, y=low, **band),
            go.Scatter(x=x, y=np.asarray(spec.upper, dtype=np.float64), fill="tonexty",
                       fillcolor=_style.with_alpha(colour, 0.15), **band)]


def _references(thresholds, treat_all) -> list[go.Scatter]:
    x = np.asarray(thresholds, dtype=np.float64)
    none = _style.reference_line([float(x.min()), float(x.max())], [0.0, 0.0],
                                 name="treat none", dash="dot")
    lines = [none]
    if treat_all is not None:
        lines.append(_style.reference_line(x, np.asarray(treat_all, dtype=np.float64),
                                           name="treat all", dash="dash"))
    for line in lines:
        line.showlegend = True
    return lines


def _y_range(curves: Sequence[DecisionCurveSpec], treat_all) -> list[float]:
    """From a little below 0 to just above the highest curve, band or "treat all" value."""
    parts = [np.asarray(c.net_benefit, float).ravel() for c in curves]
    parts += [np.asarray(c.upper, float).ravel() for c in curves if c.upper is not None]
    if treat_all is not None:
        parts.append(np.asarray(treat_all, float).ravel())
    values = np.concatenate(parts)
    values = values[np.isfinite(values)]
    top = max(float(values.max()) if values.size else 0.0, 0.01)
    return [-0.15 * top, 1.1 * top]


def decision_curve_figure(
    curves: Sequence[DecisionCurveSpec],
    *,
    treat_all: Any = None,
    title: str = "Decision curves",
    max_points: int = DEFAULT_MAX_POINTS,
) -> go.Figure:
    """References (treat none, treat all), then per run its band and curve, then the markers.

    ``treat_all``: the "treat all" net benefit on the first curve's thresholds (the runs of one
    comparison share a test set, hence a prevalence); None leaves it out.
    """
    if not curves:
        raise ValueError("need at least one decision curve")
    _style.require_unique_names([c.name for c in curves])
    colours = _style.resolve_colours([c.colour for c in curves])
    fig = go.Figure(_references(curves[0].thresholds, treat_all))
    for spec, colour in zip(curves, colours):
        fig.add_traces(_band(spec, colour))
        fig.add_trace(curve_trace(spec.name, spec.thresholds, spec.net_benefit,
                                  label=_style.escape_label(spec.name), colour=colour,
                                  axis_names=DC_AXES, max_points=max_points))
    for spec, colour in zip(curves, colours):
        if spec.operating_point is not None:
            fig.add_trace(operating_point_trace(spec.name, spec.operating_point, colour=colour,
                                                axis_names=DC_AXES))
    _style.style_figure(fig, title=title, x_title="Threshold probability (risk at which to act)",
                        y_title="Net benefit (true positives per patient)", legend="right")
    fig.update_xaxes(range=[0.0, 1.0])
    fig.update_yaxes(range=_y_range(curves, treat_all))
    return fig


def refresh_decision_markers(template: Mapping[str, Any],
                             points: Mapping[str, tuple[float, float] | None]) -> go.Figure:
    """The decision-curve ``template`` (its ``to_plotly_json()``) with each run's marker at
    ``points[run] = (threshold, net benefit)``: the overlays' marker refresh, same rules (None
    or a non-finite point draws no marker; an unknown run raises ``KeyError``)."""
    return refresh_operating_points(template, points)
