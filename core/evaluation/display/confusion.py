"""Confusion-matrix heatmap: counts and row percentages in every cell.

Why both numbers: counts tell how many patients a decision affects, row
percentages (share of each true class) are the per-class sensitivities a
clinician compares across runs.  A true class with no samples has no
percentages; its row says "n/a" instead of a misleading 0%.

The grid (:func:`confusion_grid_figure`) puts one small matrix per run side by side, colour =
share of the true class so runs of different sizes read alike.  Its cells change with every
threshold move while its subplots, axes and titles do not, so it is built once as a template
and refilled by :func:`refresh_confusion_grid` on the template's plotly JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import _style
from ._format import NOT_AVAILABLE
from ._heatmap import style_matrix_axes, undefined_cells_trace

__all__ = [
    "confusion_matrix_figure",
    "confusion_grid_figure",
    "refresh_confusion_grid",
    "confusion_cell_text",
    "row_fractions",
    "grid_shape",
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


def confusion_cell_text(matrix, sd=None) -> np.ndarray:
    """``"123<br>45.6%"`` per cell, ``"n/a"`` where the count is NaN, count alone in empty rows.

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
        elif np.isnan(frac[i, j]):
            text[i, j] = f"{shown}<br>{NOT_AVAILABLE}"
        else:
            text[i, j] = f"{shown}<br>{100 * frac[i, j]:.1f}%"
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


def grid_shape(n: int, max_cols: int = 3) -> tuple[int, int]:
    """``(rows, cols)`` of a grid of ``n`` panels, at most ``max_cols`` per row."""
    cols = max(1, min(n, max_cols))
    return math.ceil(n / cols), cols


def _wrap_name(name: str) -> str:
    """A run name on two lines at its first ' · ' separator (escaped for plotly)."""
    return "<br>".join(_style.escape_label(part) for part in name.split(" \u00b7 ", 1))


def _grid_cells(matrix, sd=None) -> dict[str, Any]:
    """One grid panel's threshold-dependent part: colour (row share) and text (count, row %;
    mean ± SD when ``sd`` is given)."""
    m = np.asarray(matrix, dtype=np.float64)
    return dict(z=np.where(np.isnan(m), np.nan, row_fractions(m)).tolist(),
                text=confusion_cell_text(m, sd).tolist())


def _grid_panel(run: str, classes: Sequence[str], *, first: bool) -> go.Heatmap:
    labels = [_style.escape_label(c) for c in classes]
    k = len(labels)
    return go.Heatmap(
        z=np.zeros((k, k)), x=labels, y=labels, text=np.full((k, k), "").tolist(),
        texttemplate="%{text}", textfont=dict(size=14), colorscale=_style.SEQUENTIAL_SCALE,
        zmin=0, zmax=1, showscale=first, name=_style.escape_label(run),
        colorbar=dict(title=dict(text="share of<br>true class"), thickness=12),
        hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
        meta=_style.tag(_style.ROLE_CELLS, run),
    )


def confusion_grid_figure(
    class_names: Mapping[str, Sequence[str]],
    matrices: Mapping[str, Any] | None = None,
    *,
    title: str = "Confusion matrices: count and % of true class",
    sds: Mapping[str, Any] | None = None,
) -> go.Figure:
    """One confusion heatmap per run, three to a row (counts and row % in each cell).

    ``class_names`` maps run -> its class names (runs of different datasets may differ) and
    fixes the order of the panels; ``matrices`` maps the same runs -> counts, as for
    :func:`confusion_matrix_figure`.  Without ``matrices`` the cells are empty: that is the
    template :func:`refresh_confusion_grid` fills on every threshold move. ``sds`` (same
    keys as ``matrices``): the matrices are mean counts over seeds and each cell also shows
    its SD (:func:`confusion_cell_text`).
    """
    runs = list(class_names)
    rows, cols = grid_shape(len(runs))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_wrap_name(r) for r in runs],
                        horizontal_spacing=0.3 / cols, vertical_spacing=0.35 / rows)
    for i, run in enumerate(runs):
        fig.add_trace(_grid_panel(run, class_names[run], first=i == 0),
                      row=i // cols + 1, col=i % cols + 1)
    _style.style_figure(fig, title=title, height=340 * rows + 90)
    fig.update_xaxes(type="category", showgrid=False, title_text="predicted", side="bottom")
    fig.update_yaxes(type="category", showgrid=False, autorange="reversed")
    fig.update_yaxes(title_text="true", col=1)
    fig.update_annotations(font=dict(size=12))
    fig.update_layout(margin=dict(t=110))
    if matrices is not None:
        for trace, matrix in zip(fig.data, _grid_matrices(fig.data, matrices)):
            trace.update(_grid_cells(matrix, None if sds is None
                                     else sds[_style.run_of(trace)]))
    return fig


def _grid_matrices(traces: Sequence[Any], matrices: Mapping[str, Any]) -> list[np.ndarray]:
    """``matrices`` in panel order, checked against the panels (runs, then K x K)."""
    runs = [_style.run_of(t) for t in traces]
    if runs != list(matrices):
        raise ValueError(f"the grid shows runs {runs}, the matrices are for {list(matrices)}")
    out = []
    for trace, run in zip(traces, runs):
        m = np.asarray(matrices[run], dtype=np.float64)
        k = len(trace["y"])
        if m.shape != (k, k):
            raise ValueError(f"{run}: matrix shape {m.shape} does not match {k} class names")
        out.append(m)
    return out


def refresh_confusion_grid(template: Mapping[str, Any], matrices: Mapping[str, Any],
                           sds: Mapping[str, Any] | None = None) -> go.Figure:
    """:func:`confusion_grid_figure` with ``matrices``, by refilling a template's plotly JSON.

    ``template`` is the ``to_plotly_json()`` of a grid over the same runs (with or without
    numbers); only each panel's colours and cell text are replaced, in copies (``template`` is
    never mutated, never validated again).  Raises ``ValueError`` for other runs or a matrix
    whose size does not match its panel's classes. ``sds``: as for
    :func:`confusion_grid_figure`.
    """
    traces = template["data"]
    data = [{**trace, **_grid_cells(m, None if sds is None else sds[_style.run_of(trace)])}
            for trace, m in zip(traces, _grid_matrices(traces, matrices))]
    return _style.figure_from_json({**template, "data": data})
