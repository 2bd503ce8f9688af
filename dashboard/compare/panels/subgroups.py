"""Each run's metrics within the subgroups of a metadata column (site, age, ...).

Why no column is preselected: the first column in alphabetical order is as likely to be a
patch coordinate (``x``) as a clinical grouping, and a table the reader did not ask for reads
as a finding.  Columns are offered under readable names (:func:`core.evaluation.subgroups.
column_label`) and the table's headers are relabelled (:mod:`dashboard.compare.labels`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.evaluation import RunEvaluation, metadata_columns, subgroup_table
from core.evaluation.subgroups import column_label
from dashboard.compare.labels import column_labels
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection
from dashboard.text import plain_table, visible


@dataclass(frozen=True)
class Breakdown:
    """The subgroup tables a selection offers: one per shared metadata column, made only for
    the column the reader chooses (each is a pass over every run's test split)."""

    columns: list[str]
    evals: Mapping[str, RunEvaluation]
    thresholds: Mapping[str, float]

    def table_for(self, column: str) -> pd.DataFrame:
        return subgroup_table(self.evals, self.thresholds, column)


class SubgroupsPanel(Panel):
    title = "Subgroups"
    tab = "Subgroups"
    name = "subgroups"
    stem = "lesionlab-subgroups"
    follows_threshold = True
    in_report = False

    def build(self, sel: Selection, ops: Points) -> Breakdown:
        evals = sel.by_name()
        return Breakdown(metadata_columns(evals), evals,
                         {name: op.threshold for name, op in ops.items()})

    def draw(self, breakdown: Breakdown, sel: Selection, *, key: str) -> None:
        if not breakdown.columns:
            st.info("These runs share no metadata column (site, age, magnification, ...) to "
                    "break the results down by.")
            return
        column = st.selectbox("Break down by", breakdown.columns, key=f"{key}.subgroup.column",
                              format_func=lambda c: visible(column_label(c)), index=None,
                              placeholder="Choose a metadata column")
        if column is None:
            st.caption("Choose a metadata column to see each run's metrics within its groups.")
            return
        table = breakdown.table_for(column)
        config = {**column_labels(table.columns),
                  visible(column): st.column_config.Column(visible(column_label(column)))}
        st.dataframe(placeholder="–", data=plain_table(table), hide_index=True, width="stretch",
                     column_config=config)
        st.caption("Each run at its current threshold. 'small' marks subgroups with fewer than "
                   "30 samples or fewer than 5 of a class: read them with care. Numeric columns "
                   "with many values are cut into quartiles of the test split.")
        csv_button(table, label="Subgroups (CSV)", file_name=f"{self.stem}-{column}.csv",
                   key=f"{key}.{self.name}.csv")
