"""Metrics per subgroup (site, magnification, age band, ...) at one threshold.

Why: a model that is excellent overall can fail for one scanner, one hospital or one age group,
and that is what a clinician must see before trusting it.  Subgroups are small, so every row
shows how many samples (and positives) stand behind it and is flagged when too small to read;
a subgroup with a single class gets NaN for the metrics it cannot define, with the reason,
rather than an error that would hide the other subgroups.

Why numeric columns are binned: metadata such as age or a patch coordinate has hundreds of
distinct values, and one row per value would be rows of one or two samples.  Numeric columns
with more than :data:`MAX_LEVELS` values are cut into quartiles of the test split (labelled with
their ranges in words, :func:`band_label`) by :func:`binned_column`; :func:`subgroup_table`
does that for several runs at once, each at its own threshold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from .counts import SortedScores
from .errors import EvaluationError
from .frames import binary_split, check_predictions
from .metrics import METRIC_NAMES, metrics_from_counts

if TYPE_CHECKING:  # evaluate imports this module
    from .evaluate import RunEvaluation

__all__ = ["MAX_LEVELS", "MISSING", "COLUMN_LABELS", "age_bands", "band_label", "binned_column",
           "column_label", "metadata_columns", "subgroup_metrics", "subgroup_table"]

#: Subgroup label for rows whose metadata value is missing (kept visible, never dropped).
MISSING = "(missing)"
#: A numeric metadata column with more distinct values than this is cut into quartiles.
MAX_LEVELS = 12
#: Readable names of the metadata the loaders write (``meta_<key>``): a bare ``x`` says nothing
#: to a reader who did not write the IDC loader (it is the patch's offset on the slide).
COLUMN_LABELS = {
    "x": "x: patch position on the slide (px)",
    "y": "y: patch position on the slide (px)",
    "magnification": "magnification",
    "subtype": "tumour subtype",
    "tumor": "tumour class",
}


def age_bands(series: pd.Series, edges: Sequence[float]) -> pd.Series:
    """Age bands ``[lo, hi)`` as strings like ``"40-<50"``; missing ages stay missing.

    An age outside all bands raises instead of silently vanishing from the table; use
    ``float('inf')`` as the last edge for an open-ended band (labelled ``">=80"``).
    """
    e = np.asarray(edges, dtype=np.float64)
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0) or np.isnan(e).any():
        raise EvaluationError(f"edges must be >= 2 strictly increasing numbers, got {list(edges)}")
    age = pd.to_numeric(series, errors="coerce")
    if (age.isna() & series.notna()).any():
        raise EvaluationError("ages must be numbers; found non-numeric values")
    outside = age.notna() & ((age < e[0]) | (age >= e[-1]))
    if outside.any():
        raise EvaluationError(
            f"{int(outside.sum())} ages fall outside [{e[0]:g}, {e[-1]:g}); widen the edges"
        )
    labels = [f">={lo:g}" if np.isinf(hi) else f"{lo:g}-<{hi:g}" for lo, hi in zip(e[:-1], e[1:])]
    return pd.cut(age, bins=e, right=False, labels=labels)


def _auc_or_reason(y: np.ndarray, s: np.ndarray) -> tuple[float, str]:
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == y.shape[0]:
        which = "positive" if n_pos == 0 else "negative"
        return float("nan"), f"AUC undefined: no {which} samples"
    return float(roc_auc_score(y, s)), ""


def subgroup_metrics(
    pred: pd.DataFrame, column: str, threshold: float, *, positive_index: int = 1,
    split: str = "test", min_n: int = 30, min_pos: int = 5,
) -> pd.DataFrame:
    """One row per value of ``column``: n, n_pos, n_neg, every threshold metric, AUC.

    ``column`` may be given with or without its ``meta_`` prefix; for age bands add a column
    first: ``pred.assign(meta_age_band=age_bands(pred["meta_age"], [0, 40, 60, inf]))``.
    ``small`` is True when a subgroup has fewer than ``min_n`` samples or fewer than
    ``min_pos`` of either class; ``reason`` lists every NaN metric and why.  The threshold
    should be one frozen on validation (a threshold tuned per subgroup on test is optimistic).
    """
    check_predictions(pred)
    col = column if column in pred.columns else f"meta_{column}"
    if col not in pred.columns:
        meta = [c for c in pred.columns if str(c).startswith("meta_")]
        raise EvaluationError(f"no metadata column {column!r}; available: {meta}")
    data = binary_split(pred, split, positive_index, checked=True)
    rows_split = pred[pred["split"].astype(str) == split]
    groups = rows_split.reset_index(drop=True).groupby(col, sort=True, dropna=False, observed=True)
    out = []
    for value, sub in groups:
        idx = sub.index.to_numpy()
        value = MISSING if pd.isna(value) else value
        y, s = data.y[idx], data.scores[idx]
        m = metrics_from_counts(SortedScores(y, s).counts(float(threshold)), float(threshold))
        auc, auc_why = _auc_or_reason(y, s)
        n_pos = int(y.sum())
        reasons = [f"{k}: {v}" for k, v in m.undefined.items()] + ([auc_why] if auc_why else [])
        out.append({
            column: value, "n": int(y.shape[0]), "n_pos": n_pos, "n_neg": int(y.shape[0] - n_pos),
            "small": bool(y.shape[0] < min_n or min(n_pos, y.shape[0] - n_pos) < min_pos),
            **{k: getattr(m, k) for k in METRIC_NAMES}, "auc": auc, "reason": "; ".join(reasons),
        })
    return pd.DataFrame(out)


def metadata_columns(evals: Mapping[str, RunEvaluation]) -> list[str]:
    """``meta_*`` columns (without the prefix) present in every run's evaluated frame."""
    common = None
    for ev in evals.values():
        cols = {c[5:] for c in ev.predictions.columns if str(c).startswith("meta_")}
        common = cols if common is None else common & cols
    return sorted(common or [])


