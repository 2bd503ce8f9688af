"""Decision curves (Vickers & Elkin 2006): net benefit against threshold probability for every
run, with "treat all", "treat none", a bootstrap band, and each run's decision threshold marked;
per configuration also each configuration's mean over its seeds (:class:`SeedDecisionPanel`).

The curves and bands are threshold-free (:func:`core.evaluation.decision_curve.decision_curve`,
built once per selection and kept as the figure's plotly JSON); a threshold move only puts each
run's marker at ``(threshold, net benefit there)`` through
:func:`core.evaluation.display.refresh_decision_markers`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import plotly.graph_objects as go
import streamlit as st

from core.evaluation.decision_curve import configuration_net_benefit_at, decision_curve, \
    net_benefit_at
from core.evaluation.display import (
    DecisionCurveSpec,
    decision_curve_figure,
    refresh_decision_markers,
)
from dashboard.compare import configs, figures
from dashboard.compare.context import refs
from dashboard.compare.figures import RunRef
from dashboard.compare.panel import PER_CONFIGURATION, Panel, Points
from dashboard.downloads import PNG_HINT, figure_button
from dashboard.evaluations import Selection, evaluation_of

CAPTION = ("Net benefit: true positives per patient minus false positives weighted by the odds "
           "of the threshold probability, pt / (1 − pt), the harm of a needless intervention "
           "relative to the benefit of a detected case that a clinician acting at risk pt "
           "accepts. A model is worth using where its curve lies above both \"treat all\" "
           "(dashed) and \"treat none\" (0, dotted). Band: pointwise 95% stratified bootstrap "
           "interval (1000 resamples, the test set's prevalence kept). Marker: each run's "
           "current decision threshold. The scores are read as risks, so the curves are only "
           "as trustworthy as the calibration (see the Calibration tab).")
OTHER_PREVALENCE = (" \"Treat all\" is not drawn: the runs' test sets have different "
                    "prevalences, so each would need its own line.")


class DecisionCurves(NamedTuple):
    figure: go.Figure
    #: Whether the runs share a prevalence, so one "treat all" line applies to all of them.
    one_prevalence: bool


@st.cache_resource(show_spinner=False, max_entries=64)
def _template(run_refs: tuple[RunRef, ...]) -> tuple[dict, bool]:
    specs, curves = [], []
    for ref in run_refs:
        ev = evaluation_of(ref.run_id, ref.level, ref.aggregate)
        curve = decision_curve(ev.test.y, ev.test.scores)
        curves.append(curve)
        specs.append(DecisionCurveSpec.from_curve(ref.name, curve, colour=ref.colour))
    one = len({round(c.prevalence, 12) for c in curves}) == 1
    fig = decision_curve_figure(specs, treat_all=curves[0].treat_all if one else None,
                                title="Decision curves (test split)")
    return fig.to_plotly_json(), one


class DecisionCurvePanel(Panel):
    title = "Decision curves"
    tab = "Decision curves"
    name = "decision"
    stem = "lesionlab-decision-curves"
    follows_threshold = True

    def build(self, sel: Selection, ops: Points) -> DecisionCurves:
        template, one = _template(refs(sel))
        points = {}
        for rid in sel.binary_ids:
            name = sel.names[rid]
            t = ops[name].threshold
            nb = net_benefit_at(sel.evals[rid].test.sorted, t)
            points[name] = (t, nb) if math.isfinite(nb) else None
        return DecisionCurves(refresh_decision_markers(template, points), one)

    def draw(self, shown: DecisionCurves, sel: Selection, *, key: str) -> None:
        st.plotly_chart(shown.figure, key=f"{key}.{self.name}", width="stretch")
        st.caption(CAPTION + ("" if shown.one_prevalence else OTHER_PREVALENCE) + " " + PNG_HINT)
        figure_button(shown.figure, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")

    def sections(self, shown: DecisionCurves):
        return [(self.title, shown.figure)]


SEED_CAPTION = ("Per configuration: each seed's net benefit on the test split (a "
                "cross-validated seed's folds counted together), averaged over seeds at each "
                "threshold probability. Band: pointwise 95% bootstrap interval of that mean, "
                "seeds and test set resampled together (1000 replicates: the seeds drawn with "
                "replacement, each drawn seed's stratified test-set resample coupled to the "
                "others' as their shared test set couples them); with one seed it is that run's "
                "test-set interval only. \"Treat all\" (dashed) and \"treat none\" (0, dotted) "
                "as in the per-run view. Marker: the mean of the seeds' current decision "
                "thresholds, on the mean curve.")
NO_COMPLETE_SEED = ("No configuration has a seed with every fold stored, so no mean decision "
                    "curve can be drawn.")


class SeedDecisionPanel(Panel):
    """The per-configuration twin: mean net benefit over seeds
    (:func:`core.evaluation.decision_curve.configuration_decision_curve`), below the per-run
    curves it summarises."""

    title = "Decision curves per configuration (mean over seeds)"
    tab = "Decision curves"
    name = "seed_decision"
    stem = "lesionlab-decision-configurations"
    follows_threshold = True
    views = (PER_CONFIGURATION,)

    def build(self, sel: Selection, ops: Points) -> DecisionCurves | None:
        template, one = configs.seed_decision_figure(sel)
        if template is None:
            return None
        return DecisionCurves(refresh_decision_markers(template, _seed_markers(sel, ops)), one)

    def draw(self, shown: DecisionCurves | None, sel: Selection, *, key: str) -> None:
        if shown is None:
            st.info(NO_COMPLETE_SEED)
            return
        st.plotly_chart(shown.figure, key=f"{key}.{self.name}", width="stretch")
        st.caption(SEED_CAPTION + ("" if shown.one_prevalence else OTHER_PREVALENCE) + " "
                   + PNG_HINT)
        figure_button(shown.figure, file_name=f"{self.stem}.html", key=f"{key}.{self.name}.html")

    def sections(self, shown: DecisionCurves | None):
        return [] if shown is None else [(self.title, shown.figure)]


def _seed_markers(sel: Selection, ops: Points) -> dict[str, tuple[float, float] | None]:
    """Each drawn configuration's marker (:func:`configuration_net_benefit_at`), under its
    curve's name: the configuration's name and complete-seed count, as
    :func:`dashboard.compare.configs.seed_decision_figure` names it."""
    points = {}
    for config in configs.configurations(sel):
        grid = [[None if rid is None else sel.evals[rid].test.sorted for rid in row]
                for row in config.grid]
        thresholds = [[None if rid is None else ops[sel.names[rid]].threshold for rid in row]
                      for row in config.grid]
        n = sum(1 for row in grid if row and all(cell is not None for cell in row))
        if n == 0:  # not drawn
            continue
        t, nb = configuration_net_benefit_at(grid, thresholds)
        points[f"{config.name} ({n} seed{'s' if n != 1 else ''})"] = (
            (t, nb) if math.isfinite(nb) else None)
    return points
