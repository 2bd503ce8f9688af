"""One confusion heatmap per run at its threshold (counts and row % in each cell); per
configuration, one per configuration with the mean counts over its seeds and their SD."""

from __future__ import annotations

import streamlit as st

from dashboard.compare import configs, figures
from dashboard.compare.context import class_names
from dashboard.compare.panel import PER_CONFIGURATION, PER_RUN, Panel, Points
from dashboard.downloads import figure_button
from dashboard.evaluations import Selection


class ConfusionPanel(Panel):
    title = "Confusion matrices"
    tab = "Overview"
    name = "confusion"
    stem = "lesionlab-confusion"
    follows_threshold = True
    views = (PER_RUN,)

    def build(self, sel: Selection, ops: Points):
        return figures.confusion_grid({n: op.metrics.confusion_matrix() for n, op in ops.items()},
                                      class_names(sel))

    def draw(self, fig, sel: Selection, *, key: str) -> None:
        st.plotly_chart(fig, key=f"{key}.{self.name}", width="stretch")
        figure_button(fig, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")


SEED_CAPTION = ("Per configuration: each cell is the mean count over the configuration's "
                "seeds, each run at its own threshold (a cross-validated seed's folds counted "
                "together), ± the SD over seeds (sample, ddof = 1; none with one seed); the "
                "percentage is the mean count's share of its true class. Mean counts are "
                "fractional: \"on average 12.3 missed cancers\".")


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
        return configs.mean_confusion_grid(sel, means) if means else None

    def draw(self, fig, sel: Selection, *, key: str) -> None:
        if fig is None:
            st.info("No configuration has a seed with every fold stored: no mean counts.")
            return
        st.plotly_chart(fig, key=f"{key}.{self.name}", width="stretch")
        st.caption(SEED_CAPTION)
        figure_button(fig, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")
