"""Column headers a clinician reads in the Compare tables, for the metric keys core uses.

Why a table of labels: the data keep core's keys (``precision``, ``npv``, ``n_pos``), which
the CSVs, the report and the tests rely on, while the screen shows ``PPV (precision)``,
``NPV``, ``positives``.  ``st.column_config`` relabels a column without changing the frame.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

__all__ = ["LABELS", "column_labels"]

LABELS = {
    "n": "n",
    "n_pos": "positives",
    "n_neg": "negatives",
    "prevalence": "prevalence",
    "auc": "AUC",
    "average_precision": "average precision",
    "brier": "Brier score",
    "ece": "ECE",
    "threshold": "threshold",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "sensitivity": "sensitivity",
    "specificity": "specificity",
    "precision": "PPV (precision)",
    "npv": "NPV",
    "f1": "F1",
    "mcc": "MCC",
    "small": "small (read with care)",
    "reason": "why n/a",
}


def column_labels(columns: Iterable[str]) -> dict[str, st.column_config.Column]:
    """``column_config`` giving each known column its readable header (others unchanged)."""
    return {c: st.column_config.Column(LABELS[c]) for c in columns if c in LABELS}
