"""Cross-validated configurations ranked by AUC: per-fold DeLong covariances combined.

Why they can be ranked at all: two cross-validated configurations on the same split (same
dataset, split seed and k) were tested on the same k disjoint test folds. On fold ``f`` their
runs share the test samples, so DeLong's covariance ``C_f`` of every run's fold AUC is known
(:func:`core.evaluation.delong.delong_components`). A seed's value is its mean AUC over the k
folds; the folds' test sets are disjoint, hence independent, so the covariance of those seed
means is ``sum_f C_f / k^2`` -- the stacked form of ``v_test = sum_f v_f / k^2`` that
:func:`core.evaluation.seeds.fold_seed_summary` uses for one configuration. That covariance is
the ``test_covariance`` of :func:`core.evaluation.ranking.rank_configurations`, which then
ranks and tests them as it does configurations on one test set (paired on every fold).

Configurations are grouped by the split they share (fold ``f`` aligned with fold ``f`` of the
group's first, for every f); a seed missing a fold is left out, as the configuration's metrics
leave it out. The power note's test size is the whole dataset (the k folds together).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .configurations import aligned_scores
from .delong import delong_components
from .evaluate import RunEvaluation
from .paired import align_runs
from .power import separating_test_size
from .ranking import rank_configurations

__all__ = ["FoldGrid", "NO_COMPLETE_SEED", "rank_cross_validated"]

#: A configuration's seeds x folds evaluations (None where a run is missing).
FoldGrid = Sequence[Sequence[RunEvaluation | None]]

NO_COMPLETE_SEED = "cross-validated, and none of its seeds has every fold"
FOLDS_NOT_ALIGNED = "cross-validated, and some fold's seeds were scored on different samples"
ALONE_CV = ("cross-validated, and no other cross-validated configuration shares its split "
            "(another dataset, split seed, number of folds or level)")


def _complete(grid: FoldGrid) -> list[list[RunEvaluation]]:
    return [list(row) for row in grid if row and all(ev is not None for ev in row)]


def _same_split(a: list[list[RunEvaluation]], b: list[list[RunEvaluation]]) -> bool:
    """Fold f of ``a``'s first seed shares its test samples with fold f of ``b``'s, every f."""
    return len(a[0]) == len(b[0]) and all(
        aligned_scores([fa, fb]) is not None for fa, fb in zip(a[0], b[0]))


def _clusters(grids: Mapping[str, list[list[RunEvaluation]]], left_out: dict[str, str]
              ) -> list[list[str]]:
    clusters: list[list[str]] = []
    for name, grid in grids.items():
        if any(aligned_scores([row[f] for row in grid]) is None for f in range(len(grid[0]))):
            left_out[name] = FOLDS_NOT_ALIGNED
            continue
        for members in clusters:
            if _same_split(grids[members[0]], grid):
                members.append(name)
                break
        else:
            clusters.append([name])
    return clusters


def cv_auc_inputs(members: Sequence[str], grids: Mapping[str, list[list[RunEvaluation]]]
                  ) -> tuple[dict[str, tuple[float, ...]], np.ndarray, int]:
    """Each configuration's per-seed mean AUC over folds, the covariance of all those seed
    means stacked in that order (``sum_f C_f / k^2``), and the total test size."""
    k = len(grids[members[0]][0])
    sizes = [len(grids[name]) for name in members]
    aucs = np.zeros(sum(sizes))
    cov = np.zeros((aucs.size, aucs.size))
    n_test = 0
    for f in range(k):
        rep = grids[members[0]][0][f].test
        rows = [align_runs(rep, row[f].test)[3] for name in members for row in grids[name]]
        comp = delong_components(rep.y, np.vstack(rows))
        aucs += comp.aucs / k
        cov += comp.covariance / k ** 2
        n_test += rep.n
    ends = np.cumsum(sizes)
    values = {name: tuple(aucs[end - size:end].tolist())
              for name, size, end in zip(members, sizes, ends)}
    return values, cov, n_test


def rank_cross_validated(grids: Mapping[str, FoldGrid], *, alpha: float = 0.05,
                         digits: int = 2, power: float = 0.8):
    """Rank cross-validated configurations (name -> seeds x folds evaluations) by mean AUC,
    per shared split: ``(ranked sets, {name: why not ranked})``; each set is a
    :class:`core.evaluation.auc_ranking.RankedSet`."""
    from .auc_ranking import RankedSet  # auc_ranking hands its CV configurations to this one

    left_out: dict[str, str] = {}
    complete = {}
    for name, grid in grids.items():
        rows = _complete(grid)
        if rows:
            complete[name] = rows
        else:
            left_out[name] = NO_COMPLETE_SEED
    sets = []
    for members in _clusters(complete, left_out):
        if len(members) < 2:
            left_out[members[0]] = ALONE_CV
            continue
        values, cov, n_test = cv_auc_inputs(members, complete)
        ranking = rank_configurations(values, metric="AUC", test_covariance=cov, alpha=alpha,
                                      digits=digits)
        notes = tuple(separating_test_size(d.difference, d.seed_variance, d.test_variance,
                                           n_test, alpha=alpha, power=power)
                      for d in ranking.adjacent)
        sets.append(RankedSet(ranking, notes, n_test))
    return tuple(sets), left_out
