"""The confusion counts at the current threshold: one table row per run (TP, FN, FP, TN, each
with its share of the true class); per configuration, one row per configuration with the mean
counts over its seeds and their SD.

Why a table (:func:`core.evaluation.display.confusion_table`): it is what a threshold move
changes, and text is redrawn in the browser at once where a grid of heatmaps was drawn again
from scratch; the report holds the same table."""

from __future__ import annotations

import streamlit as st

from core.evaluation.display import confusion_table
from dashboard.compare import configs
from dashboard.compare.context import class_names
from dashboard.compare.panel import PER_CONFIGURATION, PER_RUN, Panel, Points
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection
from dashboard.text import markdown_table

CAPTION = ("Test split, each run at its threshold. Cells: count (share of its true class). "
           "TP: positive-class images called positive (found); FN: positive-class images "
           "called negative (missed); FP: negative-class images called positive (false "
           "alarms); TN: negative-class images called negative (cleared). The TP share is the "
           "sensitivity, the TN share the specificity.")
SEED_CAPTION = ("Per configuration: each cell is the mean count over the configuration's "
                "seeds, each run at its own threshold (a cross-validated seed's folds counted "
                "together), ± the SD over seeds (sample, ddof = 1; none with one seed); the "
                "percentage is the mean count's share of its true class. Mean counts are "
                "fractional: \"on average 12.3 missed cancers\".")


def _draw(table, *, key: str, stem: str, per_configuration: bool) -> None:
    """The table (its first column as the row labels), its caption and CSV."""
    st.table(markdown_table(table.set_index(table.columns[0])))
    if per_configuration:
        st.caption(SEED_CAPTION)
    else:
        st.caption(CAPTION)
    csv_button(table, label="Confusion counts (CSV)", file_name=f"{stem}.csv", key=f"{key}.csv")


class ConfusionPanel(Panel):
    title = "Confusion matrices"
    tab = "Overview"
    name = "confusion"
    stem = "lesionlab-confusion"
    follows_threshold = True
    views = (PER_RUN,)

    def build(self, sel: Selection, ops: Points):
        return confusion_table({n: op.metrics.confusion_matrix() for n, op in ops.items()},
                               class_names(sel))

    def draw(self, table, sel: Selection, *, key: str) -> None:
        st.subheader("Confusion matrices at the current threshold")
        _draw(table, key=f"{key}.{self.name}", stem=self.stem, per_configuration=False)


class SeedConfusionPanel(Panel):
    """The per-configuration twin of :class:`ConfusionPanel`: mean counts over seeds
    (:func:`core.evaluation.seed_curves.configuration_confusion`) with their SD."""

    title = "Confusion per configuration: mean counts over seeds"
    tab = "Overview"
    name = "seed_confusion"
    stem = "lesionlab-confusion-configurations"
    follows_threshold = True
    views = (PER_CONFIGURATION,)

    def build(self, sel: Selection, ops: Points):
        means = configs.mean_confusions(sel, ops)
        return configs.mean_confusion_table(sel, means) if means else None

    def draw(self, table, sel: Selection, *, key: str) -> None:
        st.subheader("Confusion matrices per configuration")
        if table is None:
            st.info("No configuration has a seed with every fold stored: no mean counts.")
            return
        _draw(table, key=f"{key}.{self.name}", stem=self.stem, per_configuration=True)