def binned_column(pred: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str]:
    """``(pred, column)`` as given, or with ``meta_<column>_band``: the quartiles of the test
    split (ordered categories named by their ranges, the outer ones open) when ``column`` is
    numeric with more than :data:`MAX_LEVELS` values and has at least two distinct quartiles."""
    if f"meta_{column}" not in pred.columns:  # subgroup_metrics says so, naming the others
        return pred, column
    values = pred[f"meta_{column}"]
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
    names = [band_label(iv.left, iv.right) for iv in bands.cat.categories]
    bands = bands.cat.rename_categories(names)
    return pred.assign(**{f"meta_{column}_band": bands}), f"{column}_band"


def band_label(low: float, high: float) -> str:
    """A quartile band ``(low, high]`` in words a reader parses at once: ``"≤ 4.75"``,
    ``"> 4.75 and ≤ 8.5"``, ``"> 12.25"`` (an infinite bound is an open outer band)."""
    if low == float("-inf"):
        return f"\u2264 {high:g}"
    if high == float("inf"):
        return f"> {low:g}"
    return f"> {low:g} and \u2264 {high:g}"


def column_label(column: str) -> str:
    """The name a metadata column is offered under: :data:`COLUMN_LABELS`, else the column
    with its underscores as spaces (``age_group`` -> ``age group``)."""
    return COLUMN_LABELS.get(column, column.replace("_", " "))


def subgroup_table(evals: Mapping[str, RunEvaluation], thresholds: Mapping[str, float],
                   column: str) -> pd.DataFrame:
    """One row per (run, subgroup): n, n_pos, small flag, every metric, AUC, reasons.

    ``evals`` and ``thresholds`` are keyed by run name; a run that cannot be broken down gets
    one row with the reason instead of hiding the others.
    """
    parts = []
    for name, ev in evals.items():
        pred, col = binned_column(ev.predictions, column)
        try:
            table = subgroup_metrics(pred, col, thresholds[name],
                                     positive_index=ev.positive_index)
        except EvaluationError as exc:
            table = pd.DataFrame([{col: "—", "reason": str(exc)}])
        table.insert(0, "run", name)
        parts.append(table.rename(columns={col: column}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
