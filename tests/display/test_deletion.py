"""The deletion-curve figure of the Explain page, drawn by the display layer from a real curve."""

from __future__ import annotations

from core.evaluation.display import deletion_figure
from core.saliency.sanity import DeletionCurve
from core.text import plot_text


def test_deletion_figure_shows_both_orders_with_their_areas_and_the_class_literally():
    curve = DeletionCurve(class_index=1, baseline="blur", fractions=(0.0, 0.5, 1.0),
                          scores=(0.9, 0.3, 0.1), random_scores=(0.9, 0.7, 0.2),
                          area=0.4, random_area=0.625)
    fig = deletion_figure(curve, "<b>malignant</b> %{x}")
    salient, random = fig.data
    assert salient.name == "most salient first (area 0.400)"
    assert random.name == "random order (area 0.625)" and random.line.dash == "dash"
    assert list(salient.x) == [0.0, 0.5, 1.0] and list(random.y) == [0.9, 0.7, 0.2]
    assert fig.layout.yaxis.title.text == f"P({plot_text('<b>malignant</b> %{x}')})"
    assert "<b>" not in fig.layout.yaxis.title.text
    assert list(fig.layout.yaxis.range) == [0, 1] and fig.layout.height == 240
