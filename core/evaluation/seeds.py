"""One configuration trained with several seeds: its mean, its spread and a CI that includes both
the seed-to-seed variance and the test set's own sampling variance.

Why: retraining the same model with another seed moves a test AUC by more than the gap between
most models compared, so a single run's number (and its DeLong CI, which only knows the test
set) overstates what is known. A configuration is summarised over its seeds instead.

The model. The estimate of seed ``i`` on the (shared) test set is
``X_i = mu + S_i + T + I_i``: ``S_i`` the seed effect (variance ``s2``), ``T`` the test set's
effect common to every seed (every seed of a configuration is scored on the same test samples,
the split seed being separate from the training seed) and ``I_i`` the seed-specific part of the
test-set noise. The quantity of interest is ``mu``: what this configuration achieves on average
over seeds *and* over test sets drawn from the same population.

The interval (Welch-Satterthwaite t-interval)::

    var(mean) = sd_seeds^2 / n + v_test
    df        = var(mean)^2 / ((sd_seeds^2 / n)^2 / (n - 1))     (v_test taken as known)
    CI        = mean +/- t_{1 - alpha/2, df} * sqrt(var(mean))

``sd_seeds`` is the sample SD (ddof=1) of the per-seed estimates; ``v_test`` is the variance of
the seed-mean over test sets, ``1' C 1 / n^2`` with ``C`` the covariance of the n runs' estimates
over test sets: the DeLong covariance for AUC (:func:`core.evaluation.delong.delong_components`
on the n runs' scores stacked), a paired bootstrap for threshold metrics
(:func:`mean_test_variance` turns either into ``v_test``). Why not a plain t-interval over
seeds: the seeds share ``T``, which no amount of seeds averages out; a t-interval over seeds
alone says where the mean would fall with other seeds *on this test set* and under-covers
``mu`` badly once the test set is small (tests/evaluation/test_seeds.py shows both).
``sd_seeds^2`` also contains the ``I_i`` part that ``v_test`` counts, so the interval is
slightly conservative (by ``var(I) / n``). Without ``v_test`` the plain t-interval over seeds is
returned and :attr:`SeedSummary.scope` says it covers seed variance only.

Why a t-interval over seeds rather than a bootstrap over seeds: with 3-5 seeds a bootstrap
over seeds has only a handful of distinct resamples and under-covers; the t quantile pays for
the few seeds honestly. What few seeds cannot support: with **one** seed the spread across
seeds is unknown; the SD and the CI are NaN and :attr:`SeedSummary.note` says so (no number is
invented). With **two** seeds the interval is valid but wide (``t`` with about 1 degree of
freedom is 12.7), and the note says that too.

Simulation (tests/evaluation/test_seeds.py, 1,000 configurations of 5 seeds, seed SD 0.02,
shared test-set SD 0.02, seed-specific test SD 0.01, ``v_test`` estimated with the noise of a
400-sample variance): the 95 % interval covers the true mean in 94.7-96.0 % of the
configurations (four simulation seeds); the seed-only t-interval in 71-72 %. End to end on
real scores (400 configurations x 3 seeds sharing a 200-sample test set, DeLong covariance):
92.5-95.5 % (three simulation seeds), the seed-only interval 85-87 %.

Folds and seeds compose (:func:`fold_seed_summary`): each seed's estimate is the mean over its
folds (the folds of one seed are one replicate of the whole cross-validation; they are not
independent of each other, sharing most training data), then the seeds are summarised as above,
with ``v_test = sum_f v_f / k^2`` over the k disjoint test folds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy.stats import t as student_t

from .bootstrap import Interval, index_bootstrap_counts
from .decision import decide
from .delong import delong_components
from .errors import check_binary_inputs
from .metrics import rates_from_counts

__all__ = [
    "SeedSummary",
    "auc_seed_inputs",
    "block_test_variances",
    "bootstrap_test_covariance",
    "fold_seed_summary",
    "seed_summary",
    "mean_test_variance",
    "welch_interval",
]

ONE_SEED = ("one seed: the spread across seeds is unknown, so no interval can include it; "
            "train more seeds of this configuration")
TWO_SEEDS = ("two seeds: the interval is valid but wide (a t quantile with about 1 degree of "
             "freedom is 12.7); a third seed narrows it a lot")
SCOPE_BOTH = "seeds and test set"
SCOPE_SEEDS = "seeds only (this test set)"


@dataclass(frozen=True)
class SeedSummary:
    """One metric of one configuration over its seeds.

    ``values`` are the per-seed estimates used (NaN ones left out, counted in ``n_dropped``);
    ``ci`` is NaN with one seed; ``scope`` says what the interval includes; ``note`` says what
    the numbers cannot support (one or two seeds, dropped seeds), or is None.
    """

    n_seeds: int
    mean: float
    sd: float
    minimum: float
    maximum: float
    ci: Interval
    df: float
    test_variance: float | None
    alpha: float
    scope: str
    values: tuple[float, ...]
    n_dropped: int = 0
    note: str | None = None

    @property
    def se(self) -> float:
        """Standard error of the mean (seed and, when known, test-set variance)."""
        seed_part = self.sd ** 2 / self.n_seeds if self.n_seeds > 1 else float("nan")
        return float(np.sqrt(seed_part + (self.test_variance or 0.0)))


def welch_interval(estimate: float, seed_parts: Sequence[tuple[float, int]],
                   test_variance: float | None, alpha: float) -> tuple[Interval, float]:
    """``(interval, df)`` of ``estimate`` whose variance is a sum of seed parts and a test part.

    ``seed_parts`` holds ``(sd^2 / n, n)`` per configuration involved: one for a configuration's
    mean, two for the difference of two configurations (:mod:`core.evaluation.ranking`). The t
    quantile uses the Welch-Satterthwaite df, the test part taken as known. NaN when a seed part
    is unknown (a configuration with fewer than 2 seeds).
    """
    if any(n < 2 or not np.isfinite(v) for v, n in seed_parts):
        return Interval(float("nan"), float("nan")), float("nan")
    seed_var = sum(v for v, _ in seed_parts)
    total = seed_var + float(test_variance or 0.0)
    if total <= 0.0:
        return Interval(estimate, estimate), float("inf")
    df_den = sum(v ** 2 / (n - 1) for v, n in seed_parts)
    df = total ** 2 / df_den if df_den > 0 else float("inf")
    half = float(student_t.ppf(1.0 - alpha / 2.0, df)) * np.sqrt(total)
    return Interval(float(estimate - half), float(estimate + half)), float(df)


def _note(n: int, dropped: int) -> str | None:
    said = [ONE_SEED] if n == 1 else [TWO_SEEDS] if n == 2 else []
    if dropped:
        said.append(f"{dropped} seed(s) left out: the metric is undefined there")
    return "; ".join(said) or None


def seed_summary(values: Sequence[float], *, test_variance: float | None = None,
                 alpha: float = 0.05) -> SeedSummary:
    """Mean, SD (ddof=1), min-max and CI of one metric's per-seed estimates.

    ``test_variance``: the variance of the seed-mean over test sets (:func:`mean_test_variance`);
    without it the interval covers seed variance only (see the module docstring).
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    raw = np.asarray(values, dtype=np.float64).ravel()
    x = raw[np.isfinite(raw)]
    n, dropped = int(x.size), int(raw.size - x.size)
    nan = float("nan")
    if n == 0:
        return SeedSummary(0, nan, nan, nan, nan, Interval(nan, nan), nan, test_variance, alpha,
                           SCOPE_SEEDS, (), dropped, "no seed with a defined value")
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else nan
    ci, df = welch_interval(mean, [(sd ** 2 / n, n)], test_variance, alpha)
    scope = SCOPE_BOTH if test_variance is not None else SCOPE_SEEDS
    return SeedSummary(n, mean, sd, float(x.min()), float(x.max()), ci, df, test_variance,
                       alpha, scope, tuple(x.tolist()), dropped, _note(n, dropped))


