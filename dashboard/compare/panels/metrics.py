"""The metrics table with 95% CIs (text) and its CSV (numbers, CI bounds in columns)."""

from __future__ import annotations

import streamlit as st

from dashboard.compare.panel import PER_RUN, Panel, Points
from dashboard.compare.tables import display_table, metric_rows, numeric_table
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection
from dashboard.text import plain_table

CAPTION = ("Values: estimate (95% CI) — AUC: DeLong; threshold metrics: stratified bootstrap "
           "(1000 resamples). n/a = undefined at this threshold.")


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
        st.dataframe(placeholder="–", data=plain_table(display_table(rows)), hide_index=True, width="stretch")
        level = "per patient/lesion" if sel.level == "group" else "per image"
        st.caption(f"Evaluated {level}. {CAPTION}")
        csv_button(numeric_table(rows), label="Metrics table (CSV)",
                   file_name=f"{self.stem}.csv", key=f"{key}.{self.name}.csv")

    def sections(self, rows: list[dict]):
        return [(self.title, display_table(rows))]
