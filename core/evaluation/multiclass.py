"""Runs with K > 2 classes (e.g. tumour subtypes): confusion matrix, one-vs-rest ROC, averages.

Why one-vs-rest and both averages: a clinician asks "how well is *this* subtype recognised?"
(the per-class OvR curve) and "how good is the model overall?"; the macro average weighs every
subtype equally (a rare subtype counts as much as a common one), the weighted average by
support (dominated by common subtypes).  Showing both makes a model that ignores a rare class
visible.  Everything is computed by scikit-learn; the prediction is the arg-max class.

A class absent from the split has no OvR curve and no recall: those entries are NaN with a
reason, and the averages that would need them (macro/weighted AUC) are NaN too, rather than
silently averaging over the classes that happen to be present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

from .curves import RocCurve, compute_roc
from .errors import EmptyInputError, EvaluationError
from .frames import check_predictions
from .frozen import FrozenMap

__all__ = ["MulticlassResult", "evaluate_multiclass", "multiclass_from_predictions"]


@dataclass(frozen=True)
class MulticlassResult:
    """Confusion matrix, per-class and averaged metrics of one K-class split."""

    class_names: tuple[str, ...]
    confusion: np.ndarray  # (K, K) counts, rows true, columns predicted
    confusion_normalized: np.ndarray  # rows divided by class support; NaN rows for absent classes
    per_class: pd.DataFrame  # index class name: precision, recall, f1, support, auc
    averages: pd.DataFrame  # index ("macro", "weighted"): precision, recall, f1, auc
    roc: Mapping[str, RocCurve]  # one-vs-rest curve per class present with both outcomes
    reasons: Mapping[str, str]

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.confusion.sum())


def evaluate_multiclass(
    y_true, proba, class_names: Sequence[str] | None = None
) -> MulticlassResult:
    """All multiclass metrics from integer targets (n,) and class probabilities (n, K)."""
    y, p, names = _checked_inputs(y_true, proba, class_names)
    labels = np.arange(p.shape[1])
    predicted = p.argmax(axis=1)
    cm = confusion_matrix(y, predicted, labels=labels)
    rows = cm.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cm_norm = np.where(rows > 0, cm / np.where(rows > 0, rows, 1.0), np.nan)
    prec, rec, f1, support = precision_recall_fscore_support(
        y, predicted, labels=labels, zero_division=np.nan
    )
    roc, aucs, reasons = _one_vs_rest(y, p, names)
    per_class = pd.DataFrame(
        {"precision": prec, "recall": rec, "f1": f1, "support": support, "auc": aucs},
        index=pd.Index(names, name="class"),
    )
    averages = _averages(y, p, labels, reasons)
    return MulticlassResult(
        names, cm, cm_norm, per_class, averages, FrozenMap(roc), FrozenMap(reasons)
    )


def _checked_inputs(y_true, proba, class_names) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Targets, probabilities and class names as arrays, or the :class:`EvaluationError` that
    says which rule they break (a metric of NaN or unnormalised scores would look valid)."""
    p = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y_true)
    if p.ndim != 2 or p.shape[1] < 2:
        raise EvaluationError(f"proba must have shape (n, K>=2), got {p.shape}")
    if y.shape != (p.shape[0],):
        raise EvaluationError(f"y_true has shape {y.shape} but proba has {p.shape[0]} rows")
    if p.shape[0] == 0:
        raise EmptyInputError("no samples to evaluate (empty input)")
    if not np.isfinite(p).all():
        raise EvaluationError(f"{int((~np.isfinite(p)).any(axis=1).sum())} rows have NaN or "
                              "infinite probabilities; refusing to evaluate")
    drift = np.abs(p.sum(axis=1) - 1.0)
    if (p < 0).any() or (drift > 1e-3).any():
        raise EvaluationError(f"{int((drift > 1e-3).sum())} rows of proba do not sum to 1 (or "
                              "hold negative values): expected class probabilities")
    k = p.shape[1]
    names = tuple(class_names) if class_names is not None else tuple(str(i) for i in range(k))
    if len(names) != k:
        raise EvaluationError(f"{len(names)} class names for {k} probability columns")
    if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= k:
        raise EvaluationError(f"y_true must hold class indices 0..{k - 1}")
    return y, p, names


def _one_vs_rest(y: np.ndarray, p: np.ndarray, names: tuple[str, ...]):
    """Each class's one-vs-rest ROC curve and AUC; a class without both outcomes gets NaN and
    the reason instead."""
    reasons: dict[str, str] = {}
    roc: dict[str, RocCurve] = {}
    aucs = np.full(len(names), np.nan)
    for c in range(len(names)):
        yc = (y == c).astype(np.int8)
        if 0 < yc.sum() < yc.shape[0]:
            roc[names[c]] = compute_roc(yc, p[:, c])
            aucs[c] = roc[names[c]].auc
        else:
            reasons[names[c]] = ("class absent from this split: no one-vs-rest curve, recall "
                                 "undefined" if yc.sum() == 0 else "only this class present")
    return roc, aucs, reasons


def _averages(y: np.ndarray, p: np.ndarray, labels: np.ndarray,
              reasons: dict[str, str]) -> pd.DataFrame:
    """Macro and weighted precision, recall, F1 and AUC; the AUCs are NaN (and ``reasons``
    says why) when a class lacks an outcome."""
    averages = pd.DataFrame(index=pd.Index(["macro", "weighted"], name="average"))
    for avg in ("macro", "weighted"):
        pr, rc, ff, _ = precision_recall_fscore_support(
            y, p.argmax(axis=1), labels=labels, average=avg, zero_division=np.nan
        )
        averages.loc[avg, ["precision", "recall", "f1"]] = [pr, rc, ff]
    if reasons:
        averages["auc"] = np.nan
        reasons["auc_average"] = "macro/weighted AUC need every class present with both outcomes"
    else:
        # roc_auc_score(multi_class="ovr") requires rows summing to 1; renormalise tiny drift.
        pn = p / p.sum(axis=1, keepdims=True)
        for avg in ("macro", "weighted"):
            averages.loc[avg, "auc"] = roc_auc_score(y, pn, multi_class="ovr", average=avg,
                                                     labels=labels)
    return averages


def multiclass_from_predictions(
    pred: pd.DataFrame, class_names: Sequence[str] | None = None, *, split: str = "test"
) -> MulticlassResult:
    """:func:`evaluate_multiclass` on one split of a stored predictions frame."""
    probs = check_predictions(pred)
    rows = pred[pred["split"].astype(str) == split]
    if rows.empty:
        raise EmptyInputError(f"the predictions have no {split!r} rows")
    return evaluate_multiclass(
        rows["target"].to_numpy().astype(np.int64), rows[probs].to_numpy(np.float64), class_names
    )
