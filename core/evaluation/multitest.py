"""Holm's correction for several paired comparisons made at once.

Why: comparing 6 configurations pairwise makes 15 tests; at alpha = 0.05 each, the chance that
at least one "significant" difference is pure noise is far above 5 %. Holm (1979), "A simple
sequentially rejective multiple test procedure", Scand. J. Statist. 6:65-70, controls that
family-wise error rate at alpha under any dependence between the tests (paired tests on one test
set are strongly dependent), and rejects at least as much as Bonferroni.

The step-down adjusted p-values: with the m p-values sorted ascending ``p_(1) <= ... <= p_(m)``,
``adj_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))``; a comparison is significant at family-wise
level alpha when its adjusted p-value is below alpha. (statsmodels' ``multipletests`` would do
this; it is not a dependency of Lesionlab, and the procedure is these few lines.)

Undefined p-values (NaN: a test that could not be made) are not comparisons: they stay NaN and
do not count in m.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["HolmResult", "holm", "holm_interval_levels", "with_holm"]


@dataclass(frozen=True)
class HolmResult:
    """Raw and Holm-adjusted p-values in the input order, and how many comparisons were made."""

    raw: tuple[float, ...]
    adjusted: tuple[float, ...]
    n_comparisons: int
    alpha: float

    @property
    def rejected(self) -> tuple[bool, ...]:
        """Which comparisons are significant at family-wise level ``alpha``."""
        return tuple(bool(p < self.alpha) for p in self.adjusted)


def holm(p_values: Sequence[float], *, alpha: float = 0.05) -> HolmResult:
    """Holm step-down adjusted p-values (see the module docstring)."""
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    adjusted = np.full(p.shape, np.nan)
    defined = np.flatnonzero(np.isfinite(p))
    m = defined.size
    if m:
        order = defined[np.argsort(p[defined], kind="stable")]
        steps = (m - np.arange(m)) * p[order]
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return HolmResult(tuple(p.tolist()), tuple(adjusted.tolist()), int(m), float(alpha))


def with_holm(table: pd.DataFrame, *, column: str = "p_value", alpha: float = 0.05
              ) -> tuple[pd.DataFrame, int]:
    """``(table with a "p_holm" column, comparisons made)``: Holm over every row's ``column``.

    Why every row: a table of pairwise tests (:func:`core.evaluation.compare_runs`) is read as
    one family; whoever scans it for a star makes all its comparisons at once. Rows whose test
    could not be made (NaN) keep a NaN ``p_holm`` and are not counted.
    """
    h = holm(table[column].to_numpy(dtype=np.float64), alpha=alpha)
    return table.assign(p_holm=np.asarray(h.adjusted, dtype=np.float64)), h.n_comparisons


def holm_interval_levels(p_values: Sequence[float], *, alpha: float = 0.05) -> tuple[float, ...]:
    """Per comparison, the alpha of a confidence interval that agrees with Holm's verdict.

    Why: a sentence "A > B" from the Holm-adjusted p next to an unadjusted 95 % interval can
    contradict itself (the interval excludes 0, the verdict says "not distinguishable"). Holm
    tests the comparison of rank ``r`` (p-values ascending) at ``alpha / (m - r + 1)`` as long
    as every smaller p was rejected; at the first step ``s`` that is not, it stops. So the
    comparison of rank ``r`` gets ``alpha / (m - min(r, s) + 1)``: before the stop its interval
    excludes 0 exactly when its own step rejects, after it the level of the failed step, which
    its larger p cannot pass either. For a test whose interval and p-value come from the same
    statistic (``p < a`` exactly when the ``1 - a`` interval excludes 0), the interval then
    excludes 0 exactly when the Holm-adjusted p is below ``alpha``. With one comparison this is
    ``alpha`` itself. Undefined p-values get ``alpha`` (they are no comparison).
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    levels = np.full(p.shape, float(alpha))
    defined = np.flatnonzero(np.isfinite(p))
    m = defined.size
    order = defined[np.argsort(p[defined], kind="stable")]
    step_alpha = alpha / (m - np.arange(m))  # rank r (0-based) tested at alpha / (m - r)
    failed = np.flatnonzero(p[order] >= step_alpha)
    stop = failed[0] if failed.size else m
    levels[order] = step_alpha[np.minimum(np.arange(m), stop)]
    return tuple(levels.tolist())
