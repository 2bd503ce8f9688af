"""DeLong's AUC variance and paired test, with the fast midrank algorithm of Sun & Xu (2014).

Why DeLong: a clinician comparing two classifiers on the same test patients needs to know
whether an AUC gap of 0.02 is real.  DeLong, DeLong & Clarke-Pearson (1988) give the variance
of the empirical AUC (the Mann-Whitney statistic) and, for two runs on the same samples, the
covariance of their AUCs, without any resampling.

Algorithm (Sun & Xu 2014, IEEE Signal Processing Letters 21(11)).  With ``m`` positives ``X``
and ``n`` negatives ``Y``, let ``T_X`` / ``T_Y`` be the midranks of ``X`` within ``X`` and of
``Y`` within ``Y``, and ``T_Z`` the midranks within the pooled scores.  Then::

    V10_i = (T_Z(x_i) - T_X(x_i)) / n        # share of negatives below x_i (ties count 1/2)
    V01_j = 1 - (T_Z(y_j) - T_Y(y_j)) / m    # share of positives above y_j (ties count 1/2)
    AUC   = mean(V10) = mean(V01)
    S     = cov(V10) / m + cov(V01) / n      # (k x k) over k runs scored on the same samples

Midranks come from :func:`scipy.stats.rankdata` (``method="average"``), so the whole thing is
O(n log n) instead of the O(m n) of the textbook pairwise kernel.

Confidence interval for one AUC: **logit-transformed** Wald interval
``expit(logit(AUC) +/- z * SE / (AUC (1 - AUC)))``.  Chosen over the plain ``AUC +/- z SE``
because good cancer classifiers have AUCs near 1, where the plain interval is symmetric,
overshoots 1 (and needs clipping) and under-covers; the logit interval stays inside (0, 1) and
is asymmetric the right way (Pepe 2003, sec. 5.2; Qin & Hotilovac 2008).  ``ci_method="plain"``
gives the clipped Wald interval for comparison with tools that report it (e.g. pROC).

Undefined cases are reported, not invented: with fewer than 2 positives or 2 negatives the
covariance has no degrees of freedom, and with perfect separation (AUC of exactly 0 or 1) the
DeLong variance is 0, which would give a zero-width interval claiming certainty.  In both cases
the interval is NaN and :attr:`DelongAuc.reason` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm, rankdata

from .curves import require_both_classes
from .errors import EvaluationError, check_binary_inputs

__all__ = [
    "DelongComponents",
    "DelongAuc",
    "PairedDelong",
    "delong_components",
    "delong_auc",
    "delong_test",
    "paired_delong_from_components",
]

CiMethod = Literal["logit", "plain"]


@dataclass(frozen=True)
class DelongComponents:
    """Structural components of k runs' AUCs on the same samples.

    ``v10`` has shape (k, m) (one value per positive), ``v01`` shape (k, n) (one per
    negative); ``covariance`` is the (k, k) DeLong covariance of the AUCs (NaN when a class
    has fewer than 2 samples).
    """

    aucs: np.ndarray
    v10: np.ndarray
    v01: np.ndarray
    covariance: np.ndarray

    @property
    def n_pos(self) -> int:
        return int(self.v10.shape[1])

    @property
    def n_neg(self) -> int:
        return int(self.v01.shape[1])


def delong_components(y_true, scores) -> DelongComponents:
    """AUCs, V10, V01 and covariance for one score vector (n,) or k stacked ones (k, n)."""
    s2 = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    if s2.ndim != 2:
        raise EvaluationError(f"scores must be 1-D or 2-D (k, n), got shape {s2.shape}")
    y = None
    for row in s2:  # the same checks as every other metric, per run
        y, _ = check_binary_inputs(y_true, row)
    if y is None:
        raise EvaluationError("no score vectors given")
    require_both_classes(y, "AUC (DeLong)")
    pos, neg = s2[:, y == 1], s2[:, y == 0]
    m, n = pos.shape[1], neg.shape[1]
    tx = rankdata(pos, method="average", axis=1)
    ty = rankdata(neg, method="average", axis=1)
    tz = rankdata(np.concatenate((pos, neg), axis=1), method="average", axis=1)
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    aucs = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
    if m < 2 or n < 2:
        cov = np.full((s2.shape[0], s2.shape[0]), np.nan)
    else:
        cov = _covariance(v10) / m + _covariance(v01) / n
    return DelongComponents(aucs, v10, v01, cov)


def _covariance(v: np.ndarray) -> np.ndarray:
    """Sample covariance (ddof=1) of the rows of ``v``, (k, k).

    Same as :func:`numpy.cov`, written with ``einsum`` because ``np.cov`` goes through a
    multi-threaded BLAS product that stalls for ~10 ms on a busy shared machine even for k=1.
    """
    c = v - v.mean(axis=1, keepdims=True)
    return np.einsum("im,jm->ij", c, c) / (v.shape[1] - 1)


@dataclass(frozen=True)
class DelongAuc:
    """One AUC with its DeLong variance and a (1 - alpha) confidence interval."""

    auc: float
    variance: float
    ci_low: float
    ci_high: float
    n_pos: int
    n_neg: int
    alpha: float = 0.05
    ci_method: str = "logit"
    reason: str | None = None

    @property
    def se(self) -> float:
        return float(np.sqrt(self.variance)) if self.variance >= 0 else float("nan")


def _auc_interval(auc: float, var: float, alpha: float, method: CiMethod) -> tuple[float, float]:
    z = norm.ppf(1.0 - alpha / 2.0)
    se = np.sqrt(var)
    if method == "plain":
        return max(0.0, auc - z * se), min(1.0, auc + z * se)
    centre, half = logit(auc), z * se / (auc * (1.0 - auc))
    return float(expit(centre - half)), float(expit(centre + half))


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")


def delong_auc(
    y_true, scores, *, alpha: float = 0.05, ci_method: CiMethod = "logit"
) -> DelongAuc:
    """AUC, DeLong variance and CI; raises :class:`SingleClassError` with one class."""
    _check_alpha(alpha)
    if ci_method not in ("logit", "plain"):
        raise ValueError(f"ci_method must be 'logit' or 'plain', got {ci_method!r}")
    comp = delong_components(y_true, scores)
    auc, var = float(comp.aucs[0]), float(comp.covariance[0, 0])
    m, n = comp.n_pos, comp.n_neg
    reason = None
    if m < 2 or n < 2:
        reason = (f"variance needs >= 2 positives and >= 2 negatives (have {m} and {n})")
    elif auc in (0.0, 1.0):
        reason = (f"perfect separation (AUC = {auc:g}): the DeLong variance is 0, so no "
                  "interval can be given; it does not mean the AUC is known exactly")
    elif var <= 0.0:
        reason = ("the DeLong variance is 0 (every positive and every negative has the same "
                  "share of wins, e.g. all scores tied): no interval can be given")
    if reason is not None:
        lo = hi = float("nan")
    else:
        lo, hi = _auc_interval(auc, var, alpha, ci_method)
    return DelongAuc(auc, var, lo, hi, m, n, alpha, ci_method, reason)


@dataclass(frozen=True)
class PairedDelong:
    """Paired DeLong test of ``auc_a - auc_b`` on the same samples.

    ``p_value`` is two-sided; ``ci_low``/``ci_high`` bound the difference (plain Wald interval
    clipped to [-1, 1]: a difference has no boundary problem comparable to a single AUC near 1).
    ``correlation`` is the DeLong correlation of the two AUCs: high for two similar models,
    which is exactly why a paired test is far more powerful than comparing two separate CIs.
    """

    auc_a: float
    auc_b: float
    difference: float
    variance: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    correlation: float
    n_pos: int
    n_neg: int
    alpha: float = 0.05
    reason: str | None = None


def paired_delong_from_components(
    comp: DelongComponents, i: int = 0, j: int = 1, *, alpha: float = 0.05
) -> PairedDelong:
    """Test run ``i`` against run ``j`` from already computed joint components.

    Why separate: comparing 10 runs pairwise needs the components of each run only once; the
    45 tests then cost nothing.
    """
    _check_alpha(alpha)
    a, b = float(comp.aucs[i]), float(comp.aucs[j])
    c = comp.covariance
    var = float(c[i, i] + c[j, j] - 2.0 * c[i, j])
    diff = a - b
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = float(c[i, j] / np.sqrt(c[i, i] * c[j, j]))
    m, n = comp.n_pos, comp.n_neg
    nan = float("nan")
    if m < 2 or n < 2:
        why = f"variance needs >= 2 positives and >= 2 negatives (have {m} and {n})"
        return PairedDelong(a, b, diff, nan, nan, nan, nan, nan, nan, m, n, alpha, why)
    tol = 1e-12 * max(1.0, float(c[i, i] + c[j, j]))
    if var <= tol:
        if np.allclose(comp.v10[i], comp.v10[j]) and np.allclose(comp.v01[i], comp.v01[j]):
            why = "the two runs rank the samples identically: no AUC difference to test"
            return PairedDelong(a, b, diff, 0.0, 0.0, 1.0, diff, diff, corr, m, n, alpha, why)
        why = "the variance of the AUC difference is 0 (both runs separate perfectly)"
        return PairedDelong(a, b, diff, var, nan, nan, nan, nan, corr, m, n, alpha, why)
    se = np.sqrt(var)
    z = diff / se
    p = float(2.0 * norm.sf(abs(z)))
    half = norm.ppf(1.0 - alpha / 2.0) * se
    return PairedDelong(
        a, b, diff, var, float(z), p, float(max(-1.0, diff - half)), float(min(1.0, diff + half)),
        corr,
        m, n, alpha, None,
    )


def delong_test(y_true, scores_a, scores_b, *, alpha: float = 0.05) -> PairedDelong:
    """Paired DeLong test for two runs' scores of the same samples (same order)."""
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if a.shape != b.shape:
        raise EvaluationError(f"paired scores differ in shape: {a.shape} vs {b.shape}")
    return paired_delong_from_components(delong_components(y_true, np.vstack((a, b))), alpha=alpha)
