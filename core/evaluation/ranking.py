"""Who wins: configurations ranked by a metric, each adjacent pair's difference with its CI, a
plain sentence, and Holm's correction for the comparisons made.

Why adjacent pairs: a reader of a ranking asks "is the first really better than the second?",
then the second against the third; those k - 1 comparisons are what the table claims, so they
are the family Holm corrects (:mod:`core.evaluation.multitest`). :func:`pairwise_differences`
gives all k (k - 1) / 2 pairs for a p-value matrix.

The difference of two configurations A and B, each over its seeds on the *same* test set::

    d        = mean_A - mean_B
    var(d)   = sd_A^2 / n_A + sd_B^2 / n_B + w' C w

``C`` is the covariance over test sets of every run's estimate (DeLong's covariance for AUC:
:func:`core.evaluation.delong.delong_components` on all runs' scores stacked in the order of
``values``), ``w`` is ``+1/n_A`` on A's runs and ``-1/n_B`` on B's. The test part is paired:
two models scored on the same patients err together, and ``w' C w`` subtracts that shared part,
which is what makes a paired comparison far more powerful than two separate intervals. The t
quantile uses the Welch-Satterthwaite df (:func:`core.evaluation.seeds.welch_interval`); the
p-value is the matching two-sided t-test. With one run per configuration and ``C`` given this
is exactly the paired DeLong test; with fewer than two seeds on either side the seed spread is
unknown, so the difference is tested on the test set only and the note says so.

The interval shown agrees with the verdict. "Distinguishable" is decided on the Holm-adjusted
p, so an unadjusted 95 % interval could exclude 0 next to "not distinguishable". Each
difference's interval is therefore at the level Holm's step-down tested it at
(:func:`core.evaluation.multitest.holm_interval_levels`: ``1 - alpha / (m - r + 1)`` for its
rank ``r``, frozen at the step where Holm stopped); as the interval and the p-value come from
the same t statistic, it excludes 0 exactly when the difference is called distinguishable. With
one comparison it is the plain 95 % interval; with several the sentence names it
"Holm-consistent" and gives its level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np
from scipy.stats import t as student_t

from .bootstrap import Interval
from .multitest import HolmResult, holm, holm_interval_levels
from .seeds import SeedSummary, mean_test_variance, seed_summary, welch_interval

__all__ = ["Difference", "Ranking", "difference_sentence", "pairwise_differences",
           "rank_configurations"]

ONE_SEED_DIFF = ("one of the two has a single seed: its seed spread is unknown, so this "
                 "compares the runs on this test set only, not the configurations")


@dataclass(frozen=True)
class Difference:
    """``better - worse`` on one metric, with what its uncertainty is made of.

    ``seed_variance`` and ``test_variance`` are the two parts of ``se^2`` (the power note
    scales the second with the test-set size); ``p_adjusted`` and ``n_comparisons`` are filled
    by Holm's correction over the family the difference was tested in, which also sets
    ``ci_alpha``: ``ci`` is the ``1 - ci_alpha`` interval that agrees with the verdict (see the
    module docstring; ``alpha`` itself with one comparison).
    """

    better: str
    worse: str
    difference: float
    se: float
    df: float
    ci: Interval
    p_value: float
    seed_variance: float
    test_variance: float
    alpha: float
    p_adjusted: float = float("nan")
    n_comparisons: int = 1
    note: str | None = None
    relation: str = ">"  # "<" when a lower value is better (the better one has the smaller mean)
    ci_alpha: float = float("nan")  # NaN until Holm's correction: then ci is at 1 - ci_alpha

    @property
    def distinguishable(self) -> bool:
        """Different at family-wise level alpha (Holm-adjusted p below alpha)."""
        p = self.p_adjusted if math.isfinite(self.p_adjusted) else self.p_value
        return bool(p < self.alpha)


@dataclass(frozen=True)
class Ranking:
    """Configurations best first, their summaries, the adjacent differences and sentences."""

    metric: str
    order: tuple[str, ...]
    summaries: Mapping[str, SeedSummary]
    adjacent: tuple[Difference, ...]
    holm: HolmResult
    sentences: tuple[str, ...]


def _num(x: float, digits: int) -> str:
    return f"{x:.{digits}f}".replace("-", "\u2212")


def difference_sentence(d: Difference, *, digits: int = 2) -> str:
    """"A > B (difference 0.04, 95% CI 0.01–0.07)" or "A and B are not distinguishable on this
    test set (difference 0.01, CI −0.03–0.05)", with the Holm-adjusted p when several
    comparisons were made. Names are user text: show the sentence through the text policy."""
    ci_alpha = d.ci_alpha if math.isfinite(d.ci_alpha) else d.alpha
    level = f"{100 * (1 - ci_alpha):.4g}% CI"
    if not (math.isfinite(d.ci.low) and math.isfinite(d.ci.high)):
        return (f"{d.better} and {d.worse} cannot be compared (difference "
                f"{_num(d.difference, digits)}): {d.note or 'no interval'}")
    ci = f"{_num(d.ci.low, digits)}\u2013{_num(d.ci.high, digits)}"
    p_text = "<0.001" if d.p_adjusted < 0.001 else f"{d.p_adjusted:.3f}"
    several = d.n_comparisons > 1 and math.isfinite(d.p_adjusted)
    holm_text = f"; Holm-adjusted p {p_text} over {d.n_comparisons} comparisons" if several else ""
    if several:
        level = f"Holm-consistent {level}"
    if d.distinguishable:
        return (f"{d.better} {d.relation} {d.worse} (difference {_num(d.difference, digits)}, "
                f"{level} {ci}{holm_text})")
    return (f"{d.better} and {d.worse} are not distinguishable on this test set (difference "
            f"{_num(d.difference, digits)}, {level if several else 'CI'} {ci}{holm_text})")


def _difference(a: str, b: str, sa: SeedSummary, sb: SeedSummary, test_var: float | None,
                alpha: float) -> Difference:
    d = sa.mean - sb.mean
    seed_parts = [(sa.sd ** 2 / sa.n_seeds, sa.n_seeds), (sb.sd ** 2 / sb.n_seeds, sb.n_seeds)]
    note = None
    if min(sa.n_seeds, sb.n_seeds) < 2:
        note = ONE_SEED_DIFF
        if test_var is not None:  # keep the seed spread that is known, test the rest
            seed_parts = [(v, n) for v, n in seed_parts if n >= 2]
    ci, df = welch_interval(d, seed_parts, test_var, alpha)
    seed_var = float(sum(v for v, _ in seed_parts))
    test_var = float(test_var or 0.0)
    se = math.sqrt(seed_var + test_var) if math.isfinite(ci.low) else float("nan")
    if not math.isfinite(se):
        p = float("nan")
    elif se == 0.0:
        p = 1.0 if d == 0 else 0.0
    else:
        p = float(2.0 * student_t.sf(abs(d) / se, df))
    return Difference(a, b, float(d), se, df, ci, p, seed_var, test_var, alpha, note=note)


def _runs_of(values: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    """Each configuration's positions in the stacked run order (the covariance's order),
    without runs whose value is undefined."""
    out, start = {}, 0
    for name, vals in values.items():
        v = np.asarray(vals, dtype=np.float64).ravel()
        out[name] = start + np.flatnonzero(np.isfinite(v))
        start += v.size
    return out


def _test_variance(cov, runs, a: str, b: str) -> float | None:
    if cov is None:
        return None
    c = np.asarray(cov, dtype=np.float64)
    w = np.zeros(c.shape[0])
    w[runs[a]] += 1.0 / max(len(runs[a]), 1)
    w[runs[b]] -= 1.0 / max(len(runs[b]), 1)
    return float(max(w @ c @ w, 0.0))


def _at_level(d: Difference, ci_alpha: float) -> Interval:
    """``d``'s interval at ``1 - ci_alpha`` (same se and df, so it agrees with the p-value)."""
    if not math.isfinite(d.ci.low) or ci_alpha == d.alpha:
        return d.ci
    half = float(student_t.ppf(1.0 - ci_alpha / 2.0, d.df)) * d.se
    return Interval(d.difference - half, d.difference + half)


