"""Table rows from evaluation results: what the metrics tables show and the CSVs contain.

No Streamlit here and no arithmetic of its own: every number is read from a
:class:`~core.evaluation.RunEvaluation` or :class:`~core.evaluation.OperatingPoint`; this module
only decides which numbers go in which column, so the on-screen table, its CSV and the HTML
report can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.evaluation import METRIC_NAMES, OperatingPoint, RunEvaluation
from core.evaluation.display import metrics_table, metrics_table_numeric

__all__ = ["metric_row", "metric_rows", "display_table", "numeric_table"]


def metric_row(name: str, ev: RunEvaluation, op: OperatingPoint) -> dict:
    """One run at one threshold: sizes, threshold-free scores, then every threshold metric."""
    c = op.metrics.counts
    row = {
        "run": name,
        "n": ev.test.n,
        "n_pos": int(ev.test.sorted.n_pos),
        "n_neg": int(ev.test.sorted.n_neg),
        "prevalence": ev.pr.prevalence,
        "auc": (ev.auc.auc, (ev.auc.ci_low, ev.auc.ci_high)),
        "average_precision": ev.pr.average_precision,
        "brier": ev.calibration.brier,
        "ece": ev.calibration.ece,
        "threshold": op.threshold,
    }
    for m in METRIC_NAMES:
        lo, hi = op.ci[m]
        row[m] = (getattr(op.metrics, m), (lo, hi))
    row.update(tp=int(c.tp), fp=int(c.fp), tn=int(c.tn), fn=int(c.fn))
    return row


def metric_rows(evals: Mapping[str, RunEvaluation], ops: Mapping[str, OperatingPoint]
                ) -> list[dict]:
    return [metric_row(name, evals[name], ops[name]) for name in ops]


def display_table(rows: list[dict]) -> pd.DataFrame:
    """Cells as text, e.g. ``0.912 (0.880–0.940)``."""
    return metrics_table(rows)


def numeric_table(rows: list[dict]) -> pd.DataFrame:
    """Numbers with ``_ci_low`` / ``_ci_high`` columns: the CSV download."""
    return metrics_table_numeric(rows)
