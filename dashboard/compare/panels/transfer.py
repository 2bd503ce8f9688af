"""The transfer matrix: each model's AUC on every test set it was evaluated on, with the drop
from its internal test AUC and its calibration there (threshold-free).

Built from the selection's external evaluations (:func:`core.external.transfer_long`), one
matrix per model: rows are training datasets, columns test datasets, the diagonal the model's
internal test AUC. Below them, each evaluation's metrics at the threshold rules
(:data:`core.external.RULES`), every rule chosen on the source run's validation split; the
rules re-chosen on the external set itself ("oracle (external)") are an explicit option, never
the default, and say in their name that they are optimistic. The numbers are core's; this
module lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.external import ORACLE_LABEL, SOURCE_LABEL, transfer_long, transfer_table
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
    "transfer.")


@dataclass(frozen=True)
class ModelMatrix:
    """One model's matrix: its long numbers and the text grid, or why it cannot be made."""

    model: str
    long: pd.DataFrame | None
    grid: pd.DataFrame | None
    problem: str = ""


def _matrix(model: str, results: list) -> ModelMatrix:
    try:
        long = transfer_long(results)
    except ValueError as exc:
        return ModelMatrix(model, None, None, f"{exc} (keep one run of {model} per training "
                                              "dataset in the selection)")
    return ModelMatrix(model, long, transfer_table(long))


class TransferPanel(Panel):
    title = "Transfer matrix"
    tab = "Transfer"
    name = "transfer"
    stem = "lesionlab-transfer"
    follows_threshold = False

    def build(self, sel: Selection, ops: Points) -> list[ModelMatrix] | None:
        """One matrix per model among the selection's external evaluations (``None``: none)."""
        by_model: dict[str, list] = {}
        for eid, result in sel.externals.items():
            if eid in sel.evals:
                by_model.setdefault(str(result.evaluation.view.model), []).append(result)
        return [_matrix(m, rs) for m, rs in by_model.items()] or None

    def draw(self, shown: list[ModelMatrix] | None, sel: Selection, *, key: str) -> None:
        if shown is None:
            st.info("No external evaluation is selected. Choose one under 'External "
                    "evaluations' above, or make one with 'Evaluate on another dataset'.")
            return
        for i, matrix in enumerate(shown):
            st.subheader(md("Model {model}", model=matrix.model))
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

    def sections(self, shown: list[ModelMatrix] | None):
        if shown is None:
            return []
        out = []
        for matrix in shown:
            head = f"{self.title}: {matrix.model}"
            out += ([(head, matrix.problem)] if matrix.long is None else
                    [(head, matrix.grid.reset_index()), (f"{head} (numbers)", matrix.long)])
        return out + [(f"{self.title}: how to read it", CAPTION)]
