"""One confusion heatmap per run at its threshold (counts and row % in each cell)."""

from __future__ import annotations

import streamlit as st

from dashboard.compare import figures
from dashboard.compare.context import class_names
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import figure_button
from dashboard.evaluations import Selection


class ConfusionPanel(Panel):
    title = "Confusion matrices"
    tab = "Overview"
    name = "confusion"
    stem = "lesionlab-confusion"
    follows_threshold = True

    def build(self, sel: Selection, ops: Points):
        return figures.confusion_grid({n: op.metrics.confusion_matrix() for n, op in ops.items()},
                                      class_names(sel))

    def draw(self, fig, sel: Selection, *, key: str) -> None:
        st.plotly_chart(fig, key=f"{key}.{self.name}", width="stretch")
        figure_button(fig, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")
