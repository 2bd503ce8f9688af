"""The transfer matrix: each model's AUC on every test set it was evaluated on, with the drop
from its internal test AUC and its calibration there (threshold-free).

Built from the selection's external evaluations (:func:`core.external.transfer_long`), one
matrix per source configuration (:func:`core.external.transfer_groups`, as the command line
groups them): rows are the runs' training datasets, columns test datasets (and, where images
were flagged as overlapping, the test set without them), the diagonal the run's internal test
AUC. Then the external sets described (:func:`core.external.describe_external`). Below them,
each evaluation's metrics at the threshold rules
(:data:`core.external.RULES`), every rule chosen on the source run's validation split; the
rules re-chosen on the external set itself ("oracle (external)") are an explicit option, never
the default, and say in their name that they are optimistic. The numbers are core's; this
module lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.external import (ORACLE_LABEL, SOURCE_LABEL, describe_external, transfer_groups,
                           transfer_long, transfer_table)
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection, oracle_rules
from dashboard.text import md, plain_table

#: The two choices of the threshold rules' radio: frozen (the default) or oracle.
FROZEN = f"{SOURCE_LABEL} (frozen)"
ORACLE = (f"{ORACLE_LABEL} — threshold re-chosen on the external set: optimistic, "
          "not a validation")
RULES_CAPTION = (
    "Metrics on the external set (95% bootstrap CIs) at each threshold rule. 'source "
    "validation': the rule's threshold chosen on the source run's validation split and applied "
    "unchanged, as a hospital adopting the model with its published threshold would. "
    f"'{ORACLE_LABEL}' rows (only on request): the threshold re-chosen on the external set "
    "itself, so it saw the very cases it is scored on: optimistic, not a validation. The gap "
    "between the two is how much of the loss outside is the threshold's rather than the "
    "ranking's.")

CAPTION = (
    "Each cell: test AUC with its 95% DeLong CI. Diagonal: the model's internal test AUC "
    "(its own dataset's test split). Off the diagonal: external validation, every threshold "
    "frozen from the source run's validation split; drop = internal minus external AUC "
    "(positive = worse outside) with an unpaired 95% CI (the two test sets are different "
    "images, so their DeLong variances add). A drop whose CI excludes 0 supports that this "
    "model ranks cases less well on that test set than on its own; it cannot say why (scanner, "
    "population, prevalence, label definitions and image size all change together), it is not "
    "a paired test, and it says nothing about calibration or about another model. CITL "
    "(calibration-in-the-large, 0 ideal: above 0 the model under-predicts risk there) and the "
    "calibration slope (1 ideal: below 1 predictions too extreme) are what shift first. An "
    "'overlapping' evaluation has images that also trained the model: its AUC overstates "
    "transfer; its AUC without the flagged images is the column 'excluding N overlapping "
    "images'. An imported model's overlap is unknown: where it was trained is not known here.")
DESCRIPTION_CAPTION = (
    "The external sets (TRIPOD-AI): images evaluated, events (the run's positive class after "
    "the class mapping) and prevalence, observed vs mean predicted risk, unreadable images "
    "left out, images also found among the run's training or validation images (exact copies; "
    "near-identical, copies included), the class mapping (target → run) and the part of the "
    "target evaluated.")


@dataclass(frozen=True)
class ModelMatrix:
    """One configuration's matrix: its long numbers and the text grid, or why it cannot be
    made. ``model`` names it (the model, or its whole configuration when the selection holds
    several of that model), ``setup`` is the configuration."""

    model: str
    long: pd.DataFrame | None
    grid: pd.DataFrame | None
    problem: str = ""
    setup: str = ""


@dataclass(frozen=True)
class TransferShown:
    """What the tab shows: the matrices and the external sets' description."""

    matrices: list[ModelMatrix]
    description: pd.DataFrame