def mean_test_variance(covariance: np.ndarray) -> float:
    """``1' C 1 / n^2``: the variance over test sets of the mean of n runs' estimates, from their
    (n, n) covariance ``C`` on a shared test set (DeLong or paired bootstrap)."""
    c = np.atleast_2d(np.asarray(covariance, dtype=np.float64))
    if c.shape[0] != c.shape[1]:
        raise ValueError(f"covariance must be square, got shape {c.shape}")
    return float(c.sum() / c.shape[0] ** 2)


def fold_seed_summary(values: np.ndarray, *, fold_test_variances: Sequence[float] | None = None,
                      alpha: float = 0.05) -> SeedSummary:
    """A k-fold x n-seed configuration: ``values`` is (n_seeds, k_folds).

    Each seed's estimate is its mean over folds; a seed missing a fold (NaN) is left out, not
    averaged over fewer folds (its mean would be over other test samples). ``fold_test_variances``
    (length k) is each fold's ``v_test`` over the seeds; their sum / k^2 is the test part of
    the grand mean (the test folds are disjoint, hence independent).
    """
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    per_seed = v.mean(axis=1)  # NaN where a fold is missing -> left out by seed_summary
    test_var = None
    if fold_test_variances is not None:
        f = np.asarray(fold_test_variances, dtype=np.float64).ravel()
        if f.shape[0] != v.shape[1]:
            raise ValueError(f"{f.shape[0]} fold variances for {v.shape[1]} folds")
        test_var = float(f.sum() / f.shape[0] ** 2)
    return seed_summary(per_seed, test_variance=test_var, alpha=alpha)


