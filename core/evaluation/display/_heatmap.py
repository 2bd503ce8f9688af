"""Matrix heatmaps with explicit "n/a" cells (confusion matrices, p-value matrices).

Why a second trace for undefined cells: plotly leaves a NaN cell blank and
draws no text on it, which reads as "nothing to see".  An undefined value
(a class absent from the test split, a test that could not be run) must say
so, so those cells get their own light-grey trace labelled "n/a".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._format import NOT_AVAILABLE

__all__ = ["undefined_cells_trace", "style_matrix_axes"]


def undefined_cells_trace(
    mask: np.ndarray, x: Sequence[str], y: Sequence[str], text: np.ndarray | None = None
) -> go.Heatmap:
    """Grey cells where ``mask`` is True, labelled ``text`` there (default "n/a")."""
    z = np.where(mask, 0.0, np.nan)
    label = np.full(mask.shape, NOT_AVAILABLE, dtype=object) if text is None else text
    text = np.where(mask, label, "")
    return go.Heatmap(
        z=z, x=list(x), y=list(y), text=text.tolist(), texttemplate="%{text}",
        colorscale=[[0, _style.UNDEFINED_CELL_COLOUR], [1, _style.UNDEFINED_CELL_COLOUR]],
        showscale=False, hovertemplate="%{y} / %{x}: not defined<extra></extra>",
        meta=_style.tag(_style.ROLE_UNDEFINED),
    )


def style_matrix_axes(fig: go.Figure, *, x_title: str, y_title: str) -> go.Figure:
    """Categorical axes, first row at the top, square cells, no grid lines."""
    fig.update_xaxes(title_text=x_title, type="category", side="bottom", showgrid=False)
    fig.update_yaxes(title_text=y_title, type="category", autorange="reversed", showgrid=False,
                     scaleanchor="x", scaleratio=1)
    return fig