def _matrix(name: str, setup: str, results) -> ModelMatrix:
    try:
        long = transfer_long(results)
    except ValueError as exc:
        return ModelMatrix(name, None, None, f"{exc} (keep one evaluation of each run per "
                                             "test set in the selection)", setup)
    return ModelMatrix(name, long, transfer_table(long), setup=setup)


class TransferPanel(Panel):
    title = "Transfer matrix"
    tab = "Transfer"
    name = "transfer"
    stem = "lesionlab-transfer"
    follows_threshold = False

    def build(self, sel: Selection, ops: Points) -> TransferShown | None:
        """One matrix per source configuration among the selection's external evaluations,
        and their description (``None``: none selected)."""
        results = [r for eid, r in sel.externals.items() if eid in sel.evals]
        if not results:
            return None
        return TransferShown([_matrix(g.name, g.setup, g.results)
                              for g in transfer_groups(results)],
                             describe_external(results, sel.names))

    def draw(self, shown: TransferShown | None, sel: Selection, *, key: str) -> None:
        if shown is None:
            st.info("No external evaluation is selected. Choose one under 'External "
                    "evaluations' above, or make one with 'Evaluate on another dataset'.")
            return
        for i, matrix in enumerate(shown.matrices):
            st.subheader(md("Model {model}", model=matrix.model))
            st.caption(md("Source runs: {setup} (model, strategy, profile, seed)",
                          setup=matrix.setup))
            if matrix.long is None:
                st.warning(md("{problem}", problem=matrix.problem))
                continue
            st.dataframe(placeholder="–", data=plain_table(matrix.grid.reset_index()),
                         hide_index=True, width="stretch")
            st.dataframe(placeholder="–", data=plain_table(matrix.long), hide_index=True,
                         width="stretch")
            csv_button(matrix.long, label="Transfer matrix (CSV)",
                       file_name=f"{self.stem}-{matrix.model}.csv",
                       key=f"{key}.{self.name}.{i}.csv")
        st.caption(CAPTION)
        st.subheader("The external sets", anchor=False)
        st.dataframe(placeholder="–", data=plain_table(shown.description), hide_index=True,
                     width="stretch")
        csv_button(shown.description, label="External sets (CSV)",
                   file_name=f"{self.stem}-sets.csv", key=f"{key}.{self.name}.sets.csv")
        st.caption(DESCRIPTION_CAPTION)
        self._rules(sel, key=key)

    def _rules(self, sel: Selection, *, key: str) -> None:
        """Each binary evaluation's metrics at the threshold rules; oracle rows on request."""
        st.subheader("Threshold rules on the external set", anchor=False)
        choice = st.radio("Threshold rules chosen on", (FROZEN, ORACLE), index=0,
                          key=f"{key}.{self.name}.rules",
                          help="The oracle re-chooses each threshold on the external set: it "
                               "is never the default and never a validation.")
        for i, eid in enumerate(e for e in sel.ids if e in sel.externals and e in sel.evals):
            table = (oracle_rules(eid, sel.level, sel.aggregate) if choice == ORACLE
                     else sel.externals[eid].thresholds)
            st.markdown(md("**{name}**", name=sel.names[eid]))
            st.dataframe(placeholder="–", data=plain_table(table), hide_index=True,
                         width="stretch")
            csv_button(table, label="Threshold rules (CSV)",
                       file_name=f"{self.stem}-rules-{eid[:8]}.csv",
                       key=f"{key}.{self.name}.rules.{i}.csv")
        st.caption(RULES_CAPTION)

    def sections(self, shown: TransferShown | None):
        if shown is None:
            return []
        out = []
        for matrix in shown.matrices:
            head = f"{self.title}: {matrix.model}"
            out += ([(head, matrix.problem)] if matrix.long is None else
                    [(head, matrix.grid.reset_index()), (f"{head} (numbers)", matrix.long)])
        return out + [(f"{self.title}: how to read it", CAPTION),
                      ("External sets", shown.description),
                      ("External sets: how to read it", DESCRIPTION_CAPTION)]
