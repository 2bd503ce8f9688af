"""Threshold-dependent confusion counts from one precomputed sort.

Why: in the dashboard the user drags a threshold slider over several runs.
Recomputing a confusion matrix from scratch is O(n) per run per move; here the
scores are sorted once (O(n log n)) together with cumulative counts of
positives and negatives, after which the counts at *any* threshold are one
``np.searchsorted`` away (O(log n)).  The same object also evaluates a whole
vector of thresholds at once, which is how threshold selection scans every
candidate in one call.

Decision rule everywhere in Lesionlab: predict positive when ``score >= t``
(:func:`core.evaluation.decision.decide`, the convention of
:func:`sklearn.metrics.roc_curve`); the binary search below gives the same
counts, ties included, and is tested against ``decide``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import check_binary_inputs

__all__ = ["ConfusionCounts", "SortedScores"]


@dataclass(frozen=True)
class ConfusionCounts:
    """Binary confusion counts; scalars or equally shaped integer arrays.

    Array-valued counts (one entry per threshold or per bootstrap resample)
    flow through :func:`core.evaluation.metrics.rates_from_counts` unchanged,
    which is what keeps the bootstrap vectorized.
    """

    tp: np.ndarray | int
    fp: np.ndarray | int
    tn: np.ndarray | int
    fn: np.ndarray | int

    @property
    def n_pos(self):
        return self.tp + self.fn

    @property
    def n_neg(self):
        return self.tn + self.fp

    def matrix(self) -> np.ndarray:
        """2x2 matrix in scikit-learn order: rows = true (0, 1), cols = predicted (0, 1)."""
        return np.array([[self.tn, self.fp], [self.fn, self.tp]], dtype=np.int64)


class SortedScores:
    """Scores sorted once, with cumulative class counts, for O(log n) look-ups.

    Parameters
    ----------
    y_true : array of 0/1
    scores : array of float (probability of the positive class)

    Notes
    -----
    With ``s`` sorted ascending, ``k = searchsorted(s, t, side="left")`` is
    the number of samples with ``score < t`` (predicted negative).  Among
    them ``cum_pos[k]`` are positives (false negatives) and ``cum_neg[k]``
    negatives (true negatives); the rest follows from the class totals.  Ties
    are therefore handled exactly like ``scores >= t``.
    """

    __slots__ = ("sorted_scores", "cum_pos", "cum_neg", "n_pos", "n_neg")

    def __init__(self, y_true, scores):
        y, s = check_binary_inputs(y_true, scores)
        order = np.argsort(s, kind="stable")
        self.sorted_scores = s[order]
        ys = y[order]
        self.cum_pos = np.concatenate(([0], np.cumsum(ys, dtype=np.int64)))
        self.cum_neg = np.arange(ys.shape[0] + 1, dtype=np.int64) - self.cum_pos
        self.n_pos = int(self.cum_pos[-1])
        self.n_neg = int(self.cum_neg[-1])

    @property
    def n(self) -> int:
        return self.n_pos + self.n_neg

    def counts(self, threshold) -> ConfusionCounts:
        """Counts at ``threshold`` (a scalar or an array of thresholds)."""
        t = np.asarray(threshold, dtype=np.float64)
        if np.isnan(t).any():
            raise ValueError("threshold must not be NaN")
        k = np.searchsorted(self.sorted_scores, t, side="left")
        fn = self.cum_pos[k]
        tn = self.cum_neg[k]
        tp = self.n_pos - fn
        fp = self.n_neg - tn
        if t.ndim == 0:
            return ConfusionCounts(int(tp), int(fp), int(tn), int(fn))
        return ConfusionCounts(tp, fp, tn, fn)

    def candidate_thresholds(self) -> np.ndarray:
        """Every threshold at which the counts can change, for exhaustive scans.

        Returned ascending: the smallest score (everything predicted positive),
        midpoints between consecutive distinct scores, and a value just above
        the largest score (everything predicted negative).  Midpoints rather
        than the scores themselves because a threshold chosen on validation
        data should not sit exactly on a validation score: a test sample with
        that same score would otherwise be decided by an arbitrary edge.
        """
        u = np.unique(self.sorted_scores)
        mids = (u[:-1] + u[1:]) / 2.0
        # Guard against midpoints that collapse onto a neighbour in float64.
        mids = np.where(mids > u[:-1], mids, u[1:])
        top = np.nextafter(u[-1], np.inf)
        return np.concatenate(([u[0]], mids, [top]))
