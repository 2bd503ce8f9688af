"""ROC overlay: one curve per run, chance diagonal, optional operating points.

Why an overlay: the point of Lesionlab is comparing runs on the same test
set, and AUC differences only mean something next to their confidence
intervals, so the legend carries both.  The builder takes plain arrays (or a
:class:`core.evaluation.curves.RocCurve`, read by attribute) so it works with
any caller.  Operating points live in their own traces; see
:func:`core.evaluation.display.with_operating_points` for the slider pattern and
:func:`core.evaluation.display.refresh_operating_points` for its fast form on a cached
template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from . import _style
from ._format import format_estimate
from ._overlay import curve_trace, fit_column, operating_point_trace
from .simplify import DEFAULT_MAX_POINTS

__all__ = ["CurveSpec", "roc_overlay_figure", "roc_legend_label"]

ROC_AXES = ("FPR", "TPR")


@dataclass(frozen=True, eq=False)
class CurveSpec:
    """One run's ROC curve as the figure needs it.

    ``x``/``y`` are FPR/TPR in curve order; ``thresholds`` (optional, same
    length) only feed the hover text; ``operating_point`` is ``(fpr, tpr)``.
    """

    name: str
    x: Any
    y: Any
    auc: float | None = None
    auc_ci: tuple[float, float] | None = None
    operating_point: tuple[float, float] | None = None
    colour: str | None = None
    thresholds: Any = None

    @classmethod
    def from_roc(
        cls,
        name: str,
        roc: Any,
        *,
        auc_ci: tuple[float, float] | None = None,
        operating_point: tuple[float, float] | None = None,
        colour: str | None = None,
    ) -> CurveSpec:
        """From anything with ``fpr``, ``tpr``, ``thresholds`` and ``auc`` (e.g. ``RocCurve``)."""
        return cls(name, roc.fpr, roc.tpr, roc.auc, auc_ci, operating_point, colour,
                   roc.thresholds)


def roc_legend_label(name: str, auc: float | None, auc_ci: tuple[float, float] | None) -> str:
    """``"name — AUC 0.912 (0.880–0.940)"`` (name escaped for plotly)."""
    label = _style.escape_label(name)
    if auc is None:
        return label
    return f"{label} \u2014 AUC {format_estimate(auc, auc_ci)}"


def roc_overlay_figure(
    curves: Sequence[CurveSpec],
    *,
    title: str = "ROC curves",
    max_points: int = DEFAULT_MAX_POINTS,
    show_chance: bool = True,
    in_column: bool = False,
) -> go.Figure:
    """ROC curves of several runs on one square plot.

    Trace order: chance diagonal, one curve per run, then one marker per run
    that has an operating point (markers last so they draw on top).  ``in_column=True`` lays
    it out for a half-width column (legend below, not square: see ``_overlay.fit_column``).
    Built without operating points it is the template :func:`refresh_operating_points`
    moves the markers on.
    """
    _style.require_unique_names([c.name for c in curves])
    colours = _style.resolve_colours([c.colour for c in curves])
    fig = go.Figure()
    if show_chance:
        fig.add_trace(_style.reference_line([0, 1], [0, 1], name="chance"))
    for spec, colour in zip(curves, colours):
        fig.add_trace(curve_trace(
            spec.name, spec.x, spec.y,
            label=roc_legend_label(spec.name, spec.auc, spec.auc_ci),
            colour=colour, axis_names=ROC_AXES, thresholds=spec.thresholds,
            max_points=max_points,
        ))
    for spec, colour in zip(curves, colours):
        if spec.operating_point is not None:
            fig.add_trace(operating_point_trace(
                spec.name, spec.operating_point, colour=colour, axis_names=ROC_AXES
            ))
    _style.style_figure(
        fig, title=title,
        x_title="False-positive rate (1 \u2212 specificity)",
        y_title="True-positive rate (sensitivity)",
        legend="right",
    )
    _style.unit_axes(fig)
    return fit_column(fig) if in_column else fig
