"""Replicated ROC: thin curves of each replicate, a thick mean curve and a ±1 SD band.

A replicate is a fold of a cross-validation or a seed of a configuration (the same model
trained again with another seed): :attr:`FoldCurves.unit` says which, in the legend and hover.
Why show the replicates: a single mean curve hides how much the result depends
on which patients landed in the test fold, or on the seed; the spread between replicates is the
honest picture of that variability.  The mean curve is the vertical average
of the replicate curves on a common FPR grid (the scikit-learn recipe).

The legend's "mean AUC 0.91 ± 0.02" is the mean and *sample* standard
deviation (ddof=1) of the per-fold AUCs: with 5 folds the population SD
(ddof=0) would understate the spread by ~10%.  The band uses the same SD,
point-wise, clipped to [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._format import NOT_AVAILABLE
from .simplify import DEFAULT_MAX_POINTS, simplify_polyline

__all__ = ["FoldCurves", "crossval_roc_figure", "mean_roc", "fold_auc_summary"]


@dataclass(frozen=True, eq=False)
class FoldCurves:
    """One run's per-replicate ROC curves: ``folds[i] = (fpr, tpr)``; ``aucs`` optional.

    ``unit``: what a replicate is ("fold", "seed", "run"), said in the legend ("5 seeds");
    ``labels``: each replicate's hover name (default ``f"{unit} {i + 1}"``, e.g. "seed 3").
    """

    name: str
    folds: Sequence[tuple[Any, Any]]
    aucs: Sequence[float] | None = None
    colour: str | None = None
    unit: str = "fold"
    labels: Sequence[str] | None = None

    def label(self, i: int) -> str:
        return self.labels[i] if self.labels is not None else f"{self.unit} {i + 1}"


def _fold_xy(fpr, tpr) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(fpr, dtype=np.float64).ravel()
    y = np.asarray(tpr, dtype=np.float64).ravel()
    if x.shape != y.shape or x.shape[0] < 2:
        raise ValueError("each fold needs fpr and tpr of equal length >= 2")
    if (np.diff(x) < 0).any():
        raise ValueError("fold fpr must be non-decreasing (ROC curve order)")
    return x, y


def _trapezoid_auc(fpr, tpr) -> float:
    x, y = _fold_xy(fpr, tpr)
    return float(np.trapezoid(y, x))


def _tpr_on_grid(fpr: np.ndarray, tpr: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """TPR at each grid FPR; at a vertical jump the top of the jump (best TPR at that FPR)."""
    unique_fpr, start = np.unique(fpr, return_index=True)
    top = np.maximum.reduceat(tpr, start)
    return np.interp(grid, unique_fpr, top)


def mean_roc(folds: Sequence[tuple[Any, Any]], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point-wise mean and sample SD (NaN with one fold) of the fold TPRs on ``grid``."""
    stacked = np.vstack([_tpr_on_grid(*_fold_xy(f, t), grid) for f, t in folds])
    mean = stacked.mean(axis=0)
    std = stacked.std(axis=0, ddof=1) if stacked.shape[0] > 1 else np.full(grid.shape, np.nan)
    return mean, std


def fold_auc_summary(run: FoldCurves) -> tuple[float, float, np.ndarray]:
    """``(mean, sample SD, per-fold AUCs)``; AUCs by trapezoid over each fold when not given."""
    if run.aucs is not None:
        aucs = np.asarray(run.aucs, dtype=np.float64)
        if aucs.shape[0] != len(run.folds):
            raise ValueError(f"{run.name}: {aucs.shape[0]} AUCs for {len(run.folds)} folds")
    else:
        aucs = np.array([_trapezoid_auc(f, t) for f, t in run.folds])
    std = float(aucs.std(ddof=1)) if aucs.shape[0] > 1 else float("nan")
    return float(aucs.mean()), std, aucs


def _legend(run: FoldCurves, digits: int) -> str:
    mean, std, aucs = fold_auc_summary(run)
    spread = NOT_AVAILABLE if np.isnan(std) else f"{std:.{digits}f}"
    k = aucs.shape[0]
    return (f"{_style.escape_label(run.name)} \u2014 mean AUC {mean:.{digits}f} \u00b1 {spread}"
            f" ({k} {run.unit}{'s' if k != 1 else ''})")


def _run_traces(run: FoldCurves, colour: str, grid: np.ndarray, digits: int,
                max_points: int) -> list[go.Scatter]:
    _, _, aucs = fold_auc_summary(run)
    traces: list[go.Scatter] = []
    for i, (f, t) in enumerate(run.folds):
        x, y = _fold_xy(f, t)
        keep = simplify_polyline(x, y, max_points=max_points)
        label = _style.escape_label(run.label(i))
        traces.append(go.Scatter(
            x=x[keep], y=y[keep], mode="lines", name=label, legendgroup=run.name,
            showlegend=False, line=dict(color=_style.with_alpha(colour, 0.35), width=1),
            hovertemplate=f"{label} (AUC {aucs[i]:.3f})<br>FPR %{{x:.3f}}<br>"
                          "TPR %{y:.3f}<extra></extra>",
            meta=_style.tag(_style.ROLE_FOLD, run.name, fold=i),
        ))
    mean, std = mean_roc(run.folds, grid)
    if not np.isnan(std).all():
        band = dict(mode="lines", legendgroup=run.name, showlegend=False, hoverinfo="skip",
                    line=dict(width=0), meta=_style.tag(_style.ROLE_BAND, run.name))
        traces.append(go.Scatter(x=grid, y=np.clip(mean - std, 0, 1), **band))
        traces.append(go.Scatter(x=grid, y=np.clip(mean + std, 0, 1), fill="tonexty",
                                 fillcolor=_style.with_alpha(colour, 0.15), **band))
    traces.append(go.Scatter(
        x=np.concatenate(([0.0], grid)), y=np.concatenate(([0.0], mean)), mode="lines",
        name=_legend(run, digits), legendgroup=run.name, line=dict(color=colour, width=3.5),
        hovertemplate="mean<br>FPR %{x:.3f}<br>TPR %{y:.3f}",
        meta=_style.tag(_style.ROLE_CURVE, run.name),
    ))
    return traces


def crossval_roc_figure(
    runs: Sequence[FoldCurves],
    *,
    grid_points: int = 101,
    digits: int = 2,
    title: str = "Cross-validated ROC",
    max_points: int = DEFAULT_MAX_POINTS,
) -> go.Figure:
    """Per run: replicate curves, then the SD band (lower, upper), then the mean curve.

    The band's upper trace fills to the trace right before it (its lower
    edge), which is why the two are always added as a pair.
    """
    if not runs or any(len(r.folds) == 0 for r in runs):
        raise ValueError("every run needs at least one fold")
    _style.require_unique_names([r.name for r in runs])
    grid = np.linspace(0.0, 1.0, grid_points)
    colours = _style.resolve_colours([r.colour for r in runs])
    fig = go.Figure(_style.reference_line([0, 1], [0, 1], name="chance"))
    for run, colour in zip(runs, colours):
        fig.add_traces(_run_traces(run, colour, grid, digits, max_points))
    _style.style_figure(
        fig, title=title, x_title="False-positive rate (1 \u2212 specificity)",
        y_title="True-positive rate (sensitivity)", legend="right",
    )
    return _style.unit_axes(fig)
