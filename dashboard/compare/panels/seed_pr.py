"""The per-configuration view's twin of the PR overlay: each configuration's seeds' PR curves,
their mean and a ±1 SD band (:func:`core.evaluation.display.seed_pr.seed_pr_figure`), beside
the per-configuration ROC of :mod:`dashboard.compare.panels.seeds`.

Why a panel of its own: the per-run view shows PR next to ROC; per configuration the same
question (how many false alarms per detection, and how much that moves with the seed) needs
its own mean curve, since one run's PR says nothing about the seed's effect. Threshold-free,
so it is built once per selection (cached by the runs' :class:`RunRef`).
"""

from __future__ import annotations

import streamlit as st

from core.evaluation.display.seed_pr import SeedPrCurves, seed_pr_figure
from dashboard import data
from dashboard.compare import configs, figures
from dashboard.compare.context import refs
from dashboard.compare.figures import RunRef
from dashboard.compare.panel import PER_CONFIGURATION, Panel, Points
from dashboard.downloads import PNG_HINT, figure_button
from dashboard.evaluations import Selection

CAPTION = ("Thin lines: each seed's precision-recall curve on the test split (a cross-validated "
           "configuration: each seed x fold); thick: their mean precision on a recall grid; "
           "band: ±1 SD over seeds (how much the curve moves with the seed, not a confidence "
           "interval). Dotted: the prevalence baseline. Legend: mean average precision ± SD "
           "over seeds. Operating points: per run view. ")


@st.cache_resource(show_spinner=False, max_entries=32)
def _seed_pr(groups: tuple[tuple[str, str, str, tuple[tuple[str, RunRef], ...]], ...]) -> dict:
    runs = [SeedPrCurves(name, [data.load_evaluation(r.run_id, r.level, r.aggregate).pr
                                for _, r in cells],
                         [label for label, _ in cells], colour=colour, unit=unit)
            for name, colour, unit, cells in groups]
    return seed_pr_figure(runs).to_plotly_json()


def seed_pr_spec(sel: Selection) -> dict:
    """The selection's per-configuration PR figure (cached; grouped as the ROC twin groups)."""
    groups = []
    for config in configs.configurations(sel):
        cells = tuple((f"seed {seed}" + ("" if fold is None else f" · fold {fold + 1}"),
                       refs(sel, [rid])[0]) for seed, fold, rid in config.group.cells)
        unit = "run" if config.cross_validated else "seed"
        groups.append((config.name, sel.colours[config.run_ids[0]], unit, cells))
    return _seed_pr(tuple(groups))


class SeedPrPanel(Panel):
    title = "Precision-recall per configuration (mean over seeds)"
    tab = "Curves"
    name = "seed_pr"
    stem = "lesionlab-pr-configurations"
    follows_threshold = False
    views = (PER_CONFIGURATION,)

    def build(self, sel: Selection, ops: Points) -> dict:
        return seed_pr_spec(sel)

    def draw(self, spec: dict, sel: Selection, *, key: str) -> None:
        st.plotly_chart(figures.figure(spec), key=f"{key}.{self.name}", width="stretch")
        st.caption(CAPTION + PNG_HINT)
        figure_button(spec, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")

    def sections(self, spec: dict):
        return [(self.title, figures.figure(spec))]
