"""Per-class precision and sensitivity with bootstrap CIs, as grouped bars.

Why only two quantities per class: in a binary task the per-class numbers are the usual ones
renamed, so a class's specificity is the other class's sensitivity.  Bars for precision,
sensitivity *and* specificity of both classes showed each sensitivity/specificity twice under
two names, which reads like six findings where there are four.  Precision and sensitivity of
each class are the four distinct numbers (PPV, NPV, sensitivity, specificity), each once.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from dashboard.compare import figures
from dashboard.compare.context import class_names
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import figure_button
from dashboard.evaluations import Selection

#: The per-class quantities drawn: together they hold each binary metric exactly once.
SHOWN = ("precision", "sensitivity")
CAPTION = ("Two classes: sensitivity of the negative class is the specificity, precision of "
           "the negative class is the NPV, precision of the positive class is the PPV.")


def distinct_per_class(values: Mapping[str, Mapping]) -> dict[str, dict]:
    """Each run's per-class bars (labels ``"<quantity> · <class>"``) kept to :data:`SHOWN`."""
    return {run: {label: v for label, v in per_run.items()
                  if label.split(" \u00b7 ", 1)[0] in SHOWN}
            for run, per_run in values.items()}


class BarsPanel(Panel):
    title = "Per-class metrics"
    tab = "Per class"
    name = "bars"
    stem = "lesionlab-per-class"
    follows_threshold = True

    def build(self, sel: Selection, ops: Points):
        colours = {sel.names[i]: sel.colours[i] for i in sel.binary_ids}
        values = distinct_per_class(figures.per_class_values(ops, class_names(sel)))
        return figures.per_class_bars(values, colours)

    def draw(self, fig, sel: Selection, *, key: str) -> None:
        st.plotly_chart(fig, key=f"{key}.{self.name}", width="stretch")
        st.caption(CAPTION)
        figure_button(fig, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")
