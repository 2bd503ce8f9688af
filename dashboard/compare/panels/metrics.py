"""The metrics table with 95% CIs (text) and its CSV (numbers, CI bounds in columns).

Why this column order: a clinician reads sensitivity, specificity, PPV and NPV first, each
with its interval, so those four follow the run name and fit the page's width without
scrolling; the other columns (AUC, calibration, counts, ...) are added with a chooser.  The
frame keeps every column (``column_order`` only decides what is drawn), so the CSV, the report
and anything reading the frame see the same table as before.
"""

from __future__ import annotations

import streamlit as st

from dashboard.compare.labels import LABELS, column_labels
from dashboard.compare.level import few_groups_warnings
from dashboard.compare.panel import PER_RUN, Panel, Points
from dashboard.compare.tables import display_table, metric_rows, numeric_table
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection
from dashboard.text import plain_table

CAPTION = ("Values: estimate (95% CI) — AUC: DeLong; threshold metrics: stratified bootstrap "
           "(1000 resamples). n/a = undefined at this threshold.")
#: Always shown, in this order, after the run name.
FIRST = ("sensitivity", "specificity", "precision", "npv")
#: The chooser's starting choice: the threshold-free summary and the rule's value.
DEFAULT_MORE = ("auc", "threshold")


def shown_columns(columns, more) -> list[str]:
    """What the table draws: the run, :data:`FIRST`, then the chosen ``more`` in table order."""
    chosen = set(more)
    return ["run", *(c for c in FIRST if c in columns),
            *(c for c in columns if c in chosen and c not in FIRST and c != "run")]


class MetricsPanel(Panel):
    title = "Metrics at the current threshold (95% CI)"
    tab = "Overview"
    name = "metrics"
    stem = "lesionlab-metrics"
    follows_threshold = True
    views = (PER_RUN,)  # per configuration: its seeds' twin in panels/seeds.py

    def build(self, sel: Selection, ops: Points) -> list[dict]:
        """One row per run (:func:`dashboard.compare.tables.metric_rows`): the on-screen table,
        the CSV and the report are all made from these rows."""
        return metric_rows(sel.by_name(), ops)

    def draw(self, rows: list[dict], sel: Selection, *, key: str) -> None:
        st.subheader("Metrics at the current threshold (test split)")
        table = display_table(rows)
        rest = [c for c in table.columns if c != "run" and c not in FIRST]
        more = st.multiselect("More columns", rest, default=[c for c in DEFAULT_MORE if c in rest],
                              key=f"{key}.{self.name}.more", format_func=lambda c: LABELS.get(c, c),
                              help="Sensitivity, specificity, PPV and NPV are always shown.")
        st.dataframe(plain_table(table), hide_index=True, width="stretch",
                     column_order=shown_columns(table.columns, more),
                     column_config=column_labels(table.columns), placeholder="–")
        level = "per patient/lesion" if sel.level == "group" else "per image"
        st.caption(f"Evaluated {level}. {CAPTION}")
        few_groups_warnings(sel)
        csv_button(numeric_table(rows), label="Metrics table (CSV)",
                   file_name=f"{self.stem}.csv", key=f"{key}.{self.name}.csv")

    def sections(self, rows: list[dict]):
        return [(self.title, display_table(rows))]
