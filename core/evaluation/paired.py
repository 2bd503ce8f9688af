"""Compare two runs on the same test samples: DeLong, McNemar, paired bootstrap.

Why paired tests: two models evaluated on the same patients make correlated errors.  Comparing
their two separate confidence intervals ignores that correlation and is badly underpowered;
the paired tests here use it.  They are only valid when both runs scored *exactly* the same
samples, so :func:`align_runs` refuses anything else with :class:`SampleMismatchError` and
only re-orders when the sample ids agree as sets.

McNemar (correct vs wrong at each run's own threshold): only the discordant pairs carry
information - ``b`` samples run A got right and run B wrong, ``c`` the reverse.  Under the null
``b ~ Binomial(b + c, 1/2)``.  With fewer than :data:`EXACT_BELOW` discordant pairs the exact
binomial test (:func:`scipy.stats.binomtest`) is used, otherwise the chi-square statistic with
Edwards' continuity correction ``(|b - c| - 1)^2 / (b + c)`` on 1 degree of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest, chi2

from .bootstrap import BootstrapCIs, paired_bootstrap_difference
from .decision import decide
from .delong import PairedDelong, delong_test
from .errors import EvaluationError, SampleMismatchError
from .frames import ScoredSamples

__all__ = [
    "EXACT_BELOW",
    "McNemarResult",
    "PairedComparison",
    "align_runs",
    "mcnemar_test",
    "compare_paired",
]

#: Below this many discordant pairs McNemar uses the exact binomial test.
EXACT_BELOW = 25


def align_runs(
    a: ScoredSamples, b: ScoredSamples
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """``(ids, y, scores_a, scores_b)`` in a's order, or :class:`SampleMismatchError`.

    Also refuses the same ids with different ground truth: that means the two runs were built
    from different label files, and a paired test would compare apples and oranges.  Ids are
    compared as stored (the sample ids of one dataset have one type).
    """
    ids_a, ids_b = a.ids, b.ids
    for name, ids in (("first", ids_a), ("second", ids_b)):
        if not ids.is_unique:
            raise SampleMismatchError(
                f"the {name} run repeats {int(ids.duplicated().sum())} sample id(s); "
                "paired tests need each sample once"
            )
    if ids_a.equals(ids_b):
        order = np.arange(len(ids_b))
    else:
        only_a, only_b = len(ids_a.difference(ids_b)), len(ids_b.difference(ids_a))
        if only_a or only_b:
            raise SampleMismatchError(
                f"the two runs were not evaluated on the same samples: {only_a} sample id(s) "
                f"only in the first run, {only_b} only in the second (of {len(ids_a)} and "
                f"{len(ids_b)}); a paired comparison needs identical test samples"
            )
        order = ids_b.get_indexer(ids_a)
    disagree = int(np.count_nonzero(a.y != b.y[order]))
    if disagree:
        raise SampleMismatchError(
            f"the two runs give {disagree} of the same samples a different ground truth; "
            "they were not built from the same labels"
        )
    return ids_a, a.y, a.scores, b.scores[order]


@dataclass(frozen=True)
class McNemarResult:
    """McNemar test on paired correctness; ``b``: only run A correct, ``c``: only run B."""

    b: int
    c: int
    statistic: float
    p_value: float
    method: str
    reason: str | None = None


def mcnemar_test(correct_a, correct_b) -> McNemarResult:
    """Exact binomial (few discordant pairs) or continuity-corrected chi-square McNemar."""
    ca, cb = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if ca.shape != cb.shape or ca.ndim != 1:
        raise EvaluationError(f"paired correctness vectors differ: {ca.shape} vs {cb.shape}")
    if ca.size == 0:
        raise EvaluationError("McNemar test needs at least one paired sample")
    b = int(np.count_nonzero(ca & ~cb))
    c = int(np.count_nonzero(~ca & cb))
    if b + c == 0:
        return McNemarResult(0, 0, 0.0, 1.0, "none",
                             "no discordant pairs: the two runs are right on the same samples")
    if b + c < EXACT_BELOW:
        p = float(binomtest(b, b + c, 0.5).pvalue)
        return McNemarResult(b, c, float(b), p, "exact binomial")
    stat = (abs(b - c) - 1.0) ** 2 / (b + c)
    return McNemarResult(b, c, float(stat), float(chi2.sf(stat, 1)), "chi-square (corrected)")


@dataclass(frozen=True)
class PairedComparison:
    """Everything that says whether run A and run B differ on the same samples."""

    n: int
    threshold_a: float
    threshold_b: float
    delong: PairedDelong
    mcnemar: McNemarResult
    bootstrap: BootstrapCIs


def compare_paired(
    a: ScoredSamples, b: ScoredSamples, threshold_a: float, threshold_b: float, *,
    n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
) -> PairedComparison:
    """DeLong AUC test, McNemar at each run's threshold and bootstrap CIs of A - B."""
    _, y, sa, sb = align_runs(a, b)
    pred_a, pred_b = decide(sa, threshold_a), decide(sb, threshold_b)
    truth = y.astype(bool)
    return PairedComparison(
        n=int(y.shape[0]),
        threshold_a=float(threshold_a),
        threshold_b=float(threshold_b),
        delong=delong_test(y, sa, sb, alpha=alpha),
        mcnemar=mcnemar_test(pred_a == truth, pred_b == truth),
        bootstrap=paired_bootstrap_difference(
            y, sa, threshold_a, sb, threshold_b, n_boot=n_boot, seed=seed, alpha=alpha
        ),
    )
