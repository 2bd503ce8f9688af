"""Score distributions of positives and negatives with the decision threshold.

Why this picture: a threshold slider alone says nothing about *who* moves
across it.  Seeing the malignant and benign score histograms with the
threshold line shows which cases a move trades (missed cancers against
false alarms) and how crowded that region is.  Each panel's title states
the counts on the wrong side of the line, using Lesionlab's rule
``score >= threshold`` means positive.

Histograms are shown as a share of each class by default, because with 5%
prevalence the positive class would be an invisible sliver in raw counts;
the counts stay in the hover and the title.

Scores are binned here with ``np.histogram`` rather than sent raw to a
``go.Histogram``: 50,000 raw scores per run would make every slider rerun
ship megabytes, while the binned figure is a few tens of kB.  The dashboard
simply rebuilds this figure when the threshold moves (about 0.3 s for three
50,000-sample runs on one CPU core, mostly plotly's subplot set-up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..decision import decide
from . import _style

__all__ = ["ScoreSpec", "score_distribution_figure", "threshold_errors"]


@dataclass(frozen=True, eq=False)
class ScoreSpec:
    """One run's test labels (0/1) and scores."""

    name: str
    y_true: Any
    scores: Any


def _checked(spec: ScoreSpec) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(spec.y_true).ravel()
    s = np.asarray(spec.scores, dtype=np.float64).ravel()
    if y.shape != s.shape or y.shape[0] == 0:
        raise ValueError(f"{spec.name}: y_true and scores must be non-empty and equally long")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{spec.name}: y_true must hold only 0 and 1")
    if not np.isfinite(s).all():
        raise ValueError(f"{spec.name}: scores must be finite")
    return y.astype(bool), s


def threshold_errors(y_true, scores, threshold: float) -> tuple[int, int, int, int]:
    """``(missed positives, n positives, flagged negatives, n negatives)`` at ``threshold``."""
    y, s = _checked(ScoreSpec("scores", y_true, scores))
    positive = decide(s, threshold)
    return (int(np.count_nonzero(y & ~positive)), int(np.count_nonzero(y)),
            int(np.count_nonzero(~y & positive)), int(np.count_nonzero(~y)))


def _class_bars(scores: np.ndarray, edges: np.ndarray, *, label: str, colour: str,
                normalize: bool, show_legend: bool) -> go.Bar:
    counts, _ = np.histogram(scores, bins=edges)
    share = 100.0 * counts / max(scores.shape[0], 1)
    return go.Bar(
        x=(edges[:-1] + edges[1:]) / 2, y=share if normalize else counts,
        width=np.diff(edges), name=_style.escape_label(label), legendgroup=label,
        showlegend=show_legend,
        marker=dict(color=_style.with_alpha(colour, 0.6), line=dict(width=0)),
        customdata=np.column_stack([edges[:-1], edges[1:], counts, share]),
        hovertemplate=(f"{_style.escape_label(label)}<br>score %{{customdata[0]:.3f}}"
                       "\u2013%{customdata[1]:.3f}<br>%{customdata[2]} cases "
                       "(%{customdata[3]:.1f}% of class)<extra></extra>"),
        meta=_style.tag(_style.ROLE_HISTOGRAM, None, cls=label),
    )


def _panel_title(name: str, t: float, counts: tuple[int, int, int, int],
                 class_names: tuple[str, str]) -> str:
    missed, n_pos, flagged, n_neg = counts
    neg, pos = (_style.escape_label(c) for c in class_names)
    return (f"<b>{_style.escape_label(name)}</b> \u2014 threshold {t:.3f}: "
            f"{missed}/{n_pos} {pos} below (missed), {flagged}/{n_neg} {neg} above (flagged)")


def score_distribution_figure(
    runs: Sequence[ScoreSpec],
    threshold: float | Mapping[str, float],
    *,
    bins: int = 40,
    class_names: tuple[str, str] = ("negative", "positive"),
    normalize: bool = True,
    title: str = "Score distributions",
) -> go.Figure:
    """One panel per run: negative and positive score histograms and a threshold line.

    ``threshold`` is one value for all runs or a mapping run -> threshold
    (each run at its own operating point).  Bins span [0, 1] (widened if
    scores fall outside) so panels line up on the shared x axis.
    """
    if not runs:
        raise ValueError("need at least one run")
    _style.require_unique_names([r.name for r in runs])
    data = [_checked(r) for r in runs]
    thresholds = [float(threshold[r.name]) if isinstance(threshold, Mapping) else float(threshold)
                  for r in runs]
    low = min(0.0, *(float(s.min()) for _, s in data))
    high = max(1.0, *(float(s.max()) for _, s in data))
    edges = np.linspace(low, high, bins + 1)
    titles = [_panel_title(r.name, t, threshold_errors(y, s, t), class_names)
              for r, (y, s), t in zip(runs, data, thresholds)]
    fig = make_subplots(rows=len(runs), cols=1, shared_xaxes=True,
                        vertical_spacing=0.32 / len(runs), subplot_titles=titles)
    for row, ((y, s), t) in enumerate(zip(data, thresholds), start=1):
        for mask, label, colour in ((~y, class_names[0], _style.NEGATIVE_COLOUR),
                                    (y, class_names[1], _style.POSITIVE_COLOUR)):
            fig.add_trace(_class_bars(s[mask], edges, label=label, colour=colour,
                                      normalize=normalize, show_legend=row == 1), row=row, col=1)
        fig.add_vline(x=t, row=row, col=1, line=dict(color="#222222", width=2, dash="dash"))
    _style.style_figure(fig, title=title, legend="right", height=220 * len(runs) + 160)
    fig.update_layout(barmode="overlay")
    fig.update_annotations(font=dict(size=13), xanchor="left", x=0.0)
    fig.update_yaxes(title_text="% of class" if normalize else "cases", rangemode="tozero")
    fig.update_xaxes(title_text="score", row=len(runs), col=1)
    return fig
