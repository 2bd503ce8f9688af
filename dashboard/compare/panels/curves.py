"""ROC and PR overlays side by side, with each run's operating point marked."""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from dashboard.compare import figures
from dashboard.compare.context import refs
from dashboard.compare.panel import PER_RUN, Panel, Points
from dashboard.downloads import PNG_HINT, figure_button
from dashboard.evaluations import Selection


class Curves(NamedTuple):
    roc: object
    pr: object


class CurvesPanel(Panel):
    """Two figures: the ROC under :attr:`name` / :attr:`stem`, the PR curves under
    :attr:`pr_name` / :attr:`pr_stem`."""

    title = "ROC and precision-recall curves"
    tab = "Curves"
    name = "roc"
    stem = "lesionlab-roc"
    pr_name = "pr"
    pr_stem = "lesionlab-pr"
    follows_threshold = True
    views = (PER_RUN,)  # per configuration: its seeds' twin in panels/seeds.py

    def build(self, sel: Selection, ops: Points) -> Curves:
        r = refs(sel)
        return Curves(
            figures.with_points(figures.roc_base(r), {n: op.roc_point for n, op in ops.items()}),
            figures.with_points(figures.pr_base(r), {n: op.pr_point for n, op in ops.items()}))

    def draw(self, curves: Curves, sel: Selection, *, key: str) -> None:
        left, right = st.columns(2)
        with left:
            st.plotly_chart(curves.roc, key=f"{key}.{self.name}", width="stretch")
            figure_button(curves.roc, file_name=f"{self.stem}.html",
                          key=f"{key}.{self.name}.html")
        with right:
            st.plotly_chart(curves.pr, key=f"{key}.{self.pr_name}", width="stretch")
            figure_button(curves.pr, file_name=f"{self.pr_stem}.html",
                          key=f"{key}.{self.pr_name}.html")
        st.caption("Legend: AUC with its 95% DeLong CI; PR: average precision and the "
                   "prevalence baseline (dotted). Markers: each run's operating point at its "
                   "threshold. " + PNG_HINT)

    def sections(self, curves: Curves):
        return [("ROC curves", curves.roc), ("Precision-recall curves", curves.pr)]
