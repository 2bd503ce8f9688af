"""Cross-validated ROC: per-fold curves, their mean on a common FPR grid, and a +/-1 std band.

Why a common grid: each fold's ROC curve has its own set of FPR values, so the curves cannot be
averaged point by point.  Each fold is interpolated onto the same FPR grid (as in
scikit-learn's "ROC with cross validation" example) and the TPRs are averaged vertically.

At an FPR where a fold's curve has a vertical step (several TPRs at one FPR) the fold's value is
the *top* of the step: the best sensitivity that fold reaches at that false-positive rate.
(Plain :func:`numpy.interp` on repeated x values would pick an arbitrary point of the step.)

Spread: the sample standard deviation across folds (``ddof=1``): the folds are a sample of the
possible splits, and with 5 folds the population formula understates the spread by ~11 %.
The band is clipped to [0, 1].  The summary AUC is the mean of the fold AUCs +/- their std (not
the AUC of the mean curve, which is not what any fold achieved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .curves import RocCurve, compute_roc
from .errors import EvaluationError
from .frames import binary_split

__all__ = ["CrossValRoc", "cross_validated_roc", "roc_folds_from_predictions", "roc_on_grid"]


@dataclass(frozen=True)
class CrossValRoc:
    """Fold curves on a common grid and their mean +/- std."""

    fpr_grid: np.ndarray
    tprs: np.ndarray  # (n_folds, n_grid)
    mean_tpr: np.ndarray
    std_tpr: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    aucs: np.ndarray
    mean_auc: float
    std_auc: float
    folds: tuple[RocCurve, ...]

    @property
    def n_folds(self) -> int:
        return len(self.folds)


def roc_on_grid(curve: RocCurve, fpr_grid: np.ndarray) -> np.ndarray:
    """One fold's TPR at each grid FPR, taking the top of vertical steps."""
    fpr, tpr = np.asarray(curve.fpr, float), np.asarray(curve.tpr, float)
    order = np.lexsort((tpr, fpr))  # by fpr, then tpr, so each fpr's last entry is its max
    fpr, tpr = fpr[order], tpr[order]
    last = np.r_[fpr[1:] != fpr[:-1], True]
    return np.interp(fpr_grid, fpr[last], tpr[last])


def cross_validated_roc(folds: Sequence[RocCurve], *, n_grid: int = 101) -> CrossValRoc:
    """Mean ROC curve with a +/-1 std band and mean AUC +/- std over >= 2 folds."""
    folds = tuple(folds)
    if len(folds) < 2:
        raise EvaluationError(f"cross-validation needs at least 2 folds, got {len(folds)}")
    bad = [i for i, f in enumerate(folds) if not isinstance(f, RocCurve)]
    if bad:
        raise TypeError(f"folds must be RocCurve objects (compute_roc); items {bad} are not")
    if n_grid < 2:
        raise ValueError("n_grid must be >= 2")
    grid = np.linspace(0.0, 1.0, n_grid)
    tprs = np.vstack([roc_on_grid(f, grid) for f in folds])
    mean, std = tprs.mean(axis=0), tprs.std(axis=0, ddof=1)
    aucs = np.array([f.auc for f in folds], dtype=np.float64)
    return CrossValRoc(
        fpr_grid=grid,
        tprs=tprs,
        mean_tpr=mean,
        std_tpr=std,
        lower=np.clip(mean - std, 0.0, 1.0),
        upper=np.clip(mean + std, 0.0, 1.0),
        aucs=aucs,
        mean_auc=float(aucs.mean()),
        std_auc=float(aucs.std(ddof=1)),
        folds=folds,
    )


def roc_folds_from_predictions(
    folds: Sequence[pd.DataFrame], positive_index: int = 1, *, split: str = "test"
) -> list[RocCurve]:
    """One ROC curve per fold from the folds' stored predictions frames (held-out split)."""
    return [compute_roc(d.y, d.scores) for d in
            (binary_split(f, split, positive_index) for f in folds)]
