"""Stratified-bootstrap confidence intervals for threshold metrics, in O(B) per threshold.

Why stratified: the test split was drawn with a fixed number of malignant and benign samples;
resampling within each class keeps that design (and keeps sensitivity defined in every
resample), which is the usual choice for diagnostic-accuracy CIs.

The binomial shortcut (exact, not an approximation).  At a fixed threshold a stratified
bootstrap draws ``n_pos`` positives with replacement; each draw is independently "called
positive" with probability ``tp / n_pos`` (the share of positives scoring >= t).  The number of
true positives in a resample is therefore exactly ``Binomial(n_pos, sensitivity)``, and
independently ``FP ~ Binomial(n_neg, 1 - specificity)``; ``FN = n_pos - TP``,
``TN = n_neg - FP``.  Every metric here is a function of these four counts, so drawing B pairs
of binomials gives the same bootstrap distribution as B index resamples, in O(B) instead of
O(B n) - which is what lets the dashboard recompute CIs on every slider move.  The test suite
checks the equivalence against a brute-force index bootstrap.

Percentile intervals.  Resamples in which a metric is undefined (e.g. precision when nothing is
called positive) are left out of its percentiles and counted in
:attr:`BootstrapCIs.n_undefined`.  A percentile bootstrap cannot express uncertainty for an
estimate of exactly 0 or 1 (every resample then repeats it): such an interval is returned as it
is, with a note, because 20/20 detected cancers is not a certainty of 100 % sensitivity.

Paired differences (two runs, same samples) resample *indices*, the same ones for both runs,
so the correlation between the runs is kept; this is done in vectorized chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from .counts import ConfusionCounts
from .decision import decide
from .errors import EvaluationError, check_binary_inputs
from .frozen import FrozenMap
from .metrics import METRIC_NAMES, rates_from_counts

__all__ = [
    "Interval",
    "BootstrapCIs",
    "binomial_bootstrap_counts",
    "stratified_bootstrap_indices",
    "threshold_metric_cis",
    "index_bootstrap_counts",
    "paired_bootstrap_difference",
]

#: Bound on the number of resampled indices held in memory at once (int32 -> ~32 MB).
_CHUNK_ELEMENTS = 8_000_000


class Interval(NamedTuple):
    """A (low, high) confidence interval; NaN bounds when undefined."""

    low: float
    high: float


@dataclass(frozen=True)
class BootstrapCIs:
    """Percentile intervals for several metrics, with what they came from."""

    estimates: Mapping[str, float]
    intervals: Mapping[str, Interval]
    n_undefined: Mapping[str, int]
    notes: Mapping[str, str]
    n_boot: int
    seed: int
    alpha: float

    def __getitem__(self, metric: str) -> Interval:
        return self.intervals[metric]


def _check_boot(n_boot: int, alpha: float) -> None:
    if int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")


def binomial_bootstrap_counts(
    counts: ConfusionCounts, n_boot: int, rng: np.random.Generator
) -> ConfusionCounts:
    """Bootstrap confusion counts at a fixed threshold (see the module docstring for why)."""
    n_pos, n_neg = int(counts.n_pos), int(counts.n_neg)
    tp = rng.binomial(n_pos, counts.tp / n_pos, size=n_boot) if n_pos else np.zeros(n_boot, int)
    fp = rng.binomial(n_neg, counts.fp / n_neg, size=n_boot) if n_neg else np.zeros(n_boot, int)
    return ConfusionCounts(tp, fp, n_neg - fp, n_pos - tp)


def stratified_bootstrap_indices(y, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) indices resampling positives among positives, negatives among negatives.

    The brute-force reference for :func:`binomial_bootstrap_counts`; O(B n) memory, so only
    for small data (the paired bootstrap uses chunks instead).
    """
    y = np.asarray(y)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    cols = []
    if pos.size:
        cols.append(pos[rng.integers(0, pos.size, size=(n_boot, pos.size))])
    if neg.size:
        cols.append(neg[rng.integers(0, neg.size, size=(n_boot, neg.size))])
    return np.concatenate(cols, axis=1)


