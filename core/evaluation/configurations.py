"""A configuration's metrics over its seeds (and folds), from its runs' evaluations: what the
Compare page's per-configuration view shows.

Why here and not in the page: the per-configuration table must hold the numbers of
:mod:`core.evaluation.seeds` (mean, SD, min-max and the seed-aware interval), and those need
the covariance of the runs' estimates over test sets, which only the runs' scores can give.
This module turns evaluations into the inputs of :func:`~core.evaluation.seeds.fold_seed_summary`:

* the per-run values, a seeds x folds array (one column for plain runs, NaN where a run is
  missing);
* each fold's test variance of the seed mean, ``1' C 1 / n^2``
  (:func:`~core.evaluation.seeds.mean_test_variance`), ``C`` the covariance of that fold's
  seeds on their shared test samples: DeLong's for AUC, a paired stratified bootstrap (the same
  resampled samples for every seed, each at its own threshold) for the threshold metrics.

Seeds of one configuration share their test samples (the split has its own seed). Where they do
not (a test set changed between runs) no covariance exists: the test part is left out and the
summary's ``scope`` says the interval covers seed variance only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .bootstrap import index_bootstrap_counts
from .decision import decide
from .delong import delong_components
from .errors import SampleMismatchError
from .evaluate import RunEvaluation
from .metrics import METRIC_NAMES, rates_from_counts
from .paired import align_runs
from .seeds import SeedSummary, fold_seed_summary, mean_test_variance

__all__ = ["CONFIGURATION_METRICS", "ConfigurationMetrics", "aligned_scores",
           "auc_fold_part", "configuration_metrics", "threshold_fold_part"]

#: Every metric a configuration is summarised on: AUC, then the threshold metrics.
CONFIGURATION_METRICS: tuple[str, ...] = ("auc", *METRIC_NAMES)

Grid = Sequence[Sequence[RunEvaluation | None]]


@dataclass(frozen=True)
class ConfigurationMetrics:
    """One configuration: each metric's per-run values (seeds x folds) and its summary."""

    seeds: tuple[int, ...]
    n_folds: int  # 0 for plain runs
    values: Mapping[str, np.ndarray]
    summaries: Mapping[str, SeedSummary]

    def per_seed(self, metric: str) -> np.ndarray:
        """Each seed's estimate: its mean over folds (NaN when a fold is missing), as
        :func:`~core.evaluation.seeds.fold_seed_summary` summarises them."""
        return self.values[metric].mean(axis=1)


def aligned_scores(evals: Sequence[RunEvaluation]) -> tuple[np.ndarray, np.ndarray] | None:
    """``(y, scores (n_runs, n))`` of runs on the same test samples, in the first run's order;
    None when they do not share their test samples (or were evaluated at other levels)."""
    first = evals[0]
    rows = [first.test.scores]
    for ev in evals[1:]:
        if ev.level != first.level:
            return None
        try:
            rows.append(align_runs(first.test, ev.test)[3])
        except SampleMismatchError:
            return None
    return first.test.y, np.vstack(rows)


def _column(grid: Grid, fold: int) -> tuple[list[int], list[RunEvaluation]]:
    rows = [i for i, row in enumerate(grid) if row[fold] is not None]
    return rows, [grid[i][fold] for i in rows]


def auc_fold_part(grid: Grid) -> tuple[np.ndarray, list[float] | None]:
    """AUC per run (seeds x folds, NaN where missing) and each fold's test variance of the seed
    mean from DeLong's covariance (None when some fold's seeds share no test samples)."""
    n_seeds, k = len(grid), len(grid[0])
    values = np.full((n_seeds, k), np.nan)
    variances: list[float] | None = []
    for f in range(k):
        rows, evals = _column(grid, f)
        aligned = aligned_scores(evals) if evals else None
        if aligned is None:
            variances = None
            values[rows, f] = [ev.auc.auc for ev in evals]
            continue
        comp = delong_components(*aligned)
        values[rows, f] = comp.aucs
        if variances is not None:
            variances.append(mean_test_variance(comp.covariance))
    return values, variances


def threshold_fold_part(grid: Grid, thresholds: Sequence[Sequence[float | None]], *,
                        n_boot: int = 1000, seed: int = 0
                        ) -> dict[str, tuple[np.ndarray, list[float] | None]]:
    """For each of :data:`METRIC_NAMES`: per-run values at each run's threshold (seeds x folds)
    and each fold's test variance of the seed mean from a paired bootstrap (resamples where a
    run's metric is undefined left out; None when some fold's seeds share no test samples)."""
    n_seeds, k = len(grid), len(grid[0])
    out = {m: (np.full((n_seeds, k), np.nan), []) for m in METRIC_NAMES}
    rng = np.random.default_rng(seed)
    for f in range(k):
        rows, evals = _column(grid, f)
        ts = [float(thresholds[i][f]) for i in rows]
        for i, ev, t in zip(rows, evals, ts):
            rates = rates_from_counts(ev.test.sorted.counts(t))
            for m in METRIC_NAMES:
                out[m][0][i, f] = float(rates[m])
        aligned = aligned_scores(evals) if evals else None
        if aligned is None:
            out = {m: (v, None) for m, (v, _) in out.items()}
            continue
        y, scores = aligned
        counts = index_bootstrap_counts(y, [decide(s, t) for s, t in zip(scores, ts)], n_boot,
                                        rng)
        draws = [rates_from_counts(c) for c in counts]
        for m, (_, variances) in out.items():
            if variances is not None:
                d = np.vstack([r[m] for r in draws])
                d = d[:, np.isfinite(d).all(axis=0)]
                variances.append(mean_test_variance(np.atleast_2d(np.cov(d)))
                                 if d.shape[1] > 1 else float("nan"))
    return out


def configuration_metrics(grid: Grid, thresholds: Sequence[Sequence[float | None]],
                          seeds: Sequence[int], *, folds: bool = False, n_boot: int = 1000,
                          seed: int = 0, alpha: float = 0.05,
                          auc: tuple[np.ndarray, list[float] | None] | None = None
                          ) -> ConfigurationMetrics:
    """Every metric of :data:`CONFIGURATION_METRICS` summarised over the configuration's seeds.

    ``grid[i][f]``: the evaluation of seed ``seeds[i]`` on fold ``f`` (one column for plain
    runs; None where that run is missing), ``thresholds`` the same shape. ``auc``: a
    precomputed :func:`auc_fold_part` (it does not depend on the thresholds, so a caller may
    cache it). A fold variance that is NaN (no resample defined the metric) drops the test
    part as a missing covariance does.
    """
    parts = {"auc": auc if auc is not None else auc_fold_part(grid),
             **threshold_fold_part(grid, thresholds, n_boot=n_boot, seed=seed)}
    summaries = {}
    for metric, (values, variances) in parts.items():
        usable = variances is not None and all(np.isfinite(variances))
        summaries[metric] = fold_seed_summary(
            values, fold_test_variances=variances if usable else None, alpha=alpha)
    return ConfigurationMetrics(tuple(int(s) for s in seeds), len(grid[0]) if folds else 0,
                                {m: v for m, (v, _) in parts.items()}, summaries)
