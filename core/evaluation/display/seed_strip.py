"""A metric per configuration: its mean over seeds with the interval, and each single run as a
dot beside it.

Why the dots: a mean and an interval over three seeds hide how the three runs actually fell; a
reader who sees them (two close together and one far off, or one seed missing) judges the
summary better than from its numbers alone. The dots sit just below the mean's row, so they
never hide the interval they belong to. The numbers come from
:mod:`core.evaluation.seeds` (:class:`~core.evaluation.seeds.SeedSummary`) or any caller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from . import _style

__all__ = ["SeedStripSpec", "seed_strip_figure"]

#: How far below its configuration's row the single runs are drawn (rows are 1 apart).
DOT_OFFSET = 0.22


@dataclass(frozen=True, eq=False)
class SeedStripSpec:
    """One configuration: ``mean`` and its interval (``ci_low``/``ci_high``, NaN with one
    seed), and its single runs as ``(label, value)`` pairs, e.g. ``("seed 2", 0.91)``."""

    name: str
    mean: float
    ci_low: float
    ci_high: float
    runs: Sequence[tuple[str, float]]
    colour: str | None = None


def _mean_trace(spec: SeedStripSpec, row: int, colour: str, metric: str) -> go.Scatter:
    has_ci = math.isfinite(spec.ci_low) and math.isfinite(spec.ci_high)
    name = _style.escape_label(spec.name)
    error = dict(type="data", symmetric=False, array=[spec.ci_high - spec.mean],
                 arrayminus=[spec.mean - spec.ci_low], color=_style.ERROR_BAR_COLOUR,
                 thickness=1.5, width=6) if has_ci else None
    interval = f"{spec.ci_low:.3f}–{spec.ci_high:.3f}" if has_ci else "n/a (one seed)"
    return go.Scatter(
        x=[spec.mean], y=[row], mode="markers", name=name, legendgroup=name,
        marker=dict(symbol="diamond", size=13, color=colour,
                    line=dict(color=_style.MARKER_OUTLINE, width=1)),
        error_x=error, meta=_style.tag(_style.ROLE_CURVE, spec.name),
        hovertemplate=f"{name}<br>mean {metric} %{{x:.3f}}<br>95% CI {interval}<extra></extra>")


def _runs_trace(spec: SeedStripSpec, row: int, colour: str, metric: str) -> go.Scatter:
    name = _style.escape_label(spec.name)
    return go.Scatter(
        x=[v for _, v in spec.runs], y=[row - DOT_OFFSET] * len(spec.runs), mode="markers",
        name=f"{name}: single runs", legendgroup=name, showlegend=False,
        text=[_style.escape_label(label) for label, _ in spec.runs],
        marker=dict(size=8, color=_style.with_alpha(colour, 0.55),
                    line=dict(color=colour, width=1)),
        meta=_style.tag(_style.ROLE_FOLD, spec.name),
        hovertemplate=f"{name}<br>%{{text}}: {metric} %{{x:.3f}}<extra></extra>")


def seed_strip_figure(configs: Sequence[SeedStripSpec], *, metric: str,
                      title: str | None = None) -> go.Figure:
    """One row per configuration (first on top): a diamond at the mean with its interval as an
    error bar, the single runs as dots just below."""
    if not configs:
        raise ValueError("need at least one configuration")
    _style.require_unique_names([c.name for c in configs])
    colours = _style.resolve_colours([c.colour for c in configs])
    fig = go.Figure()
    n = len(configs)
    for i, (spec, colour) in enumerate(zip(configs, colours)):
        row = n - i
        fig.add_trace(_mean_trace(spec, row, colour, metric))
        fig.add_trace(_runs_trace(spec, row, colour, metric))
    _style.style_figure(fig, title=title or f"{metric} per configuration: mean, 95% CI and "
                        "single runs", x_title=metric, height=max(260, 70 * n + 170))
    fig.update_layout(showlegend=False)  # the rows are named on the axis
    fig.update_yaxes(tickvals=[n - i for i in range(n)],
                     ticktext=[_style.escape_label(c.name) for c in configs],
                     range=[0.5, n + 0.5], showgrid=False)
    return fig
