"""Reliability diagram: predicted probability against observed frequency, per run.

Why points are sized by bin count: a bin holding 3 samples can sit far from
the diagonal by chance alone; sizing (and the hover count) stops the eye
from over-reading it.  Brier score and ECE go in the legend because they are
what a reader compares across runs.  The optional histogram below shows where
the scores actually fall, which says how much of the curve matters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import _style
from ._format import format_number

__all__ = ["CalibrationSpec", "reliability_figure", "calibration_legend_label", "marker_sizes"]

MIN_MARKER, MAX_MARKER = 6.0, 24.0


@dataclass(frozen=True, eq=False)
class CalibrationSpec:
    """One run's reliability curve (non-empty bins only), as the figure needs it.

    ``bin_edges`` and ``bin_index`` (which bin each point is) are needed only
    for the histogram panel.
    """

    name: str
    prob_pred: Any
    prob_true: Any
    bin_counts: Any
    brier: float | None = None
    ece: float | None = None
    colour: str | None = None
    bin_edges: Any = None
    bin_index: Any = None

    @classmethod
    def from_result(cls, name: str, result: Any, *, colour: str | None = None) -> CalibrationSpec:
        """From anything shaped like :class:`core.evaluation.calibration.CalibrationResult`."""
        return cls(name, result.prob_pred, result.prob_true, result.bin_counts, result.brier,
                   result.ece, colour, result.bin_edges, result.bin_index)


def calibration_legend_label(name: str, brier: float | None, ece: float | None) -> str:
    """``"name — Brier 0.123 · ECE 0.045"``."""
    parts = []
    if brier is not None:
        parts.append(f"Brier {format_number(brier)}")
    if ece is not None:
        parts.append(f"ECE {format_number(ece)}")
    label = _style.escape_label(name)
    return f"{label} \u2014 " + " \u00b7 ".join(parts) if parts else label


def marker_sizes(counts, largest: float) -> np.ndarray:
    """Marker diameters with *area* proportional to the bin count (shared scale across runs)."""
    c = np.asarray(counts, dtype=np.float64)
    if largest <= 0:
        return np.full(c.shape, MIN_MARKER)
    return MIN_MARKER + (MAX_MARKER - MIN_MARKER) * np.sqrt(c / largest)


def _checked(spec: CalibrationSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pred = np.asarray(spec.prob_pred, dtype=np.float64).ravel()
    true = np.asarray(spec.prob_true, dtype=np.float64).ravel()
    counts = np.asarray(spec.bin_counts, dtype=np.int64).ravel()
    if not pred.shape == true.shape == counts.shape:
        raise ValueError(f"{spec.name}: prob_pred, prob_true and bin_counts differ in length")
    return pred, true, counts


def _curve_trace(spec: CalibrationSpec, colour: str, largest: float) -> go.Scatter:
    pred, true, counts = _checked(spec)
    return go.Scatter(
        x=pred, y=true, mode="lines+markers",
        name=calibration_legend_label(spec.name, spec.brier, spec.ece), legendgroup=spec.name,
        line=dict(color=colour, width=2),
        marker=dict(size=marker_sizes(counts, largest), color=colour,
                    line=dict(color="white", width=1)),
        customdata=counts,
        hovertemplate="predicted %{x:.3f}<br>observed %{y:.3f}<br>n = %{customdata}",
        meta=_style.tag(_style.ROLE_CURVE, spec.name),
    )


def _histogram_trace(spec: CalibrationSpec, colour: str) -> go.Bar:
    """Bars over the calibration bins themselves (already counted: nothing to re-bin)."""
    if spec.bin_edges is None or spec.bin_index is None:
        raise ValueError(f"{spec.name}: the histogram needs bin_edges and bin_index")
    edges = np.asarray(spec.bin_edges, dtype=np.float64)
    idx = np.asarray(spec.bin_index, dtype=np.int64)
    _, _, counts = _checked(spec)
    return go.Bar(
        x=(edges[idx] + edges[idx + 1]) / 2, y=counts, width=edges[idx + 1] - edges[idx],
        name=_style.escape_label(spec.name), legendgroup=spec.name, showlegend=False,
        marker=dict(color=_style.with_alpha(colour, 0.45), line=dict(width=0)),
        hovertemplate="bin centre %{x:.2f}<br>n = %{y}",
        meta=_style.tag(_style.ROLE_HISTOGRAM, spec.name),
    )


def reliability_figure(
    curves: Sequence[CalibrationSpec],
    *,
    show_histogram: bool = False,
    title: str = "Calibration (reliability diagram)",
) -> go.Figure:
    """Diagonal of perfect calibration plus one curve per run; histogram panel on request."""
    _style.require_unique_names([c.name for c in curves])
    colours = _style.resolve_colours([c.colour for c in curves])
    largest = max((float(np.max(c.bin_counts)) for c in curves if len(c.bin_counts)), default=0.0)
    if show_histogram:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                            row_heights=[0.75, 0.25])
    else:
        fig = go.Figure()
    panel = dict(row=1, col=1) if show_histogram else {}
    fig.add_trace(_style.reference_line([0, 1], [0, 1], name="perfect calibration"), **panel)
    for spec, colour in zip(curves, colours):
        fig.add_trace(_curve_trace(spec, colour, largest), **panel)
    _style.style_figure(fig, title=title, legend="right",
                        height=680 if show_histogram else 520)
    fig.update_xaxes(range=list(_style.UNIT_RANGE))
    fig.update_yaxes(range=list(_style.UNIT_RANGE), title_text="Observed fraction positive",
                     **panel)
    if show_histogram:
        for spec, colour in zip(curves, colours):
            fig.add_trace(_histogram_trace(spec, colour), row=2, col=1)
        fig.update_layout(barmode="overlay")
        fig.update_yaxes(title_text="samples", rangemode="tozero", row=2, col=1)
        fig.update_xaxes(title_text="Mean predicted probability", row=2, col=1)
    else:
        fig.update_xaxes(title_text="Mean predicted probability")
    return fig
