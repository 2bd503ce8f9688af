"""A saliency map's deletion curve next to the same deletion in random pixel order.

Why this picture: the deletion sanity check asks whether removing the pixels a map calls most
salient first lowers the explained class's probability faster than removing them at random
(:class:`core.saliency.sanity.DeletionCurve`).  The verdict compares two areas; the two curves
show where the difference comes from (a map that only wins in the first few percent reads
differently from one that wins throughout), and the legend carries the areas compared.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from . import _style

__all__ = ["deletion_figure"]


def deletion_figure(curve: Any, class_name: str) -> go.Figure:
    """Probability of the explained class as pixels are removed: map order vs random order.

    ``curve`` is read by attribute (``fractions``, ``scores``, ``random_scores``, ``area``,
    ``random_area``, as on a ``DeletionCurve``), so this layer needs nothing from saliency.
    Compact (240 px, no title) because it sits under each overlay of the Explain grid.
    """
    figure = go.Figure()
    figure.add_scatter(x=curve.fractions, y=curve.scores, mode="lines",
                       name=f"most salient first (area {curve.area:.3f})")
    figure.add_scatter(x=curve.fractions, y=curve.random_scores, mode="lines",
                       line={"dash": "dash"}, name=f"random order (area {curve.random_area:.3f})")
    figure.update_layout(height=240, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                         legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
                         xaxis_title="fraction of pixels removed",
                         yaxis_title=f"P({_style.escape_label(class_name)})", yaxis_range=[0, 1])
    return figure
