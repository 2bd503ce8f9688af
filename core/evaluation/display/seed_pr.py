"""Replicated precision-recall: each replicate's PR curve thin, their mean thick, a ±1 SD band.

The PR twin of :func:`core.evaluation.display.crossval_roc_figure` for a configuration's seeds
(a replicate is a seed, or a seed x fold of a cross-validated configuration). Why a PR figure
per configuration too: with few malignant cases the ROC hides how many false alarms come with
each detection, and how much *that* moves with the seed is what the per-configuration view is
for. The mean and band are :func:`core.evaluation.seed_curves.seed_mean_pr`'s (mean precision on
a recall grid, point-wise sample SD), so the figure draws what core computed; the legend's
"mean AP ± SD" is the mean and sample SD of the replicates' own average precisions (the
area under each step curve), not the area under the mean curve. The dotted baseline is the mean
prevalence of the replicates' test sets (one value when the seeds share their test set).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..curves import PrCurve
from ..seed_curves import seed_mean_pr
from . import _style
from ._format import NOT_AVAILABLE
from .simplify import DEFAULT_MAX_POINTS, simplify_polyline, step_vertices

__all__ = ["SeedPrCurves", "seed_pr_figure"]


@dataclass(frozen=True, eq=False)
class SeedPrCurves:
    """One configuration's replicate PR curves; ``labels[i]`` is curve i's hover name."""

    name: str
    curves: Sequence[PrCurve]
    labels: Sequence[str]
    colour: str | None = None
    unit: str = "seed"


def _legend(run: SeedPrCurves, digits: int) -> str:
    aps = np.array([c.average_precision for c in run.curves], dtype=np.float64)
    spread = f"{aps.std(ddof=1):.{digits}f}" if aps.shape[0] > 1 else NOT_AVAILABLE
    k = aps.shape[0]
    return (f"{_style.escape_label(run.name)} \u2014 mean AP {aps.mean():.{digits}f} \u00b1 "
            f"{spread} ({k} {run.unit}{'s' if k != 1 else ''})")


def _replicate_trace(run: SeedPrCurves, i: int, colour: str, max_points: int) -> go.Scatter:
    curve = run.curves[i]
    x, y, _ = step_vertices(curve.recall, curve.precision)
    keep = simplify_polyline(x, y, max_points=max_points)
    label = _style.escape_label(run.labels[i])
    return go.Scatter(
        x=x[keep], y=y[keep], mode="lines", name=label, legendgroup=run.name,
        showlegend=False, line=dict(color=_style.with_alpha(colour, 0.35), width=1),
        hovertemplate=f"{label} (AP {curve.average_precision:.3f})<br>recall %{{x:.3f}}<br>"
                      "precision %{y:.3f}<extra></extra>",
        meta=_style.tag(_style.ROLE_FOLD, run.name, fold=i))


def _run_traces(run: SeedPrCurves, colour: str, n_grid: int, digits: int,
                max_points: int) -> list[go.Scatter]:
    traces = [_replicate_trace(run, i, colour, max_points) for i in range(len(run.curves))]
    mean = seed_mean_pr(run.curves, n_grid=n_grid)
    if not np.isnan(mean.sd).all():
        band = dict(mode="lines", legendgroup=run.name, showlegend=False, hoverinfo="skip",
                    line=dict(width=0), meta=_style.tag(_style.ROLE_BAND, run.name))
        traces.append(go.Scatter(x=mean.grid, y=mean.lower, **band))
        traces.append(go.Scatter(x=mean.grid, y=mean.upper, fill="tonexty",
                                 fillcolor=_style.with_alpha(colour, 0.15), **band))
    traces.append(go.Scatter(
        x=mean.grid, y=mean.mean, mode="lines", name=_legend(run, digits),
        legendgroup=run.name, line=dict(color=colour, width=3.5),
        hovertemplate="mean<br>recall %{x:.3f}<br>precision %{y:.3f}",
        meta=_style.tag(_style.ROLE_CURVE, run.name)))
    return traces


def seed_pr_figure(runs: Sequence[SeedPrCurves], *, n_grid: int = 101, digits: int = 2,
                   title: str = "Precision-recall per configuration (mean over seeds)",
                   max_points: int = DEFAULT_MAX_POINTS) -> go.Figure:
    """Per configuration: its prevalence baseline, replicate curves, SD band, mean curve."""
    if not runs or any(len(r.curves) == 0 for r in runs):
        raise ValueError("every configuration needs at least one curve")
    if any(len(r.labels) != len(r.curves) for r in runs):
        raise ValueError("one label per curve")
    _style.require_unique_names([r.name for r in runs])
    colours = _style.resolve_colours([r.colour for r in runs])
    fig = go.Figure()
    for run, colour in zip(runs, colours):
        prevalence = float(np.mean([c.prevalence for c in run.curves]))
        fig.add_trace(_style.reference_line([0, 1], [prevalence] * 2,
                                            name=f"{run.name} baseline", dash="dot",
                                            colour=colour, run=run.name))
    for run, colour in zip(runs, colours):
        fig.add_traces(_run_traces(run, colour, n_grid, digits, max_points))
    _style.style_figure(fig, title=title, x_title="Recall (sensitivity)",
                        y_title="Precision (PPV)", legend="right")
    return _style.unit_axes(fig)
