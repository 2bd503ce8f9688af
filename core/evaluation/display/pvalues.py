"""Pairwise p-value matrix (e.g. DeLong tests between runs).

Why a matrix: with k runs there are k(k-1)/2 comparisons, and a list of
sentences hides the pattern (which run is better than which).  Colour
encodes ``log10(p)`` so the interesting range (0.0001-0.05) is not squeezed
into one end of the scale; the exact value is written in each cell and
significant cells get a star.  The footnote states the significance level
and, when given, how the p-values were adjusted, because k(k-1)/2 unadjusted
tests at 0.05 will produce false stars.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._format import format_p
from ._heatmap import style_matrix_axes, undefined_cells_trace

__all__ = ["pvalue_matrix_figure", "pvalue_cell_text", "SIGNIFICANCE_MARK"]

SIGNIFICANCE_MARK = "*"
_LOG_FLOOR = -4.0  # colour saturates at p <= 0.0001


def _checked(names: Sequence[str], matrix, what: str) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (len(names), len(names)):
        raise ValueError(f"{what} shape {m.shape} does not match {len(names)} run names")
    return m


def pvalue_cell_text(pvalues, alpha: float, differences=None, difference_label: str = "\u0394"
                     ) -> np.ndarray:
    """Cell text: ``"p = 0.003 *"`` (plus the difference line when given); diagonal blank."""
    p = np.asarray(pvalues, dtype=np.float64)
    text = np.empty(p.shape, dtype=object)
    for (i, j), value in np.ndenumerate(p):
        if i == j:
            text[i, j] = ""
            continue
        star = f" {SIGNIFICANCE_MARK}" if value < alpha else ""  # NaN < alpha is False
        cell = f"p = {format_p(value)}{star}"
        if differences is not None and np.isfinite(differences[i, j]):
            cell = f"{difference_label} {differences[i, j]:+.3f}<br>{cell}"
        text[i, j] = cell
    return text


def _colourbar() -> dict:
    ticks = [-4.0, -3.0, -2.0, float(np.log10(0.05)), 0.0]
    return dict(title=dict(text="p-value"), thickness=14, tickvals=ticks,
                ticktext=["\u22640.0001", "0.001", "0.01", "0.05", "1"])


def pvalue_matrix_figure(
    names: Sequence[str],
    pvalues,
    *,
    alpha: float = 0.05,
    differences=None,
    difference_label: str = "\u0394AUC",
    adjustment: str | None = None,
    n_comparisons: int | None = None,
    title: str = "Pairwise comparisons",
    tilt_names: bool = False,
) -> go.Figure:
    """Heatmap of ``pvalues[i, j]`` (run i vs run j); diagonal blank, NaN cells "n/a".

    ``differences[i, j]`` (optional) is shown as row minus column, e.g. the
    AUC of run i minus that of run j.  ``adjustment`` names the multiplicity
    correction already applied (e.g. ``"Holm"``), or None for unadjusted; ``n_comparisons``
    (optional) is the size of the family it was applied over, said in the footnote so that a
    reader can tell a correction over 3 tests from one over 45.  ``tilt_names``
    slants the column names and makes room under the plot for the longest one (long run
    names under a straight axis would overlap each other and the footnote).
    """
    p = _checked(names, pvalues, "pvalues")
    diff = None if differences is None else _checked(names, differences, "differences")
    labels = [_style.escape_label(n) for n in names]
    off_diagonal = ~np.eye(len(names), dtype=bool)
    z = np.where(off_diagonal, np.log10(np.clip(p, 10.0**_LOG_FLOOR, 1.0)), np.nan)
    text = pvalue_cell_text(p, alpha, diff, _style.escape_label(difference_label))
    fig = go.Figure(go.Heatmap(
        z=z, x=labels, y=labels, text=text.tolist(), texttemplate="%{text}",
        colorscale=_style.SEQUENTIAL_SCALE, reversescale=True, zmin=_LOG_FLOOR, zmax=0.0,
        colorbar=_colourbar(), hovertemplate="%{y} vs %{x}<br>%{text}<extra></extra>",
        meta=_style.tag(_style.ROLE_CELLS),
    ))
    undefined = off_diagonal & np.isnan(p)
    if undefined.any():
        fig.add_trace(undefined_cells_trace(undefined, labels, labels))
    _style.style_figure(fig, title=title, height=max(420, 90 * len(labels) + 200))
    style_matrix_axes(fig, x_title="", y_title="")
    how = f"{adjustment}-adjusted" if adjustment else "not adjusted for multiple comparisons"
    if adjustment and n_comparisons is not None:
        how += f" over {n_comparisons} comparison{'s' if n_comparisons != 1 else ''}"
    note = f"{SIGNIFICANCE_MARK} p < {alpha:g} ({how})"
    if diff is not None:
        note += f"; {_style.escape_label(difference_label)} = row \u2212 column"
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=-0.12, showarrow=False,
                       xanchor="left", yanchor="top", font=dict(size=12, color="#555555"))
    fig.update_layout(margin=dict(b=110))
    return _tilt_names(fig, names) if tilt_names else fig


def _tilt_names(fig: go.Figure, names: Sequence[str]) -> go.Figure:
    """Column names at -30 degrees, the bottom margin and the footnote moved to fit them."""
    bottom = 70 + int(4.2 * max(len(str(n)) for n in names))
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(margin=dict(b=bottom), height=(fig.layout.height or 420) + bottom - 110)
    fig.layout.annotations[-1].update(y=0, yshift=-(bottom - 20))
    return fig
