"""Precision-recall overlay with each run's prevalence baseline.

Why PR next to ROC: with few malignant cases the ROC curve looks flattering
because the false-positive rate hides a large absolute number of false
alarms; precision does not.  A PR curve is only readable against its
baseline, the prevalence (a random classifier's precision), so each run gets
a dotted baseline in its colour and the prevalence in its legend entry.

Drawing convention (scikit-learn's): precision ``p[k]`` holds from
``recall[k]`` until ``recall[k+1]``, a step plot whose area is exactly the
step-wise average precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from . import _style
from ._format import format_estimate, format_number
from ._overlay import curve_trace, fit_column, operating_point_trace
from .simplify import DEFAULT_MAX_POINTS

__all__ = ["PrCurveSpec", "pr_overlay_figure", "pr_legend_label"]

PR_AXES = ("recall", "precision")


@dataclass(frozen=True, eq=False)
class PrCurveSpec:
    """One run's PR curve; ``operating_point`` is ``(recall, precision)``."""

    name: str
    recall: Any
    precision: Any
    average_precision: float | None = None
    ap_ci: tuple[float, float] | None = None
    prevalence: float | None = None
    operating_point: tuple[float, float] | None = None
    colour: str | None = None
    thresholds: Any = None

    @classmethod
    def from_pr(
        cls,
        name: str,
        pr: Any,
        *,
        ap_ci: tuple[float, float] | None = None,
        operating_point: tuple[float, float] | None = None,
        colour: str | None = None,
    ) -> PrCurveSpec:
        """From anything shaped like :class:`core.evaluation.curves.PrCurve`."""
        return cls(name, pr.recall, pr.precision, pr.average_precision, ap_ci, pr.prevalence,
                   operating_point, colour, pr.thresholds)


def pr_legend_label(name: str, ap: float | None, ap_ci: tuple[float, float] | None,
                    prevalence: float | None) -> str:
    """``"name — AP 0.812 (0.780–0.840) · prevalence 0.231"``."""
    parts = [_style.escape_label(name)]
    if ap is not None:
        parts.append(f" \u2014 AP {format_estimate(ap, ap_ci)}")
    if prevalence is not None:
        parts.append(f" \u00b7 prevalence {format_number(prevalence)}")
    return "".join(parts)


def pr_overlay_figure(
    curves: Sequence[PrCurveSpec],
    *,
    title: str = "Precision-recall curves",
    max_points: int = DEFAULT_MAX_POINTS,
    in_column: bool = False,
) -> go.Figure:
    """PR curves of several runs; baselines first, curves, then operating-point markers.

    ``in_column`` as for :func:`core.evaluation.display.roc_overlay_figure`; the markers of
    a cached template move with :func:`core.evaluation.display.refresh_operating_points`.
    """
    _style.require_unique_names([c.name for c in curves])
    colours = _style.resolve_colours([c.colour for c in curves])
    fig = go.Figure()
    for spec, colour in zip(curves, colours):
        if spec.prevalence is not None:
            fig.add_trace(_style.reference_line(
                [0, 1], [spec.prevalence] * 2, name=f"{spec.name} baseline",
                dash="dot", colour=colour, run=spec.name,
            ))
    for spec, colour in zip(curves, colours):
        fig.add_trace(curve_trace(
            spec.name, spec.recall, spec.precision,
            label=pr_legend_label(spec.name, spec.average_precision, spec.ap_ci,
                                  spec.prevalence),
            colour=colour, axis_names=PR_AXES, thresholds=spec.thresholds, step=True,
            max_points=max_points,
        ))
    for spec, colour in zip(curves, colours):
        if spec.operating_point is not None:
            fig.add_trace(operating_point_trace(
                spec.name, spec.operating_point, colour=colour, axis_names=PR_AXES
            ))
    _style.style_figure(
        fig, title=title, x_title="Recall (sensitivity)", y_title="Precision (PPV)",
        legend="right",
    )
    _style.unit_axes(fig)
    return fit_column(fig) if in_column else fig
