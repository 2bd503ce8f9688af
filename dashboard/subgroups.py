"""Subgroup breakdown: the same threshold, metrics per value of a metadata column.

Why binning here: metadata such as age or a patch coordinate has hundreds of distinct values,
and one row per value would be rows of one or two samples.  Numeric columns with more than
:data:`MAX_LEVELS` values are cut into quartiles of the test split (labelled with their
ranges); the metrics themselves come from :func:`core.evaluation.subgroup_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.evaluation import EvaluationError, RunEvaluation, subgroup_metrics

__all__ = ["MAX_LEVELS", "metadata_columns", "subgroup_table"]

MAX_LEVELS = 12


def metadata_columns(evals: Mapping[str, RunEvaluation]) -> list[str]:
    """``meta_*`` columns (without the prefix) present in every run's evaluated frame."""
    common = None
    for ev in evals.values():
        cols = {c[5:] for c in ev.predictions.columns if str(c).startswith("meta_")}
        common = cols if common is None else common & cols
    return sorted(common or [])


def _binned(pred: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str]:
    col = f"meta_{column}"
    values = pred[col]
    numeric = pd.api.types.is_numeric_dtype(values)
    if not numeric or values.nunique(dropna=True) <= MAX_LEVELS:
        return pred, column
    test = values[pred["split"].astype(str) == "test"]
    edges = sorted(set(test.quantile([0, 0.25, 0.5, 0.75, 1.0]).tolist()))
    if len(edges) < 3:
        return pred, column
    edges[0], edges[-1] = float("-inf"), float("inf")
    bands = pd.cut(values, bins=edges)
    # Ordered categories keep the quartiles in numeric order in the table.
    names = [f"({_num(iv.left, 'min')}, {_num(iv.right, 'max')}]" for iv in bands.cat.categories]
    bands = bands.cat.rename_categories(names)
    return pred.assign(**{f"meta_{column}_band": bands}), f"{column}_band"


def _num(value: float, infinite: str) -> str:
    return infinite if not pd.notna(value) or abs(value) == float("inf") else f"{value:g}"


def subgroup_table(evals: Mapping[str, RunEvaluation], thresholds: Mapping[str, float],
                   column: str) -> pd.DataFrame:
    """One row per (run, subgroup): n, n_pos, small flag, every metric, AUC, reasons."""
    parts = []
    for name, ev in evals.items():
        pred, col = _binned(ev.predictions, column)
        try:
            table = subgroup_metrics(pred, col, thresholds[name],
                                     positive_index=ev.positive_index)
        except EvaluationError as exc:
            table = pd.DataFrame([{col: "—", "reason": str(exc)}])
        table.insert(0, "run", name)
        parts.append(table.rename(columns={col: column}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
