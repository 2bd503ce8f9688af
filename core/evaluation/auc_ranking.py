"""The Compare page's ranking: configurations (runs over seeds) ordered by a test metric (AUC,
or a threshold metric at each run's threshold), from their evaluations, with the power note of
each adjacent pair.

Why a module between the page and :func:`core.evaluation.ranking.rank_configurations`: that
function needs every run's AUC and the DeLong covariance of all runs *on one test set*; a
selection can mix datasets, splits and levels. Configurations are therefore grouped by the test
samples they share, and each group is ranked on its own: a ranking across test sets would
compare the difficulty of the test sets, not the models. A configuration whose seeds were
scored on different samples, a cross-validated configuration (its folds are different test
samples; the Cross-validation tab shows it) and a configuration that shares its test samples
with no other are listed with the reason instead of ranked.

What is paired, per metric: for AUC the DeLong covariance of all runs on the shared test set
(:func:`core.evaluation.delong.delong_components`); for a threshold metric (sensitivity,
specificity, balanced accuracy, ...: each run decided at its own threshold, the current
threshold rule's) there is no closed-form paired test, so the covariance is a paired stratified
bootstrap over the test samples, the same resampled samples for every run
(:func:`core.evaluation.seeds.bootstrap_test_covariance`), and each run's value is the metric
on the whole test set. Either covariance goes into the same seed-aware difference
(:func:`core.evaluation.ranking.rank_configurations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .bootstrap import index_counts
from .configurations import aligned_scores
from .cv_ranking import rank_cross_validated
from .decision import decide
from .delong import delong_components
from .errors import SampleMismatchError
from .evaluate import RunEvaluation
from .metrics import rates_from_counts
from .paired import align_runs
from .power import PowerNote, separating_test_size
from .ranking import Ranking, rank_configurations
from .seeds import bootstrap_test_covariance

__all__ = ["RankedSet", "AucRanking", "rank_by_auc", "rank_by_metric", "RANKING_METRICS",
           "NOT_ALIGNED", "ALONE"]

#: What the ranking can order by: AUC (threshold-free) and threshold metrics where higher is
#: better, each at the run's own threshold.
RANKING_METRICS = ("AUC", "balanced_accuracy", "sensitivity", "specificity")

NOT_ALIGNED = "its seeds were scored on different test samples, so they cannot be paired"
ALONE = "no other configuration shares its test samples (another dataset, split or level)"


@dataclass(frozen=True)
class RankedSet:
    """Configurations on one test set, ranked; ``power[i]`` belongs to ``ranking.adjacent[i]``."""

    ranking: Ranking
    power: tuple[PowerNote, ...]
    n_test: int


@dataclass(frozen=True)
class AucRanking:
    """One :class:`RankedSet` per shared test set; the configurations not ranked, and why."""

    sets: tuple[RankedSet, ...]
    left_out: Mapping[str, str]

    @property
    def n_comparisons(self) -> int:
        """Comparisons made over all sets (each set is Holm-corrected on its own)."""
        return sum(s.ranking.holm.n_comparisons for s in self.sets)


def _clusters(configs: Mapping[str, Sequence[RunEvaluation]], left_out: dict[str, str]
              ) -> list[list[str]]:
    """Configurations grouped by shared test samples (each compared with a group's first)."""
    clusters: list[list[str]] = []
    for name, evals in configs.items():
        if aligned_scores(evals) is None:
            left_out[name] = NOT_ALIGNED
            continue
        for members in clusters:
            rep = configs[members[0]][0]
            if aligned_scores([rep, evals[0]]) is not None:
                members.append(name)
                break
        else:
            clusters.append([name])
    return clusters


def _run_values(metric: str, y: np.ndarray, rows: list[np.ndarray], thresholds: list[float],
                n_boot: int) -> tuple[np.ndarray, np.ndarray]:
    """``(each run's metric, their covariance over test sets)``: DeLong for AUC, a paired
    bootstrap for a threshold metric (see the module docstring)."""
    if metric == "AUC":
        comp = delong_components(y, np.vstack(rows))
        return comp.aucs, comp.covariance
    y = np.asarray(y)
    values = np.array([float(rates_from_counts(index_counts(y, decide(r, t)))[metric])
                       for r, t in zip(rows, thresholds)])
    return values, bootstrap_test_covariance(y, rows, thresholds, metric, n_boot=n_boot)


def _ranked(members: Sequence[str], configs: Mapping[str, Sequence[RunEvaluation]],
            thresholds: Mapping[str, Sequence[float]], metric: str, alpha: float, digits: int,
            power: float, n_boot: int) -> RankedSet:
    rep = configs[members[0]][0].test
    rows, sizes, cuts = [], [], []
    for name in members:
        for ev in configs[name]:
            try:
                rows.append(align_runs(rep, ev.test)[3])
            except SampleMismatchError as exc:  # checked by _clusters; kept loud if not
                raise AssertionError(f"{name}: {exc}") from exc
        sizes.append(len(configs[name]))
        cuts += list(thresholds.get(name, ())) if metric != "AUC" else []
    run_values, cov = _run_values(metric, rep.y, rows, cuts, n_boot)
    ends = np.cumsum(sizes)
    values = {name: tuple(run_values[end - size:end].tolist())
              for name, size, end in zip(members, sizes, ends)}
    ranking = rank_configurations(values, metric=metric, test_covariance=cov,
                                  alpha=alpha, digits=digits)
    notes = tuple(separating_test_size(d.difference, d.seed_variance, d.test_variance, rep.n,
                                       alpha=alpha, power=power) for d in ranking.adjacent)
    return RankedSet(ranking, notes, rep.n)


def rank_by_metric(configs: Mapping[str, Sequence[RunEvaluation]], *, metric: str = "AUC",
                   thresholds: Mapping[str, Sequence[float]] | None = None,
                   cross_validated: Sequence[str] = (), alpha: float = 0.05, digits: int = 2,
                   power: float = 0.8, n_boot: int = 1000,
                   fold_grids: Mapping | None = None) -> AucRanking:
    """Rank ``configs`` (name -> its seeds' evaluations) by the mean test ``metric``, per
    shared test set.

    ``metric``: one of :data:`RANKING_METRICS` (or any threshold metric where higher is
    better); a threshold metric needs ``thresholds`` (name -> each seed's threshold, in the
    order of its evaluations). ``cross_validated``: names left out as cross-validated (see the
    module docstring), unless ranking by AUC and ``fold_grids`` gives their seeds x folds
    evaluations: then they are ranked among themselves per shared split
    (:func:`core.evaluation.cv_ranking.rank_cross_validated`). ``n_boot``: resamples of the
    paired bootstrap (threshold metrics only).
    """
    if metric != "AUC" and thresholds is None:
        raise ValueError(f"ranking by {metric} needs each run's threshold")
    left_out = {name: "cross-validated: its folds are different test samples (see the "
                      "Cross-validation tab)" for name in cross_validated if name in configs}
    plain = {n: e for n, e in configs.items() if n not in left_out and e}
    sets = []
    for members in _clusters(plain, left_out):
        if len(members) < 2:
            left_out[members[0]] = ALONE
            continue
        sets.append(_ranked(members, plain, thresholds or {}, metric, alpha, digits, power,
                            n_boot))
    cv = {n: g for n, g in (fold_grids or {}).items() if n in cross_validated and n in configs}
    if cv and metric == "AUC":
        cv_sets, cv_left = rank_cross_validated(cv, alpha=alpha, digits=digits, power=power)
        for name in cv:
            del left_out[name]
        sets.extend(cv_sets)
        left_out.update(cv_left)
    return AucRanking(tuple(sets), left_out)


def rank_by_auc(configs: Mapping[str, Sequence[RunEvaluation]], *,
                cross_validated: Sequence[str] = (), alpha: float = 0.05, digits: int = 2,
                power: float = 0.8, fold_grids: Mapping | None = None) -> AucRanking:
    """Rank ``configs`` by mean test AUC, per shared test set (:func:`rank_by_metric`)."""
    return rank_by_metric(configs, cross_validated=cross_validated, alpha=alpha, digits=digits,
                          power=power, fold_grids=fold_grids)
