"""Threshold-free curves: ROC and precision-recall, computed once per run.

Why separate result objects: the curves are the expensive, threshold-free part
of an evaluation.  They are computed once (with scikit-learn) and cached; the
dashboard's threshold slider only moves an operating-point marker whose
coordinates come from :class:`core.evaluation.counts.SortedScores`.

Both curves need both classes: with a single class the ROC curve divides by
zero and AUC is undefined, so the builders raise :class:`SingleClassError`
(scikit-learn would warn and return NaN arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import auc, precision_recall_curve, roc_curve

from .errors import SingleClassError, check_binary_inputs, has_both_classes

__all__ = ["RocCurve", "PrCurve", "compute_roc", "compute_pr", "require_both_classes"]


def require_both_classes(y: np.ndarray, what: str) -> None:
    """Raise :class:`SingleClassError` naming ``what`` when ``y`` has one class."""
    if not has_both_classes(y):
        only = int(y[0])
        raise SingleClassError(
            f"{what} is undefined: y_true contains only class {only} "
            f"({'positive' if only == 1 else 'negative'}) among {y.shape[0]} samples"
        )


@dataclass(frozen=True)
class RocCurve:
    """ROC curve (``fpr``, ``tpr`` at ``thresholds``, descending) and its AUC.

    ``thresholds[0]`` is ``inf`` (nothing predicted positive), as in
    :func:`sklearn.metrics.roc_curve`.
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float
    n_pos: int
    n_neg: int


@dataclass(frozen=True)
class PrCurve:
    """Precision-recall curve and average precision.

    ``prevalence`` (fraction of positives) is the precision of a random
    classifier: the baseline a PR curve must be read against.
    """

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray
    average_precision: float
    prevalence: float


def compute_roc(y_true, scores, *, drop_intermediate: bool = True) -> RocCurve:
    """ROC curve and AUC via :func:`sklearn.metrics.roc_curve`.

    ``drop_intermediate=True`` removes collinear points: the plotted curve is
    identical but far smaller for 50,000-sample runs.
    """
    y, s = check_binary_inputs(y_true, scores)
    require_both_classes(y, "ROC curve / AUC")
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=drop_intermediate)
    n_pos = int(y.sum())
    # Trapezoid area of the ROC curve == roc_auc_score (ties are diagonal segments), without
    # sorting the scores a second time; dropped collinear points do not change the area.
    return RocCurve(fpr, tpr, thr, float(auc(fpr, tpr)), n_pos, int(y.shape[0] - n_pos))


def compute_pr(y_true, scores, *, drop_intermediate: bool = True) -> PrCurve:
    """Precision-recall curve and average precision (scikit-learn's step-wise AP).

    AP is the step-wise sum ``sum_k (R_k - R_{k-1}) P_k`` (no trapezoidal
    interpolation, which would be optimistic).
    """
    y, s = check_binary_inputs(y_true, scores)
    require_both_classes(y, "precision-recall curve / average precision")
    prec, rec, thr = precision_recall_curve(y, s, drop_intermediate=drop_intermediate)
    # scikit-learn's average_precision_score is exactly this sum over the same curve; computing
    # it here saves a second sort.  Points dropped by drop_intermediate all share the recall of
    # a kept neighbour, so they add (R_k - R_{k-1}) = 0 and the sum is unchanged (tested).
    ap = float(-np.sum(np.diff(rec) * prec[:-1]))
    return PrCurve(prec, rec, thr, ap, float(y.mean()))
