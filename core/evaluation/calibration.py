"""Calibration: does a predicted 0.8 mean "malignant 8 times out of 10"?

Why it matters clinically: AUC only measures ranking.  A model can rank well
and still report probabilities that are systematically too high or too low,
which misleads anyone who reads the score as a risk.

Binning (documented because ECE depends on it): ``n_bins`` equal-width bins on
[0, 1], assigned exactly like :func:`sklearn.calibration.calibration_curve`
with ``strategy="uniform"`` - i.e. ``np.searchsorted(edges[1:-1], p)`` so the
bins are right-closed: [0, 0.1], (0.1, 0.2], ..., (0.9, 1.0].

Expected calibration error (ECE, Naeini et al. 2015; Guo et al. 2017)::

    ECE = sum_b (n_b / n) * | mean(y in b) - mean(p in b) |

over non-empty bins.  It is a weighted mean absolute gap, in probability units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import brier_score_loss

from .errors import EvaluationError, check_binary_inputs

__all__ = ["CalibrationResult", "compute_calibration"]


@dataclass(frozen=True)
class CalibrationResult:
    """Reliability curve (non-empty bins only), Brier score and ECE.

    ``prob_true`` / ``prob_pred`` match scikit-learn's ``calibration_curve``
    output; ``bin_counts`` and ``bin_index`` say how many samples stand behind
    each point (a point from 3 samples should not be over-read).
    """

    prob_true: np.ndarray
    prob_pred: np.ndarray
    bin_counts: np.ndarray
    bin_index: np.ndarray
    bin_edges: np.ndarray
    brier: float
    ece: float
    n_bins: int


def compute_calibration(y_true, scores, n_bins: int = 10) -> CalibrationResult:
    """Reliability curve, Brier score and equal-width-bin ECE.

    Defined with a single class too (Brier and ECE then measure how close the
    scores are to that class).  Scores outside [0, 1] are not probabilities:
    :class:`EvaluationError`.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    y, s = check_binary_inputs(y_true, scores)
    if s.min() < 0.0 or s.max() > 1.0:
        raise EvaluationError("calibration needs probabilities in [0, 1]; scores fall outside")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], s)
    total = np.bincount(ids, minlength=n_bins)
    sum_p = np.bincount(ids, weights=s, minlength=n_bins)
    sum_y = np.bincount(ids, weights=y.astype(np.float64), minlength=n_bins)
    nz = total > 0
    prob_true = sum_y[nz] / total[nz]
    prob_pred = sum_p[nz] / total[nz]
    ece = float(np.sum(total[nz] / s.shape[0] * np.abs(prob_true - prob_pred)))
    brier = float(brier_score_loss(y, s, pos_label=1))
    return CalibrationResult(
        prob_true, prob_pred, total[nz], np.flatnonzero(nz), edges, brier, ece, n_bins
    )
