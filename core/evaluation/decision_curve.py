"""Decision curves (Vickers & Elkin 2006): is acting on this model better than treating every
patient, or none?

Why: AUC says how well a model ranks, not whether using it helps. A clinician who would biopsy
at a risk of ``pt`` or more values a missed cancer ``(1 - pt) / pt`` times a needless biopsy;
the net benefit of acting on the model at that threshold, in true positives per patient, is::

    NB(pt) = TP/n - FP/n * pt / (1 - pt)
           = sensitivity * prevalence - (1 - specificity) * (1 - prevalence) * pt / (1 - pt)

"Treat all" (everyone called positive) gives ``prevalence - (1 - prevalence) pt / (1 - pt)``,
"treat none" gives 0. A model is worth using at the thresholds where its curve lies above both.
The scores are read as risks (Lesionlab's rule: positive when ``score >= pt``), so the curve is
only as meaningful as the model's calibration (see the reliability diagram).

The second form lets the net benefit be stated at a ``prevalence`` other than the test set's:
a test split enriched with malignant cases (common in lesion datasets) overstates the benefit
in a screening population, and a reader should be able to ask for the clinic's prevalence.

Confidence band: pointwise stratified-bootstrap percentile intervals, drawn with the binomial
shortcut of :mod:`core.evaluation.bootstrap` (:func:`binomial_bootstrap_counts`, exact for a
stratified bootstrap at a fixed threshold) at each grid threshold. Stratified, so the test set's
prevalence is kept: the band is the uncertainty of sensitivity and specificity at that
prevalence, and "treat all" has no band. Pointwise: each threshold's interval covers that
threshold's net benefit, not the whole curve at once.

A configuration (one model trained with several seeds) gets the mean net benefit over its seeds
and a 95% interval of that mean that holds both sources of variation: the seed and the test
set. Each replicate resamples the seeds with replacement (the seed part) and, for each drawn
seed, takes one of its stratified-bootstrap draws (the test part). The seeds of a configuration
are scored on the same test samples, so their test-set errors go together; the draws are
therefore coupled by rank (every seed's draw of the same random rank: comonotone), the
conservative coupling, since independent draws would average the shared test-set error away
and understate it m-fold. With one seed the interval is exactly that run's own bootstrap
interval (test set only: one seed says nothing of the seed's effect). A cross-validated seed's
folds are pooled before drawing. The configuration's marker is at the mean of its seeds'
current thresholds, on the mean curve (:func:`configuration_net_benefit_at`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .bootstrap import binomial_bootstrap_counts
from .counts import ConfusionCounts, SortedScores
from .curves import require_both_classes
from .errors import check_binary_inputs

__all__ = ["DEFAULT_THRESHOLDS", "DecisionCurve", "MeanDecisionCurve",
           "configuration_decision_curve", "configuration_net_benefit_at", "decision_curve",
           "mean_net_benefit_interval", "net_benefit", "net_benefit_at", "treat_all"]

#: 0.01, 0.02, ..., 0.99: pt = 0 and 1 are excluded (the exchange rate pt/(1-pt) is 0 or
#: infinite there).
DEFAULT_THRESHOLDS = np.round(np.arange(1, 100) / 100.0, 2)


@dataclass(frozen=True)
class DecisionCurve:
    """Net benefit of one run over a threshold-probability grid, with the two references.

    ``lower``/``upper`` are the pointwise bootstrap band (NaN when ``n_boot`` was 0).
    """

    thresholds: np.ndarray
    net_benefit: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    treat_all: np.ndarray
    prevalence: float
    n: int
    n_boot: int
    alpha: float


def _odds(pt) -> np.ndarray:
    pt = np.asarray(pt, dtype=np.float64)
    if ((pt <= 0) | (pt >= 1)).any():
        raise ValueError("threshold probabilities must lie strictly between 0 and 1")
    return pt / (1.0 - pt)


def net_benefit(counts: ConfusionCounts, pt, prevalence: float | None = None) -> np.ndarray:
    """Net benefit at threshold(s) ``pt`` from (possibly array-valued) confusion counts.

    ``prevalence`` None: the counts' own (``TP/n - FP/n * pt/(1-pt)``); else the
    sensitivity/specificity form at that prevalence (see the module docstring).
    """
    tp, fp = np.asarray(counts.tp, float), np.asarray(counts.fp, float)
    n_pos, n_neg = np.asarray(counts.n_pos, float), np.asarray(counts.n_neg, float)
    if prevalence is None:
        n = n_pos + n_neg
        return tp / n - fp / n * _odds(pt)
    return tp / n_pos * prevalence - fp / n_neg * (1.0 - prevalence) * _odds(pt)


def treat_all(prevalence: float, pt) -> np.ndarray:
    """Net benefit of calling every patient positive: ``prevalence - (1-prevalence) pt/(1-pt)``."""
    return prevalence - (1.0 - prevalence) * _odds(pt)


def net_benefit_at(sorted_scores: SortedScores, threshold: float,
                   prevalence: float | None = None) -> float:
    """Net benefit at a run's decision threshold (the marker on its curve); NaN when the
    threshold is not a probability strictly inside (0, 1), where net benefit is undefined."""
    if not 0.0 < float(threshold) < 1.0:
        return float("nan")
    return float(net_benefit(sorted_scores.counts(float(threshold)), threshold, prevalence))


def _draws(counts: ConfusionCounts, pt: np.ndarray, prevalence: float | None, n_boot: int,
           seed: int) -> np.ndarray:
    """``(n_boot, len(pt))`` stratified-bootstrap net benefits (binomial shortcut per pt)."""
    rng = np.random.default_rng(seed)
    draws = np.empty((n_boot, pt.shape[0]))
    for j in range(pt.shape[0]):
        c = ConfusionCounts(int(counts.tp[j]), int(counts.fp[j]), int(counts.tn[j]),
                            int(counts.fn[j]))
        draws[:, j] = net_benefit(binomial_bootstrap_counts(c, n_boot, rng), pt[j], prevalence)
    return draws


def _band(counts: ConfusionCounts, pt: np.ndarray, prevalence: float | None, n_boot: int,
          seed: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    draws = _draws(counts, pt, prevalence, n_boot, seed)
    low, high = np.quantile(draws, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    return low, high


def decision_curve(y_true, scores, *, thresholds=DEFAULT_THRESHOLDS,
                   prevalence: float | None = None, n_boot: int = 1000, seed: int = 0,
                   alpha: float = 0.05) -> DecisionCurve:
    """Net benefit over ``thresholds`` with a pointwise bootstrap band (``n_boot=0``: none).

    A fixed ``seed`` makes the band the same on every call (no flicker between reruns).
    """
    y, s = check_binary_inputs(y_true, scores)
    require_both_classes(y, "a decision curve")
    if prevalence is not None and not 0.0 < prevalence < 1.0:
        raise ValueError(f"prevalence must lie in (0, 1), got {prevalence}")
    pt = np.asarray(thresholds, dtype=np.float64).ravel()
    sorted_scores = SortedScores(y, s)
    counts = sorted_scores.counts(pt)
    nb = net_benefit(counts, pt, prevalence)
    prev = float(y.mean()) if prevalence is None else float(prevalence)
    if n_boot:
        low, high = _band(counts, pt, prevalence, int(n_boot), seed, alpha)
    else:
        low = high = np.full(pt.shape, np.nan)
    return DecisionCurve(pt, nb, low, high, treat_all(prev, pt), prev, int(y.shape[0]),
                         int(n_boot), float(alpha))


@dataclass(frozen=True)
class MeanDecisionCurve:
    """A configuration's decision curve: each seed's net benefit (rows of ``values``), their
    mean, sample SD (ddof=1; NaN with one seed) and the pointwise 95% interval of the mean
    (``lower``/``upper``, seeds and test set together, :func:`mean_net_benefit_interval`);
    ``treat_all`` None when the seeds' test sets differ in prevalence (no one line applies)."""

    thresholds: np.ndarray
    values: np.ndarray  # (n_seeds, n_thresholds)
    mean: np.ndarray
    sd: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    treat_all: np.ndarray | None
    prevalence: float

    @property
    def n_seeds(self) -> int:
        return int(self.values.shape[0])