def _corrected(diffs: list[Difference], alpha: float) -> tuple[list[Difference], HolmResult]:
    """Holm over ``diffs``, each given the interval that agrees with its verdict."""
    ps = [d.p_value for d in diffs]
    h = holm(ps, alpha=alpha)
    levels = holm_interval_levels(ps, alpha=alpha)
    return ([replace(d, p_adjusted=p, n_comparisons=h.n_comparisons, ci=_at_level(d, a),
                     ci_alpha=a) for d, p, a in zip(diffs, h.adjusted, levels)], h)


def _prepare(values, test_covariance, alpha):
    """Each configuration's summary (with its own test variance when the covariance is
    given) and its runs' positions in the covariance."""
    n_runs = sum(np.asarray(v).size for v in values.values())
    if test_covariance is not None and np.shape(test_covariance) != (n_runs, n_runs):
        raise ValueError(f"test_covariance must be ({n_runs}, {n_runs}): one row per run, in "
                         "the order of values")
    runs = _runs_of(values)
    c = None if test_covariance is None else np.asarray(test_covariance, dtype=np.float64)
    summaries = {
        name: seed_summary(v, alpha=alpha, test_variance=None if c is None or not len(runs[name])
                           else mean_test_variance(c[np.ix_(runs[name], runs[name])]))
        for name, v in values.items()}
    return summaries, runs


