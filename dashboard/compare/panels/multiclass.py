"""K x K confusion matrix, one-vs-rest ROC and per-class table for each multiclass run.

Below the tabs, not in them: the call of a multiclass run is its most probable class, so the
threshold control does not apply, and its one-vs-rest binary view would hide the other classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from core.evaluation import EvaluationError, MulticlassResult, multiclass_from_predictions
from core.evaluation.display import CurveSpec, confusion_matrix_figure, roc_overlay_figure
from dashboard import data
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection
from dashboard.text import md, plain_table


@st.cache_resource(show_spinner=False, max_entries=64)
def _multiclass(root: str, run_id: str, names: tuple[str, ...]):
    return multiclass_from_predictions(data.load_predictions(run_id), list(names) or None)


@dataclass(frozen=True)
class MulticlassView:
    """One multiclass run: its figures and tables, or why it cannot be evaluated."""

    run_id: str
    name: str
    class_names: tuple[str, ...]
    result: MulticlassResult | None = None
    confusion: go.Figure | None = None
    roc: go.Figure | None = None
    error: EvaluationError | None = None


def _result(sel: Selection, rid: str, names: tuple[str, ...]) -> MulticlassResult:
    """A run's K x K numbers; an external evaluation's are core's, on the external set."""
    if rid in sel.externals:
        return sel.externals[rid].multiclass
    return _multiclass(str(data.store_root()), rid, names)


def _view(sel: Selection, rid: str) -> MulticlassView:
    names = sel.records[rid].class_names
    try:
        mc = _result(sel, rid, names)
    except EvaluationError as exc:
        return MulticlassView(rid, sel.names[rid], names, error=exc)
    specs = [CurveSpec.from_roc(c, mc.roc[c]) for c in names if c in mc.roc]
    return MulticlassView(
        rid, sel.names[rid], names, mc,
        confusion_matrix_figure(mc.confusion, list(names),
                                title="Confusion matrix (arg-max class, test split)"),
        roc_overlay_figure(specs, title="One-vs-rest ROC per class (test split)"))


class MulticlassPanel(Panel):
    title = "Multiclass runs"
    tab = None
    name = "mc"
    stem = "lesionlab-multiclass"
    follows_threshold = False
    in_report = False

    def build(self, sel: Selection, ops: Points) -> list[MulticlassView]:
        return [_view(sel, rid) for rid in sel.multiclass]

    def draw(self, views: list[MulticlassView], sel: Selection, *, key: str) -> None:
        for view in views:
            st.subheader(md("{name} — {k} classes", name=view.name, k=len(view.class_names)),
                         anchor=False)
            if view.error is not None:
                st.error(md("{name} cannot be evaluated: {exc}", name=view.name,
                            exc=view.error))
                continue
            self._draw_run(view, key=f"{key}.{view.run_id}")

    def _draw_run(self, view: MulticlassView, *, key: str) -> None:
        mc = view.result
        left, right = st.columns(2)
        with left:
            st.plotly_chart(view.confusion, key=f"{key}.{self.name}_confusion", width="stretch")
        with right:
            st.plotly_chart(view.roc, key=f"{key}.{self.name}_roc", width="stretch")
        per_class = mc.per_class.reset_index()
        st.dataframe(placeholder="–", data=plain_table(per_class), hide_index=True, width="stretch")
        st.dataframe(plain_table(mc.averages.reset_index()), hide_index=True, width="stretch",
                     placeholder="–")
        if mc.reasons:
            st.caption(md("{reasons}", reasons="; ".join(f"{k}: {v}"
                                                         for k, v in mc.reasons.items())))
        st.caption(f"Accuracy {mc.accuracy:.3f}. The call is the most probable class, so the "
                   "threshold control does not apply to multiclass runs.")
        csv_button(per_class, label="Per-class metrics (CSV)",
                   file_name=f"{self.stem}-{view.run_id[:8]}.csv", key=f"{key}.{self.name}.csv")
