"""Exceptions and input checks shared by the evaluation core.

Why a module of its own: every public function validates its inputs the same
way, so a clinician gets the same clear message whether the problem shows up
in a ROC curve, a bootstrap or a paired test - and never a silently wrong
number computed from NaN scores or an empty split.
"""

from __future__ import annotations

import numpy as np

from core.errors import LesionlabError

__all__ = [
    "EvaluationError",
    "EmptyInputError",
    "SingleClassError",
    "SampleMismatchError",
    "check_binary_inputs",
    "has_both_classes",
]


class EvaluationError(LesionlabError, ValueError):
    """Base class: the inputs cannot give a trustworthy evaluation.

    A user causes it (a run evaluated on a split without positives, two runs on different
    test samples), so it is a :class:`~core.errors.LesionlabError`; it also subclasses
    ``ValueError`` so that callers that already guard against bad input with
    ``except ValueError`` keep working.
    """


class EmptyInputError(EvaluationError):
    """No samples at all (for example a split with no rows)."""


class SingleClassError(EvaluationError):
    """Only one class is present, so a ranking metric (AUC, ROC, PR) is undefined."""


class SampleMismatchError(EvaluationError):
    """Two runs were not evaluated on the same test samples; a paired test is invalid."""


def check_binary_inputs(y_true, scores, *, name: str = "scores") -> tuple[np.ndarray, np.ndarray]:
    """Return ``(y_true, scores)`` as 1-D ``int8`` / ``float64`` arrays or raise.

    Rules (decided once here so that every metric behaves alike):

    * empty input -> :class:`EmptyInputError` (there is nothing to report);
    * labels other than 0/1 -> :class:`EvaluationError`;
    * NaN or infinite scores -> :class:`EvaluationError`.  A model that emits
      NaN is broken; dropping those samples would bias every metric;
    * different lengths -> :class:`EvaluationError`.

    A single class is *not* rejected here: threshold metrics stay partly
    defined (e.g. specificity without positives) and each caller decides.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1:
        raise EvaluationError(
            f"y_true and {name} must be 1-D, got shapes {y.shape} and {s.shape}"
        )
    if y.shape[0] != s.shape[0]:
        raise EvaluationError(
            f"y_true has {y.shape[0]} samples but {name} has {s.shape[0]}"
        )
    if y.shape[0] == 0:
        raise EmptyInputError("no samples to evaluate (empty input)")
    if y.dtype == bool:
        y = y.astype(np.int8)
    if y.dtype.kind == "f":
        if np.isnan(y).any():
            raise EvaluationError("y_true contains NaN labels")
    uniq = np.unique(y)
    if not np.isin(uniq, (0, 1)).all():
        raise EvaluationError(
            f"y_true must contain only 0 (negative) and 1 (positive); found {uniq.tolist()[:10]}"
        )
    bad = ~np.isfinite(s)
    if bad.any():
        raise EvaluationError(
            f"{int(bad.sum())} of {s.shape[0]} {name} are NaN or infinite; "
            "refusing to evaluate (dropping them would bias every metric)"
        )
    return y.astype(np.int8, copy=False), s


def has_both_classes(y: np.ndarray) -> bool:
    """True when ``y`` (0/1) holds at least one positive and one negative."""
    n_pos = int(np.count_nonzero(y))
    return 0 < n_pos < y.shape[0]