def _pooled(row: Sequence[SortedScores], pt: np.ndarray) -> ConfusionCounts:
    """One seed's counts at every ``pt``, summed over its folds (one cell for a plain run)."""
    parts = [cell.counts(pt) for cell in row]
    return ConfusionCounts(*(sum(np.asarray(getattr(c, f)) for c in parts)
                             for f in ("tp", "fp", "tn", "fn")))


def configuration_decision_curve(grid: Sequence[Sequence[SortedScores | None]], *,
                                 thresholds=DEFAULT_THRESHOLDS, n_boot: int = 1000,
                                 seed: int = 0, alpha: float = 0.05) -> MeanDecisionCurve:
    """Mean net benefit over a configuration's seeds (see the module docstring).

    ``grid[i][f]``: seed ``i``'s scores on fold ``f`` (one column for plain runs; None where
    that run is missing: a seed with a missing fold is left out, as the configuration's
    metrics leave it out). Raises ``ValueError`` when no seed is complete.
    """
    pt = np.asarray(thresholds, dtype=np.float64).ravel()
    _odds(pt)  # the grid must lie strictly inside (0, 1)
    rows = [row for row in grid if row and all(cell is not None for cell in row)]
    if not rows:
        raise ValueError("no seed has every fold: no decision curve to average")
    counts = [_pooled(row, pt) for row in rows]
    values = np.vstack([net_benefit(c, pt) for c in counts])
    prevalences = {round(float(c.n_pos[0] / (c.n_pos[0] + c.n_neg[0])), 12) for c in counts}
    prevalence = float(np.mean([c.n_pos[0] / (c.n_pos[0] + c.n_neg[0]) for c in counts]))
    mean = values.mean(axis=0)
    sd = values.std(axis=0, ddof=1) if len(rows) > 1 else np.full(pt.shape, np.nan)
    low, high = mean_net_benefit_interval(counts, pt, n_boot=n_boot, seed=seed, alpha=alpha)
    return MeanDecisionCurve(pt, values, mean, sd, low, high,
                             treat_all(prevalence, pt) if len(prevalences) == 1 else None,
                             prevalence)


