"""Table rows from evaluation results: what the metrics tables show and the CSVs contain.

No Streamlit here and no arithmetic of its own: every number is read from a
:class:`~core.evaluation.RunEvaluation` or :class:`~core.evaluation.OperatingPoint`; this module
only decides which numbers go in which column, so the on-screen table, its CSV and the HTML
report can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.evaluation import METRIC_NAMES, OperatingPoint, RunEvaluation
from core.evaluation.configurations import CONFIGURATION_METRICS, ConfigurationMetrics
from core.evaluation.display import metrics_table, metrics_table_numeric

__all__ = ["metric_row", "metric_rows", "display_table", "numeric_table", "seed_rows",
           "seed_display_table"]

#: The per-configuration CSV's columns (one row per configuration and metric).
SEED_COLUMNS = ["configuration", "metric", "n_seeds", "n_folds", "mean", "sd", "min", "max",
                "ci_low", "ci_high", "df", "ci_includes", "per_seed", "note"]


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


def _num(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.3f}"


def seed_rows(metrics: Mapping[str, ConfigurationMetrics]) -> pd.DataFrame:
    """One row per configuration and metric (:data:`SEED_COLUMNS`): the CSV download, and what
    :func:`seed_display_table` picks one metric from. ``per_seed`` lists each seed's estimate
    (its mean over folds), so the single runs stand beside the summary."""
    rows = []
    for name, cm in metrics.items():
        for metric in CONFIGURATION_METRICS:
            s = cm.summaries[metric]
            per_seed = "; ".join(f"seed {seed}: {_num(v)}"
                                 for seed, v in zip(cm.seeds, cm.per_seed(metric)))
            rows.append({"configuration": name, "metric": metric, "n_seeds": s.n_seeds,
                         "n_folds": cm.n_folds, "mean": s.mean, "sd": s.sd,
                         "min": s.minimum, "max": s.maximum, "ci_low": s.ci.low,
                         "ci_high": s.ci.high, "df": s.df, "ci_includes": s.scope,
                         "per_seed": per_seed, "note": s.note or ""})
    return pd.DataFrame(rows, columns=SEED_COLUMNS)


def seed_display_table(rows: pd.DataFrame, metric: str,
                       level: float = 0.95) -> pd.DataFrame:
    """One metric of :func:`seed_rows` as text cells: mean, SD, min–max, CI, the runs."""
    r = rows[rows["metric"] == metric]
    return pd.DataFrame({
        "configuration": r["configuration"],
        "seeds": r["n_seeds"],
        "mean": r["mean"].map(_num),
        "SD": r["sd"].map(_num),
        "min–max": [f"{_num(a)}–{_num(b)}" for a, b in zip(r["min"], r["max"])],
        f"{100 * level:g}% CI": [f"{_num(a)}–{_num(b)}" if np.isfinite(a) else "n/a"
                                 for a, b in zip(r["ci_low"], r["ci_high"])],
        "CI includes": r["ci_includes"],
        "single runs": r["per_seed"],
        "note": r["note"],
    }).reset_index(drop=True)


def one_seed(metrics: Mapping[str, ConfigurationMetrics]) -> Sequence[str]:
    """The configurations with one seed: their spread across seeds is unknown."""
    return [name for name, cm in metrics.items() if len(cm.seeds) < 2]
