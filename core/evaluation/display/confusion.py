"""Confusion-matrix heatmap: counts and row percentages in every cell.

Why both numbers: counts tell how many patients a decision affects, row
percentages (share of each true class) are the per-class sensitivities a
clinician compares across runs.  A true class with no samples has no
percentages; its row says "n/a" instead of a misleading 0%.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._format import NOT_AVAILABLE
from ._heatmap import style_matrix_axes, undefined_cells_trace

__all__ = ["confusion_matrix_figure", "confusion_cell_text", "row_fractions"]


def _checked_matrix(matrix, class_names: Sequence[str]) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    k = len(class_names)
    if m.shape != (k, k):
        raise ValueError(f"matrix shape {m.shape} does not match {k} class names")
    if len(set(class_names)) != k:
        raise ValueError(f"class names must be unique, got {list(class_names)}")
    if (m[np.isfinite(m)] < 0).any():
        raise ValueError("confusion counts cannot be negative")
    return m


def row_fractions(matrix) -> np.ndarray:
    """Each row divided by its total; NaN for rows that are empty or contain NaN."""
    m = np.asarray(matrix, dtype=np.float64)
    totals = m.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals > 0, m / np.where(totals > 0, totals, 1.0), np.nan)


def confusion_cell_text(matrix) -> np.ndarray:
    """``"123<br>45.6%"`` per cell, ``"n/a"`` where the count is NaN, count alone in empty rows."""
    m = np.asarray(matrix, dtype=np.float64)
    frac = row_fractions(m)
    text = np.empty(m.shape, dtype=object)
    for (i, j), count in np.ndenumerate(m):
        if np.isnan(count):
            text[i, j] = NOT_AVAILABLE
        elif np.isnan(frac[i, j]):
            text[i, j] = f"{count:.0f}<br>{NOT_AVAILABLE}"
        else:
            text[i, j] = f"{count:.0f}<br>{100 * frac[i, j]:.1f}%"
    return text


def confusion_matrix_figure(
    matrix,
    class_names: Sequence[str],
    *,
    normalize: bool = False,
    title: str = "Confusion matrix",
) -> go.Figure:
    """K x K heatmap, true label on y (top to bottom), predicted label on x.

    ``matrix`` holds counts (rows = true, columns = predicted, scikit-learn
    order); NaN entries mean "not available".  ``normalize`` only changes
    what the colour encodes (row fraction instead of count): the text always
    shows both, so switching never hides a number.
    """
    m = _checked_matrix(matrix, class_names)
    frac = row_fractions(m)
    names = [_style.escape_label(c) for c in class_names]
    z = frac if normalize else m
    undefined = np.isnan(z)
    text = confusion_cell_text(m)
    colourbar_title = "share of true class" if normalize else "count"
    fig = go.Figure(go.Heatmap(
        z=np.where(undefined, np.nan, z), x=names, y=names, text=text.tolist(),
        texttemplate="%{text}", textfont=dict(size=15), colorscale=_style.SEQUENTIAL_SCALE,
        zmin=0, zmax=1 if normalize else None,
        colorbar=dict(title=dict(text=colourbar_title), thickness=14),
        hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
        meta=_style.tag(_style.ROLE_CELLS),
    ))
    if undefined.any():
        fig.add_trace(undefined_cells_trace(undefined, names, names, text))
    _style.style_figure(fig, title=title, height=max(420, 90 * len(names) + 180))
    return style_matrix_axes(fig, x_title="Predicted label", y_title="True label")
