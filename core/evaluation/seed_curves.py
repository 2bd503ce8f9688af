"""A configuration's ROC and PR curves and confusion counts averaged over its seeds.

Why averaged on a grid: each seed's curve has its own vertices, so curves are averaged
vertically on a common grid (the cross-validation recipe, :mod:`core.evaluation.crossval`,
whose :func:`~core.evaluation.crossval.roc_on_grid` reads each ROC curve here too). The band is
the point-wise sample SD over seeds (ddof=1), clipped to [0, 1]: a picture of how much the curve
moves with the seed, not a confidence interval (the configuration's CI is the metric's, from
:mod:`core.evaluation.seeds`). With one seed there is no spread: the SD and the band are NaN.

PR curves are averaged on a recall grid. At recall ``r`` a seed's precision is that of its
point with the smallest recall ``>= r`` (the step curve that average precision integrates;
the best precision where several points share that recall, as ROC takes the top of a vertical
step). At recall 0 this is scikit-learn's end point (precision 1), as in every PR plot.

Confusion counts: the mean and SD of each cell over seeds, each seed at its own threshold (the
caller's choice); the means are fractional counts ("on average 12.3 missed cancers"). A
cross-validated seed counts its folds together (:func:`configuration_confusion`): the folds'
test sets are disjoint, so their summed counts are the whole dataset's, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .counts import ConfusionCounts
from .crossval import roc_on_grid
from .curves import PrCurve, RocCurve
from .errors import EvaluationError

__all__ = ["MeanConfusion", "MeanCurve", "configuration_confusion", "mean_confusion",
           "pr_on_grid", "seed_mean_pr", "seed_mean_roc"]


@dataclass(frozen=True)
class MeanCurve:
    """Per-seed curves on ``grid`` (rows), their mean, sample SD and the +/-1 SD band."""

    grid: np.ndarray
    values: np.ndarray  # (n_seeds, n_grid)
    mean: np.ndarray
    sd: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n_seeds(self) -> int:
        return int(self.values.shape[0])


def _mean_curve(grid: np.ndarray, values: np.ndarray) -> MeanCurve:
    mean = values.mean(axis=0)
    sd = values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.full(grid.shape, np.nan)
    return MeanCurve(grid, values, mean, sd, np.clip(mean - sd, 0.0, 1.0),
                     np.clip(mean + sd, 0.0, 1.0))


def _grid(curves: Sequence, kind: type, n_grid: int) -> np.ndarray:
    if not curves:
        raise EvaluationError("no curves to average")
    bad = [i for i, c in enumerate(curves) if not isinstance(c, kind)]
    if bad:
        raise TypeError(f"curves must be {kind.__name__} objects; items {bad} are not")
    if n_grid < 2:
        raise ValueError("n_grid must be >= 2")
    return np.linspace(0.0, 1.0, n_grid)


def seed_mean_roc(curves: Sequence[RocCurve], *, n_grid: int = 101) -> MeanCurve:
    """Mean TPR over seeds on an FPR grid, with the +/-1 SD band (NaN with one seed)."""
    grid = _grid(curves, RocCurve, n_grid)
    return _mean_curve(grid, np.vstack([roc_on_grid(c, grid) for c in curves]))


def pr_on_grid(curve: PrCurve, recall_grid: np.ndarray) -> np.ndarray:
    """One PR curve's precision at each grid recall (see the module docstring)."""
    rec = np.asarray(curve.recall, dtype=np.float64)
    prec = np.asarray(curve.precision, dtype=np.float64)
    order = np.lexsort((-prec, rec))  # by recall, best precision first within a recall
    rec, prec = rec[order], prec[order]
    first = np.r_[True, rec[1:] != rec[:-1]]
    rec, prec = rec[first], prec[first]
    idx = np.searchsorted(rec, np.asarray(recall_grid, dtype=np.float64), side="left")
    return prec[np.minimum(idx, rec.shape[0] - 1)]


def seed_mean_pr(curves: Sequence[PrCurve], *, n_grid: int = 101) -> MeanCurve:
    """Mean precision over seeds on a recall grid, with the +/-1 SD band (NaN with one seed)."""
    grid = _grid(curves, PrCurve, n_grid)
    return _mean_curve(grid, np.vstack([pr_on_grid(c, grid) for c in curves]))


@dataclass(frozen=True)
class MeanConfusion:
    """Mean and sample SD of each confusion cell over seeds (2x2, rows true 0/1, cols predicted
    0/1, as :meth:`ConfusionCounts.matrix`); SD NaN with one seed."""

    mean: np.ndarray
    sd: np.ndarray
    n_seeds: int


def mean_confusion(counts: Sequence[ConfusionCounts]) -> MeanConfusion:
    """Mean confusion counts of one configuration's seeds (each at its own threshold)."""
    if not counts:
        raise EvaluationError("no confusion counts to average")
    m = np.stack([c.matrix() for c in counts]).astype(np.float64)
    sd = m.std(axis=0, ddof=1) if m.shape[0] > 1 else np.full((2, 2), np.nan)
    return MeanConfusion(m.mean(axis=0), sd, int(m.shape[0]))


def configuration_confusion(grid: Sequence[Sequence[ConfusionCounts | None]]) -> MeanConfusion:
    """Mean confusion counts of a configuration's seeds x folds grid (one column for plain
    runs; None where a run is missing): each seed's folds summed, a seed with a missing fold
    left out (as the configuration's metrics leave it out), then :func:`mean_confusion`."""
    rows = [row for row in grid if row and all(cell is not None for cell in row)]
    return mean_confusion([ConfusionCounts(*(sum(int(getattr(c, f)) for c in row)
                                             for f in ("tp", "fp", "tn", "fn")))
                           for row in rows])
