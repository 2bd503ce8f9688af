"""Threshold metrics derived from confusion counts.

Why from counts and not from label arrays: every metric here is a ratio of the
four counts, so computing the counts once (cheaply, see
:mod:`core.evaluation.counts`) and deriving all metrics from them keeps a
threshold move O(log n) and lets the bootstrap work on arrays of counts.

Undefined values are ``NaN`` *with a reason*: a ratio whose denominator is 0
(e.g. sensitivity when the split has no malignant sample) is reported as NaN
and :attr:`ThresholdMetrics.undefined` says why.  Differences from
scikit-learn, by design:

* scikit-learn returns 0 (with a warning) for precision/recall with a zero
  denominator; we return NaN plus a reason, because 0 reads as "terrible"
  when the truth is "cannot be measured here".
* MCC: when both classes are present but the predictions are constant, MCC is
  0 (no correlation; same as scikit-learn).  When ``y_true`` holds a single
  class, MCC is NaN with a reason (scikit-learn returns 0).
* balanced accuracy is NaN when either class is absent (scikit-learn averages
  over the classes that are present and warns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .counts import ConfusionCounts, SortedScores
from .errors import check_binary_inputs
from .frozen import FrozenMap

__all__ = [
    "METRIC_NAMES",
    "ThresholdMetrics",
    "rates_from_counts",
    "undefined_reasons",
    "metrics_from_counts",
    "metrics_at_threshold",
]

#: Metrics computed at a threshold, in display order.
METRIC_NAMES: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "sensitivity",
    "specificity",
    "precision",
    "npv",
    "f1",
    "mcc",
)


def _ratio(num, den):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def rates_from_counts(counts: ConfusionCounts) -> dict[str, np.ndarray]:
    """All :data:`METRIC_NAMES` from (possibly array-valued) counts, vectorized.

    Entries whose denominator is zero are NaN; see the module docstring.
    """
    tp = np.asarray(counts.tp, dtype=np.float64)
    fp = np.asarray(counts.fp, dtype=np.float64)
    tn = np.asarray(counts.tn, dtype=np.float64)
    fn = np.asarray(counts.fn, dtype=np.float64)
    pos, neg = tp + fn, tn + fp
    pred_pos, pred_neg = tp + fp, tn + fn
    sens = _ratio(tp, pos)
    spec = _ratio(tn, neg)
    mcc_den = pred_pos * pos * neg * pred_neg
    mcc = _ratio(tp * tn - fp * fn, np.sqrt(mcc_den))
    # Constant predictions with both classes present: no correlation -> 0.
    mcc = np.where((mcc_den == 0) & (pos > 0) & (neg > 0), 0.0, mcc)
    return {
        "accuracy": _ratio(tp + tn, pos + neg),
        "balanced_accuracy": (sens + spec) / 2.0,
        "sensitivity": sens,
        "specificity": spec,
        "precision": _ratio(tp, pred_pos),
        "npv": _ratio(tn, pred_neg),
        "f1": _ratio(2.0 * tp, 2.0 * tp + fp + fn),
        "mcc": mcc,
    }


def undefined_reasons(counts: ConfusionCounts) -> dict[str, str]:
    """Human-readable reason for every metric that is NaN at these (scalar) counts."""
    tp, fp, tn, fn = (int(counts.tp), int(counts.fp), int(counts.tn), int(counts.fn))
    reasons: dict[str, str] = {}
    if tp + fp + tn + fn == 0:
        return {m: "no samples" for m in METRIC_NAMES}
    if tp + fn == 0:
        why = "no positive samples in y_true"
        for m in ("sensitivity", "balanced_accuracy", "mcc"):
            reasons[m] = why
        if fp == 0:
            reasons["f1"] = why + " and none predicted positive"
    if tn + fp == 0:
        why = "no negative samples in y_true"
        for m in ("specificity", "balanced_accuracy", "mcc"):
            reasons.setdefault(m, why)
    if tp + fp == 0:
        reasons["precision"] = "no sample predicted positive at this threshold"
    if tn + fn == 0:
        reasons["npv"] = "no sample predicted negative at this threshold"
    return reasons


@dataclass(frozen=True)
class ThresholdMetrics:
    """Every threshold-dependent metric of one binary run at one threshold.

    ``undefined`` maps each NaN metric to the reason it is undefined.
    Per-class figures follow the clinical-paper convention: the precision of
    class 0 is the NPV and of class 1 the PPV; the sensitivity (recall) of
    class 0 is the specificity and of class 1 the sensitivity.
    """

    threshold: float
    counts: ConfusionCounts
    accuracy: float
    balanced_accuracy: float
    sensitivity: float
    specificity: float
    precision: float
    npv: float
    f1: float
    mcc: float
    undefined: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        c = self.counts
        return int(c.tp + c.fp + c.tn + c.fn)

    @property
    def precision_per_class(self) -> tuple[float, float]:
        """(precision of class 0 = NPV, precision of class 1 = PPV)."""
        return (self.npv, self.precision)

    @property
    def sensitivity_per_class(self) -> tuple[float, float]:
        """(recall of class 0 = specificity, recall of class 1 = sensitivity)."""
        return (self.specificity, self.sensitivity)

    @property
    def fpr(self) -> float:
        """False-positive rate, the x coordinate of the ROC operating point."""
        return 1.0 - self.specificity

    def confusion_matrix(self, normalize: str | None = None) -> np.ndarray:
        """2x2 matrix (rows true 0/1, columns predicted 0/1).

        ``normalize="true"`` divides each row by its class size (rows of an
        absent class become NaN rather than a fake 0).
        """
        m = self.counts.matrix()
        if normalize is None:
            return m
        if normalize != "true":
            raise ValueError("normalize must be None or 'true'")
        rows = m.sum(axis=1, keepdims=True).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(rows > 0, m / np.where(rows > 0, rows, 1.0), np.nan)

    def as_dict(self) -> dict[str, float]:
        """Flat dictionary (threshold, counts, metrics, per-class values) for tables."""
        c = self.counts
        out = {"threshold": self.threshold, "n": self.n, "tp": int(c.tp), "fp": int(c.fp),
               "tn": int(c.tn), "fn": int(c.fn)}
        out.update({m: getattr(self, m) for m in METRIC_NAMES})
        out["precision_class_0"], out["precision_class_1"] = self.precision_per_class
        out["sensitivity_class_0"], out["sensitivity_class_1"] = self.sensitivity_per_class
        return out


def metrics_from_counts(
    counts: ConfusionCounts, threshold: float, rates: Mapping[str, float] | None = None
) -> ThresholdMetrics:
    """Build :class:`ThresholdMetrics` from scalar counts (no data pass needed).

    ``rates`` (from :func:`rates_from_counts` at these counts, e.g. the estimates a bootstrap
    computed alongside its resamples) saves recomputing them on every slider move.
    """
    if rates is None:
        rates = rates_from_counts(counts)
    return ThresholdMetrics(
        threshold=float(threshold),
        counts=counts,
        undefined=FrozenMap(undefined_reasons(counts)),
        **{m: float(rates[m]) for m in METRIC_NAMES},
    )


def metrics_at_threshold(y_true, scores, threshold: float) -> ThresholdMetrics:
    """One-shot metrics at ``threshold`` (predict positive when ``score >= threshold``).

    For repeated threshold moves build a :class:`SortedScores` once instead
    and call :func:`metrics_from_counts` on ``sorted.counts(t)``.
    """
    y, s = check_binary_inputs(y_true, scores)
    return metrics_from_counts(SortedScores(y, s).counts(threshold), threshold)
