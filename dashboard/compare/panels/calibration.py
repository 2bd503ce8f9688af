"""Reliability diagram of every run on its test split (threshold-free)."""

from __future__ import annotations

import streamlit as st

from dashboard.compare import figures
from dashboard.compare.context import refs
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import PNG_HINT, figure_button
from dashboard.evaluations import Selection


class CalibrationPanel(Panel):
    title = "Calibration"
    tab = "Calibration"
    name = "calibration"
    stem = "lesionlab-calibration"
    follows_threshold = False

    def build(self, sel: Selection, ops: Points) -> dict:
        """The cached figure spec (a plotly JSON dict: built once per selection)."""
        return figures.calibration_figure(refs(sel))

    def draw(self, spec: dict, sel: Selection, *, key: str) -> None:
        st.plotly_chart(figures.figure(spec), key=f"{key}.{self.name}", width="stretch")
        st.caption("Point size: samples in the bin. Brier score and expected calibration error "
                   "(10 equal-width bins) in the legend. " + PNG_HINT)
        figure_button(spec, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")

    def sections(self, spec: dict):
        return [(self.title, figures.figure(spec))]
