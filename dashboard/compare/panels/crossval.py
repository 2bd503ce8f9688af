"""Cross-validated ROC: each fold's held-out curve, their mean and a ±1 SD band."""

from __future__ import annotations

import streamlit as st

from core.training.runsets import fold_groups
from dashboard import data
from dashboard.compare import figures
from dashboard.compare.context import refs
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import PNG_HINT, figure_button
from dashboard.evaluations import Selection


def fold_refs(sel: Selection) -> list[tuple[str, str, tuple]]:
    """The selection's cross-validations (:func:`core.training.runsets.fold_groups`) as
    (name, colour of the first fold, cache keys of the folds)."""
    return [(group.name, sel.colours[group.run_ids[0]], refs(sel, group.run_ids))
            for group in fold_groups(data.list_runs(), sel.binary_ids)]


class CrossvalPanel(Panel):
    title = "Cross-validated ROC"
    tab = "Cross-validation"
    name = "crossval"
    stem = "lesionlab-crossval"
    follows_threshold = False
    in_report = False

    def build(self, sel: Selection, ops: Points) -> dict | None:
        groups = fold_refs(sel)
        return figures.crossval_figure(tuple(groups)) if groups else None

    def draw(self, spec: dict | None, sel: Selection, *, key: str) -> None:
        if spec is None:
            st.info("No cross-validated runs among the selection: select two or more folds of "
                    "one configuration (train them with folds on the Train page).")
            return
        st.plotly_chart(figures.figure(spec), key=f"{key}.{self.name}", width="stretch")
        st.caption("Thin lines: each fold's held-out ROC; thick: their vertical mean; band: "
                   "±1 SD. Legend: mean AUC ± SD over folds. " + PNG_HINT)
        figure_button(spec, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")
