"""Per-class precision, sensitivity and specificity with bootstrap CIs, as grouped bars."""

from __future__ import annotations

import streamlit as st

from dashboard.compare import figures
from dashboard.compare.context import class_names
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import figure_button
from dashboard.evaluations import Selection


class BarsPanel(Panel):
    title = "Per-class metrics"
    tab = "Overview"
    name = "bars"
    stem = "lesionlab-per-class"
    follows_threshold = True

    def build(self, sel: Selection, ops: Points):
        colours = {sel.names[i]: sel.colours[i] for i in sel.binary_ids}
        return figures.per_class_bars(figures.per_class_values(ops, class_names(sel)), colours)

    def draw(self, fig, sel: Selection, *, key: str) -> None:
        st.plotly_chart(fig, key=f"{key}.{self.name}", width="stretch")
        figure_button(fig, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")
