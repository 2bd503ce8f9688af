"""Choosing a decision threshold on the validation split, then freezing it for test.

Why the API looks like this: a threshold tuned on the test set makes every test metric
optimistic, and nothing in the numbers shows it.  :func:`choose_threshold` therefore accepts
only a :class:`~core.evaluation.frames.ScoredSamples` whose ``split`` is ``"val"`` (built by
``binary_split(pred, "val")``): arrays, a :class:`SortedScores` or test samples are refused.
The chosen :class:`ThresholdChoice` is then applied unchanged to the test split
(:func:`apply_threshold`), and both sets of metrics are reported side by side.

Every method scans :meth:`SortedScores.candidate_thresholds` (every threshold at which the
validation counts change, placed between validation scores) in one vectorized call:

``youden``       maximise sensitivity + specificity - 1.
``sensitivity``  the highest threshold whose sensitivity is >= ``target`` (e.g. 0.95): the most
                 specific rule that still catches the required share of cancers.
``specificity``  the lowest threshold whose specificity is >= ``target``: the most sensitive
                 rule that keeps false alarms within budget.
``cost``         ``target`` = cost of a false negative / cost of a false positive (a missed
                 cancer is usually far costlier).  Minimises the expected cost per case
                 ``ratio * prevalence * (1 - sens) + (1 - prevalence) * (1 - spec)`` using the
                 validation prevalence, i.e. ``ratio * FN + FP`` on validation.
``fixed``        ``target`` is the threshold itself (e.g. 0.5); only its validation metrics are
                 computed.

Ties (several thresholds equally good for youden / cost) resolve to the highest threshold,
i.e. the fewest positive calls among equally good rules; stated so the choice is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import EvaluationError, SingleClassError
from .frames import ScoredSamples
from .metrics import ThresholdMetrics, metrics_from_counts, rates_from_counts

__all__ = [
    "METHODS",
    "ThresholdChoice",
    "AppliedThreshold",
    "choose_threshold",
    "apply_threshold",
]

Method = Literal["youden", "sensitivity", "specificity", "cost", "fixed"]
METHODS: tuple[str, ...] = ("youden", "sensitivity", "specificity", "cost", "fixed")
_DEFAULT_TARGET = {"sensitivity": 0.95, "specificity": 0.95, "cost": 1.0, "fixed": 0.5}
_EPS = 1e-12  # float slack when comparing a rate like 19/20 with a target like 0.95


@dataclass(frozen=True)
class ThresholdChoice:
    """A threshold chosen on validation data, with the validation metrics at it.

    ``target`` is the method's parameter (sensitivity / specificity target, cost ratio, fixed
    value; ``None`` for youden).
    """

    method: str
    target: float | None
    threshold: float
    validation: ThresholdMetrics

    @property
    def label(self) -> str:
        """Short human description, e.g. ``"sensitivity >= 0.95 (val)"``."""
        if self.method == "youden":
            return "Youden (val)"
        if self.method == "sensitivity":
            return f"sensitivity >= {self.target:g} (val)"
        if self.method == "specificity":
            return f"specificity >= {self.target:g} (val)"
        if self.method == "cost":
            return f"FN:FP cost {self.target:g}:1 (val)"
        return f"fixed {self.threshold:g}"


@dataclass(frozen=True)
class AppliedThreshold:
    """A frozen validation threshold and what it gives on validation and on test."""

    choice: ThresholdChoice
    test: ThresholdMetrics

    def as_rows(self) -> list[dict[str, float | str]]:
        """Two table rows (validation, test) with the same columns."""
        val = {"split": "val", **self.choice.validation.as_dict()}
        test = {"split": "test", **self.test.as_dict()}
        return [val, test]


def _check_target(method: str, target: float | None) -> float | None:
    if method not in METHODS:
        raise ValueError(f"unknown threshold method {method!r}; choose one of {METHODS}")
    if method == "youden":
        if target is not None:
            raise ValueError("method 'youden' takes no target")
        return None
    t = _DEFAULT_TARGET[method] if target is None else float(target)
    if not np.isfinite(t):
        raise ValueError(f"target for {method!r} must be a finite number, got {target}")
    if method in ("sensitivity", "specificity") and not 0.0 < t <= 1.0:
        raise ValueError(f"{method} target must be in (0, 1], got {t}")
    if method == "cost" and t <= 0.0:
        raise ValueError(f"cost ratio (FN cost / FP cost) must be > 0, got {t}")
    return t


def _need(val: ScoredSamples, positives: bool, negatives: bool, method: str) -> None:
    s = val.sorted
    if positives and s.n_pos == 0:
        raise SingleClassError(f"threshold method {method!r} needs validation positives; "
                               f"the validation split has none among {s.n} samples")
    if negatives and s.n_neg == 0:
        raise SingleClassError(f"threshold method {method!r} needs validation negatives; "
                               f"the validation split has none among {s.n} samples")


def _last_best(values: np.ndarray) -> int:
    """Index of the highest threshold among the maxima (candidates are ascending)."""
    best = np.max(values)
    return int(np.flatnonzero(values >= best - _EPS)[-1])


def choose_threshold(
    validation: ScoredSamples, method: Method = "youden", target: float | None = None
) -> ThresholdChoice:
    """Pick a threshold on validation data only (see the module docstring for each method)."""
    if not isinstance(validation, ScoredSamples):
        raise TypeError(
            "choose_threshold takes the validation split as ScoredSamples "
            f"(binary_split(pred, 'val')), not {type(validation).__name__}"
        )
    if validation.split != "val":
        raise EvaluationError(
            f"thresholds are chosen on the validation split only; got {validation.split!r} "
            "samples (tuning on test would make every test metric optimistic)"
        )
    t_target = _check_target(method, target)
    s = validation.sorted
    if method == "fixed":
        threshold = float(t_target)
    else:
        _need(validation, method != "specificity", method != "sensitivity", method)
        cand = s.candidate_thresholds()
        counts = s.counts(cand)
        if method == "youden":
            r = rates_from_counts(counts)
            threshold = cand[_last_best(r["sensitivity"] + r["specificity"])]
        elif method == "sensitivity":
            ok = rates_from_counts(counts)["sensitivity"] >= t_target - _EPS
            threshold = cand[np.flatnonzero(ok)[-1]]  # the lowest candidate always has sens 1
        elif method == "specificity":
            ok = rates_from_counts(counts)["specificity"] >= t_target - _EPS
            threshold = cand[np.flatnonzero(ok)[0]]  # the top candidate always has spec 1
        else:  # cost
            cost = t_target * np.asarray(counts.fn, float) + np.asarray(counts.fp, float)
            threshold = cand[_last_best(-cost)]
    chosen = metrics_from_counts(s.counts(float(threshold)), float(threshold))
    return ThresholdChoice(method, t_target, float(threshold), chosen)


def apply_threshold(choice: ThresholdChoice, test: ScoredSamples) -> AppliedThreshold:
    """Apply a frozen validation threshold to the test split, unchanged."""
    if test.split != "test":
        raise EvaluationError(f"apply_threshold expects the test split, got {test.split!r}")
    t = choice.threshold
    return AppliedThreshold(choice, metrics_from_counts(test.sorted.counts(t), t))