def _row_quantiles(draws: np.ndarray, n_finite: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles of each row's finite values, (rows, len(q)); NaN for rows with none.

    numpy's default "linear" method (Hyndman & Fan type 7), equal to :func:`numpy.quantile`
    (tested), but on all rows at once after one sort: NaNs sort last, so each row simply uses
    its own count of finite values.  ``np.quantile`` per row costs ~4x more, which matters
    for a slider that recomputes 8 metrics x 10 runs on every move.
    """
    ordered = np.sort(draws, axis=1)
    last = np.maximum(n_finite - 1, 0).astype(np.float64)[:, None]
    pos = last * np.asarray(q, dtype=np.float64)[None, :]
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, last.astype(np.intp))
    frac = pos - lo
    a = np.take_along_axis(ordered, lo, axis=1)
    b = np.take_along_axis(ordered, hi, axis=1)
    out = a + frac * (b - a)
    out[n_finite == 0] = np.nan
    return out


def _percentiles(
    estimates: Mapping[str, float],
    samples: Mapping[str, np.ndarray],
    alpha: float,
    n_boot: int,
    seed: int,
) -> BootstrapCIs:
    names = list(estimates)
    draws = np.vstack([np.asarray(samples[m], dtype=np.float64) for m in names])
    n_finite = np.isfinite(draws).sum(axis=1)
    bounds = _row_quantiles(draws, n_finite, (alpha / 2.0, 1.0 - alpha / 2.0)).tolist()
    undefined = (draws.shape[1] - n_finite).tolist()
    intervals: dict[str, Interval] = {}
    notes: dict[str, str] = {}
    for name, (lo, hi), n_undef in zip(names, bounds, undefined):
        if not np.isfinite(estimates[name]):
            intervals[name] = Interval(np.nan, np.nan)
            notes[name] = "the estimate itself is undefined"
            continue
        intervals[name] = Interval(lo, hi)
        if n_undef == draws.shape[1]:
            notes[name] = "undefined in every bootstrap resample"
            continue
        said = []
        if lo == hi:
            said.append(f"every resample gives {lo:g}: a percentile bootstrap cannot "
                        "show the uncertainty of an estimate at its boundary")
        if n_undef:
            said.append(f"undefined in {n_undef} of {draws.shape[1]} resamples (left out)")
        if said:
            notes[name] = "; ".join(said)
    n_undef_map = dict(zip(names, undefined))
    return BootstrapCIs(
        FrozenMap(dict(estimates)), FrozenMap(intervals),
        FrozenMap(n_undef_map), FrozenMap(notes), int(n_boot), int(seed),
        float(alpha),
    )


def threshold_metric_cis(
    counts: ConfusionCounts, *, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
    metrics: Sequence[str] = METRIC_NAMES, estimates: Mapping[str, float] | None = None,
) -> BootstrapCIs:
    """Percentile CIs of every threshold metric at these (scalar) counts.

    A fresh generator seeded with ``seed`` on every call: the same threshold always gives the
    same interval, so a slider moved back and forth does not make the CIs flicker.
    ``estimates`` (the metrics at ``counts``) may be passed when the caller has them already;
    otherwise they are computed here and returned in :attr:`BootstrapCIs.estimates`.
    """
    _check_boot(n_boot, alpha)
    if int(counts.n_pos) + int(counts.n_neg) == 0:
        raise EvaluationError("no samples to bootstrap (empty input)")
    rng = np.random.default_rng(seed)
    draws = binomial_bootstrap_counts(counts, n_boot, rng)
    # The observed counts ride along as element 0: one vectorized pass gives the estimates too.
    both = ConfusionCounts(*(np.r_[getattr(counts, k), getattr(draws, k)]
                             for k in ("tp", "fp", "tn", "fn")))
    rates = rates_from_counts(both)
    if estimates is None:
        estimates = {m: float(rates[m][0]) for m in metrics}
    est = {m: float(estimates[m]) for m in metrics}
    return _percentiles(est, {m: rates[m][1:] for m in metrics}, alpha, n_boot, seed)


def index_bootstrap_counts(
    y, predictions: Sequence[np.ndarray], n_boot: int, rng: np.random.Generator
) -> list[ConfusionCounts]:
    """Confusion counts of several runs' 0/1 ``predictions`` under the SAME stratified index
    resamples, in chunks of bounded memory.

    Returns one :class:`ConfusionCounts` of length-``n_boot`` arrays per run.
    """
    y = np.asarray(y)
    pos, neg = y == 1, y == 0
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    preds = [np.asarray(p, dtype=bool) for p in predictions]
    p_pos = np.vstack([p[pos] for p in preds]).astype(np.int32)  # (runs, n_pos)
    p_neg = np.vstack([p[neg] for p in preds]).astype(np.int32)
    tp = np.zeros((len(preds), n_boot), dtype=np.int64)
    fp = np.zeros((len(preds), n_boot), dtype=np.int64)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, n_pos + n_neg))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        if n_pos:
            idx = rng.integers(0, n_pos, size=(b, n_pos), dtype=np.int32)
            tp[:, start:start + b] = np.stack([r[idx].sum(axis=1) for r in p_pos])
        if n_neg:
            idx = rng.integers(0, n_neg, size=(b, n_neg), dtype=np.int32)
            fp[:, start:start + b] = np.stack([r[idx].sum(axis=1) for r in p_neg])
    return [ConfusionCounts(tp[r], fp[r], n_neg - fp[r], n_pos - tp[r]) for r in range(len(preds))]


def paired_bootstrap_difference(
    y_true, scores_a, threshold_a: float, scores_b, threshold_b: float, *,
    n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
    metrics: Sequence[str] = METRIC_NAMES,
) -> BootstrapCIs:
    """CIs of ``metric(run a) - metric(run b)`` on the same samples (same order).

    Each run is decided at its own threshold (``score >= threshold``); both runs see the same
    resampled indices, so the interval reflects the paired design.
    """
    _check_boot(n_boot, alpha)
    y, a = check_binary_inputs(y_true, scores_a, name="scores_a")
    _, b = check_binary_inputs(y, scores_b, name="scores_b")
    for t in (threshold_a, threshold_b):
        if not np.isfinite(t) and t != np.inf:
            raise ValueError(f"threshold must be a number, got {t}")
    pred_a, pred_b = decide(a, threshold_a), decide(b, threshold_b)
    rng = np.random.default_rng(seed)
    ca, cb = index_bootstrap_counts(y, [pred_a, pred_b], n_boot, rng)
    ra, rb = rates_from_counts(ca), rates_from_counts(cb)
    full_a, full_b = index_counts(y, pred_a), index_counts(y, pred_b)
    pa, pb = rates_from_counts(full_a), rates_from_counts(full_b)
    est = {m: float(pa[m] - pb[m]) for m in metrics}
    diff = {m: ra[m] - rb[m] for m in metrics}
    return _percentiles(est, diff, alpha, n_boot, seed)


def index_counts(y: np.ndarray, pred: np.ndarray) -> ConfusionCounts:
    """Scalar confusion counts of 0/1 predictions (no bootstrap)."""
    tp = int(np.count_nonzero(pred & (y == 1)))
    fp = int(np.count_nonzero(pred & (y == 0)))
    n_pos = int(np.count_nonzero(y == 1))
    return ConfusionCounts(tp, fp, int(y.shape[0] - n_pos - fp), n_pos - tp)
