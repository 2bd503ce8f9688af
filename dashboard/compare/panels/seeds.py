"""The per-configuration view's twins of the metrics table and the ROC overlay: each
configuration (runs identical but for the seed) summarised over its seeds.

The numbers are :func:`core.evaluation.configurations.configuration_metrics`' (mean, SD,
min–max and the interval of :mod:`core.evaluation.seeds`, which includes the seed-to-seed
variance and, where the seeds share their test samples, the test set's); the figures are the
replicated-ROC builder of :mod:`core.evaluation.display` with "seed" as its replicate, and the
strip of single runs beside each mean (``seed_strip_figure``). A one-seed configuration gets a
button that queues its missing seeds (:mod:`dashboard.compare.more_seeds`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd
import streamlit as st

from core.evaluation.configurations import CONFIGURATION_METRICS, ConfigurationMetrics
from dashboard.compare import configs, figures
from dashboard.compare.more_seeds import add_seeds_button
from dashboard.compare.panel import PER_CONFIGURATION, Panel, Points
from dashboard.compare.tables import one_seed, seed_display_table, seed_rows
from dashboard.downloads import PNG_HINT, csv_button, figure_button
from dashboard.evaluations import Selection
from dashboard.text import md, plain_table

ADD_SEEDS = ("Its spread across seeds is unknown: one run says nothing about how much "
             "retraining would move it. Add seeds on the Train page (\"Seeds per "
             "configuration\", e.g. 3) or from the command line (`python -m core run ... "
             "--n-seeds 3`); runs "
             "already stored are not trained again.")

CAPTION = ("Per configuration: runs identical but for the seed (same dataset, model, strategy, "
           "profile, recipe overrides, weights, split seed and folds, budget, and trained here "
           "or imported; cross-validated runs form their own configuration, each seed's value the "
           "mean over its folds). Mean and SD (sample, over seeds), min–max of the single runs, "
           "and a 95% t-interval whose variance is the seed-to-seed variance plus the test "
           "set's (DeLong covariance for AUC, paired bootstrap for the threshold metrics; "
           "\"CI includes\" says which). It estimates what the configuration achieves on "
           "average over seeds and test sets; it says nothing about a seed not trained. Two "
           "seeds give a valid but wide interval; one seed gives none.")


STRIP_CAPTION = ("Diamond: the configuration's mean over seeds with its 95% interval (the "
                 "table's); dots: each seed's own value (a cross-validated seed's mean over its "
                 "folds), so the summary is seen beside the runs it summarises.")


class SeedTable(NamedTuple):
    """Every metric of every configuration (:func:`dashboard.compare.tables.seed_rows`), the
    configurations with a single seed, and the metrics the strip figure is drawn from."""

    rows: pd.DataFrame
    single: tuple[str, ...]
    metrics: Mapping[str, ConfigurationMetrics]


class SeedMetricsPanel(Panel):
    title = "Metrics per configuration over seeds (95% CI)"
    tab = "Overview"
    name = "seed_metrics"
    stem = "lesionlab-configurations"
    follows_threshold = True
    views = (PER_CONFIGURATION,)

    def build(self, sel: Selection, ops: Points) -> SeedTable:
        metrics = configs.configuration_metrics_of(sel, ops)
        return SeedTable(seed_rows(metrics), tuple(one_seed(metrics)), metrics)

    def draw(self, table: SeedTable, sel: Selection, *, key: str) -> None:
        st.subheader("Metrics per configuration over seeds (test split)")
        metric = st.selectbox("Metric", CONFIGURATION_METRICS, key=f"{key}.{self.name}.metric",
                              format_func=lambda m: "AUC" if m == "auc" else m)
        st.dataframe(plain_table(seed_display_table(table.rows, metric)), hide_index=True,
                     width="stretch", placeholder="–")
        st.caption(CAPTION)
        strip = configs.seed_strip(sel, table.metrics, metric)
        st.plotly_chart(strip, key=f"{key}.{self.name}.strip", width="stretch")
        st.caption(STRIP_CAPTION + " " + PNG_HINT)
        for i, name in enumerate(table.single):
            st.info(md("{name} has one seed. ", name=name) + ADD_SEEDS)
            add_seeds_button(sel, name, key=f"{key}.{self.name}.add_seeds.{i}")
        csv_button(table.rows, label="Metrics per configuration, every metric (CSV)",
                   file_name=f"{self.stem}.csv", key=f"{key}.{self.name}.csv")

    def sections(self, table: SeedTable):
        return [(self.title + " — AUC", seed_display_table(table.rows, "auc")),
                ("Every metric per configuration", table.rows)]


class SeedRocPanel(Panel):
    title = "ROC per configuration (mean over seeds)"
    tab = "Curves"
    name = "seed_roc"
    stem = "lesionlab-roc-configurations"
    follows_threshold = False
    views = (PER_CONFIGURATION,)

    def build(self, sel: Selection, ops: Points) -> dict:
        return configs.seed_roc_figure(sel)

    def draw(self, spec: dict, sel: Selection, *, key: str) -> None:
        st.plotly_chart(figures.figure(spec), key=f"{key}.{self.name}", width="stretch")
        st.caption("Thin lines: each seed's ROC on the test split; thick: their vertical mean; "
                   "band: ±1 SD over seeds (how much the curve moves with the seed, not a "
                   "confidence interval: the table's AUC interval is that). Legend: mean AUC ± "
                   "SD over seeds. Precision-recall: the figure below; operating points: per "
                   "run view. " + PNG_HINT)
        figure_button(spec, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")

    def sections(self, spec: dict):
        return [(self.title, figures.figure(spec))]
