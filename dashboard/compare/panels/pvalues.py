"""Paired DeLong p-values for runs that share their test samples, raw and Holm-adjusted over
every tested pair (:func:`core.evaluation.multitest.with_holm`); the others explained."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from core.evaluation.display import format_p
from dashboard.compare import figures
from dashboard.compare.context import refs
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import csv_button, figure_button
from dashboard.evaluations import Selection
from dashboard.text import md, plain_table


class PairedTests(NamedTuple):
    #: One row per pair of runs (:func:`core.evaluation.compare_runs`) with its Holm-adjusted
    #: ``p_holm``; ``reason`` says why a pair could not be tested ("" when it was).
    table: pd.DataFrame
    #: The p-value matrix figure (a cached plotly JSON dict), ``None`` without a tested pair.
    spec: dict | None

    @property
    def paired(self) -> bool:
        """Whether any two runs were evaluated on the same test samples."""
        return bool((self.table["reason"] == "").any())

    @property
    def n_comparisons(self) -> int:
        """The pairs tested: the family Holm's correction is over."""
        return int(self.table["p_holm"].notna().sum())


class PvaluesPanel(Panel):
    title = "Paired DeLong tests"
    tab = "Paired tests"
    name = "pvalues"
    stem = "lesionlab-delong"
    follows_threshold = False

    def build(self, sel: Selection, ops: Points) -> PairedTests | None:
        r = refs(sel)
        if len(r) < 2:
            return None
        table, _, _ = figures.pairwise(r)
        return PairedTests(table, figures.pvalue_figure(r))

    def draw(self, tests: PairedTests | None, sel: Selection, *, key: str) -> None:
        if tests is None:
            st.info("Paired tests need at least two binary runs.")
            return
        if tests.paired:
            st.plotly_chart(figures.figure(tests.spec), key=f"{key}.{self.name}",
                            width="stretch")
            figure_button(tests.spec, file_name=f"{self.stem}.html",
                          key=f"{key}.{self.name}.html")
        else:
            st.info("No two of these runs were evaluated on the same test samples, so no "
                    "paired test applies (see below).")
        shown = tests.table.assign(p_value=tests.table["p_value"].map(format_p),
                                   p_holm=tests.table["p_holm"].map(format_p))
        st.dataframe(placeholder="–", data=plain_table(shown), hide_index=True, width="stretch")
        st.caption(md("Paired DeLong test of the AUC difference (run_a − run_b). Comparisons "
                      "made: {k}. p_value is each test's own; p_holm is Holm-adjusted over the "
                      "{k} comparisons (the stars and colours of the matrix), which keeps the "
                      "chance of any false difference among them at 5%. Runs on different "
                      "test samples (another dataset, split or level) cannot be paired: their "
                      "row says why.", k=tests.n_comparisons))
        csv_button(tests.table, label="Pairwise tests (CSV)", file_name=f"{self.stem}.csv",
                   key=f"{key}.{self.name}.csv")

    def sections(self, tests: PairedTests | None):
        if tests is None:
            return []
        figure = [(self.title, figures.figure(tests.spec))] if tests.paired else []
        return figure + [("Pairwise tests (table)", tests.table)]