def auc_seed_inputs(y_true, scores: Mapping[str, Sequence[np.ndarray]]
                    ) -> tuple[dict[str, tuple[float, ...]], np.ndarray]:
    """Per-seed AUCs of each configuration (name -> its seeds' scores on one test set) and the
    DeLong covariance of all runs stacked in that order: the ``values`` and
    ``test_covariance`` of :func:`core.evaluation.ranking.rank_configurations`."""
    names = list(scores)
    stacked = np.vstack([np.asarray(s, dtype=np.float64) for n in names for s in scores[n]])
    comp = delong_components(y_true, stacked)
    out, start = {}, 0
    for name in names:
        k = len(scores[name])
        out[name] = tuple(comp.aucs[start:start + k].tolist())
        start += k
    return out, comp.covariance


def block_test_variances(values: Mapping[str, Sequence[float]], covariance: np.ndarray
                         ) -> dict[str, float]:
    """Each configuration's ``v_test`` (:func:`mean_test_variance` of its diagonal block of the
    stacked covariance), for :func:`seed_summary`."""
    c = np.asarray(covariance, dtype=np.float64)
    out, start = {}, 0
    for name, vals in values.items():
        k = len(vals)
        out[name] = mean_test_variance(c[start:start + k, start:start + k])
        start += k
    return out


def bootstrap_test_covariance(y_true, scores: Sequence[np.ndarray], thresholds: Sequence[float],
                              metric: str, *, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Covariance over test sets of several runs' threshold ``metric`` on one test set, each
    run at its own threshold, from a paired stratified bootstrap (the same resampled samples for
    every run, :func:`core.evaluation.bootstrap.index_bootstrap_counts`). Resamples where the
    metric is undefined for some run are left out."""
    y = check_binary_inputs(y_true, scores[0])[0]
    preds = [decide(check_binary_inputs(y, s)[1], t) for s, t in zip(scores, thresholds)]
    counts = index_bootstrap_counts(y, preds, n_boot, np.random.default_rng(seed))
    draws = np.vstack([rates_from_counts(c)[metric] for c in counts])
    return np.atleast_2d(np.cov(draws[:, np.isfinite(draws).all(axis=0)]))