def rank_configurations(
    values: Mapping[str, Sequence[float]], *, metric: str = "AUC",
    test_covariance: np.ndarray | None = None, higher_is_better: bool = True,
    alpha: float = 0.05, digits: int = 2,
) -> Ranking:
    """Rank configurations (name -> per-seed estimates) by their mean over seeds.

    ``test_covariance``: (N, N) over all N runs in the order of ``values`` (see the module
    docstring); without it differences carry seed variance only. Configurations whose mean is
    undefined go last. The adjacent differences are Holm-corrected as one family. For a metric
    where lower is better the best comes first and each difference (better - worse) is
    negative, said "A < B".
    """
    summaries, runs = _prepare(values, test_covariance, alpha)
    sign = -1.0 if higher_is_better else 1.0
    order = sorted(values, key=lambda n: (not math.isfinite(summaries[n].mean),
                                          sign * summaries[n].mean
                                          if math.isfinite(summaries[n].mean) else 0.0))
    diffs = [_difference(a, b, summaries[a], summaries[b],
                         _test_variance(test_covariance, runs, a, b), alpha)
             for a, b in zip(order, order[1:])]
    if not higher_is_better:
        diffs = [replace(d, relation="<") for d in diffs]
    diffs, h = _corrected(diffs, alpha)
    return Ranking(metric, tuple(order), summaries, tuple(diffs), h,
                   tuple(difference_sentence(d, digits=digits) for d in diffs))


def pairwise_differences(
    values: Mapping[str, Sequence[float]], *, test_covariance: np.ndarray | None = None,
    alpha: float = 0.05,
) -> tuple[tuple[Difference, ...], HolmResult]:
    """Every pair (in the order of ``values``: first minus second), Holm-corrected together."""
    summaries, runs = _prepare(values, test_covariance, alpha)
    names = list(values)
    diffs = [_difference(a, b, summaries[a], summaries[b],
                         _test_variance(test_covariance, runs, a, b), alpha)
             for i, a in enumerate(names) for b in names[i + 1:]]
    diffs, h = _corrected(diffs, alpha)
    return tuple(diffs), h
