"""The power note: how many test samples would separate two configurations at the difference
observed, so a user knows whether collecting more data is worth it.

Approximation (stated, not hidden). The variance of a difference has two parts
(:class:`core.evaluation.ranking.Difference`): the seed part, which more test samples do not
shrink, and the test-set part, which shrinks like ``1/n`` at a fixed prevalence (DeLong's
variance is a sum of per-positive and per-negative terms each divided by their count). So at a
test set of ``n'`` samples::

    se(n')^2 = seed_variance + test_variance * n / n'

and the two are separated with probability ``power`` by a two-sided level-``alpha`` test when
``|d| >= (z_{1-alpha/2} + z_power) * se(n')`` (normal approximation, the observed difference
taken as the true one - the usual planning assumption, optimistic when the observed difference
is itself a lucky draw). Solving for ``n'``::

    n' = n * test_variance / ((d / (z_{1-alpha/2} + z_power))^2 - seed_variance)

When the seed part alone is already too large no test set is big enough: the note then says
that more seeds, not more test samples, are needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

__all__ = ["PowerNote", "separating_test_size"]


@dataclass(frozen=True)
class PowerNote:
    """``n_required`` test samples (None when no test-set size can do it) and why."""

    n_required: int | None
    n_test: int
    power: float
    alpha: float
    sentence: str


def separating_test_size(difference: float, seed_variance: float, test_variance: float,
                         n_test: int, *, alpha: float = 0.05, power: float = 0.8) -> PowerNote:
    """Smallest test-set size separating a difference of ``difference`` (see the module
    docstring); ``seed_variance`` and ``test_variance`` are the two parts of its variance now,
    at ``n_test`` test samples (``Difference.seed_variance`` / ``.test_variance``)."""
    if n_test < 1:
        raise ValueError(f"n_test must be positive, got {n_test}")
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError("alpha and power must lie in (0, 1)")
    z = norm.ppf(1.0 - alpha / 2.0) + norm.ppf(power)
    share = f"{100 * power:g}%"
    if not all(map(math.isfinite, (difference, seed_variance, test_variance))):
        return PowerNote(None, n_test, power, alpha, "no power estimate: the difference or its "
                         "variance is undefined")
    room = (difference / z) ** 2 - seed_variance
    if difference == 0.0:
        why = "no difference was observed, so no test set would separate the two"
    elif room <= 0.0:
        why = ("the spread across seeds alone hides this difference: more seeds, not more "
               "test samples, would separate the two")
    elif test_variance <= 0.0:
        why = "the test-set variance is zero, so its size does not matter here"
    else:
        need = max(1, math.ceil(n_test * test_variance / room))
        verdict = ("the current test set is large enough" if need <= n_test
                   else f"about {need / n_test:.1f} times the current {n_test}")
        return PowerNote(need, n_test, power, alpha,
                         f"A test set of about {need} samples would separate the two at the "
                         f"observed difference {difference:.3f} with {share} power ({verdict}).")
    return PowerNote(None, n_test, power, alpha, why)
