"""Confusion counts: a heatmap of one matrix, and a table of many binary runs' counts.

Why both numbers in each cell: counts tell how many patients a decision affects, row
percentages (share of each true class) are the per-class sensitivities a clinician compares
across runs.  A true class with no samples has no percentages; it says "n/a" instead of a
misleading 0%.

Why binary runs side by side are a table (:func:`confusion_table`), not a grid of heatmaps:
the counts change with every threshold move, and a browser draws a changed plotly figure from
scratch (Streamlit 1.67 gives it a new identity), which made a 6-run heatmap grid the largest
part of a threshold move's time in the browser (``benchmarks/browser_latency.py``).  A table
of text is redrawn at once, reads across runs in one glance, and each count is named the way
a clinician says it (found, missed, false alarm, cleared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import _style
from ._format import NOT_AVAILABLE
from ._heatmap import style_matrix_axes, undefined_cells_trace

__all__ = [
    "confusion_matrix_figure",
    "confusion_table",
    "confusion_cell_text",
    "row_fractions",
    "COUNT_COLUMNS",
]


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


def _count_text(count: float, sd: float | None) -> str:
    """A count as a whole number; a mean count (``sd`` given) to one decimal, "± SD" beside it
    when the SD is known (one seed has none)."""
    if sd is None:
        return f"{count:.0f}"
    return f"{count:.1f} ± {sd:.1f}" if np.isfinite(sd) else f"{count:.1f}"


def confusion_cell_text(matrix, sd=None, *, template: str = "{count}<br>{share}") -> np.ndarray:
    """``"123<br>45.6%"`` per cell, ``"n/a"`` where the count is NaN, ``n/a`` as the share in
    empty rows. ``template`` places the two (the table writes ``"{count} ({share})"``).

    ``sd``: the cells' SD over seeds when ``matrix`` holds mean counts (the per-configuration
    view): ``"12.3 ± 1.5<br>45.6%"``."""
    m = np.asarray(matrix, dtype=np.float64)
    sds = None if sd is None else np.asarray(sd, dtype=np.float64)
    frac = row_fractions(m)
    text = np.empty(m.shape, dtype=object)
    for (i, j), count in np.ndenumerate(m):
        shown = _count_text(count, None if sds is None else float(sds[i, j]))
        if np.isnan(count):
            text[i, j] = NOT_AVAILABLE
        else:
            share = NOT_AVAILABLE if np.isnan(frac[i, j]) else f"{100 * frac[i, j]:.1f}%"
            text[i, j] = template.format(count=shown, share=share)
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


#: The count columns of :func:`confusion_table` in the order a clinician reads them (the
#: positive class found, then missed; the negative class wrongly flagged, then cleared), with
#: each one's cell of the scikit-learn-ordered 2 x 2 matrix (rows true, columns predicted;
#: index 1 = the positive class).
COUNT_COLUMNS: dict[str, tuple[int, int]] = {
    "TP (found)": (1, 1), "FN (missed)": (1, 0), "FP (false alarm)": (0, 1),
    "TN (cleared)": (0, 0)}


def confusion_table(matrices: Mapping[str, Any], classes: Mapping[str, Sequence[str]], *,
                    sds: Mapping[str, Any] | None = None, seeds: Mapping[str, int] | None = None,
                    name: str = "run") -> pd.DataFrame:
    """One row per binary run: its classes, then TP, FN, FP and TN as "count (share of its
    true class)".

    ``matrices``: run -> 2 x 2 counts (rows true negative/positive, columns predicted, as
    :meth:`core.evaluation.counts.ConfusionCounts.matrix`); ``classes``: run -> its
    ``(negative, positive)`` names (runs of different datasets may differ). ``sds`` and
    ``seeds``: the matrices are mean counts over seeds (the per-configuration view), each cell
    reads "mean ± SD (share)" and a ``seeds`` column says how many were averaged. ``name``
    heads the first column. Raises ``ValueError`` for a matrix that is not 2 x 2."""
    rows = []
    for run, matrix in matrices.items():
        m = np.asarray(matrix, dtype=np.float64)
        if m.shape != (2, 2):
            raise ValueError(f"{run}: a binary confusion matrix is 2 x 2, not {m.shape}")
        text = confusion_cell_text(m, None if sds is None else sds[run],
                                   template="{count} ({share})")
        negative, positive = classes[run][:2]
        row = {name: run, "positive class": positive, "negative class": negative}
        if seeds is not None:
            row["seeds"] = int(seeds[run])
        rows.append({**row, **{label: text[cell] for label, cell in COUNT_COLUMNS.items()}})
    columns = [name, "positive class", "negative class", *(["seeds"] if seeds is not None
                                                           else []), *COUNT_COLUMNS]
    return pd.DataFrame(rows, columns=columns)