def mean_net_benefit_interval(counts: Sequence[ConfusionCounts], pt: np.ndarray, *,
                              n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise percentile interval of the mean net benefit over seeds (``counts[i]``: seed
    i's counts at every ``pt``), seeds and test set resampled together (see the module
    docstring): each seed's ``n_boot`` stratified-bootstrap draws (seed i's generator seeded
    ``seed + i``, so seed 0 draws what :func:`decision_curve` draws for that run), sorted per
    threshold; each replicate resamples the seeds with replacement and averages the drawn
    seeds' draws of one common random rank. With one seed this is that run's own interval."""
    n_seeds = len(counts)
    ranked = np.sort(np.stack([_draws(c, pt, None, n_boot, seed + i)
                               for i, c in enumerate(counts)]), axis=1)  # (seeds, boot, pt)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    ranks = rng.permutation(n_boot)
    replicates = ranked[picks, ranks[:, None], :].mean(axis=1)  # (boot, pt)
    low, high = np.quantile(replicates, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    return low, high


def configuration_net_benefit_at(grid: Sequence[Sequence[SortedScores | None]],
                                 thresholds: Sequence[Sequence[float | None]]
                                 ) -> tuple[float, float]:
    """The configuration's marker: the mean of its complete seeds' decision thresholds (each
    seed's from its first fold's run; its folds share the threshold rule) and the mean over
    those seeds of the net benefit at that threshold, i.e. the mean curve's value there.
    ``(nan, nan)`` when no seed is complete or the mean threshold is not inside (0, 1)."""
    rows = [i for i, row in enumerate(grid) if row and all(cell is not None for cell in row)]
    ts = [thresholds[i][0] for i in rows if thresholds[i][0] is not None]
    if not rows or len(ts) != len(rows):
        return float("nan"), float("nan")
    t = float(np.mean(ts))
    if not 0.0 < t < 1.0:
        return float("nan"), float("nan")
    pt = np.array([t])
    return t, float(np.mean([net_benefit(_pooled(grid[i], pt), pt)[0] for i in rows]))
