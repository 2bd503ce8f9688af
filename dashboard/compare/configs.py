"""A selection's runs as configurations (runs identical but for the seed), and what core
computes about them, cached: the per-configuration view and the ranking read from here.

Why a module: the per-configuration table, the mean ROC and the ranking must group the runs the
same way (:func:`core.training.runsets.seed_groups`) and name the configurations the same way.
What does not depend on the threshold (each configuration's AUC part, the ranking, the figure)
is computed once per selection (``st.cache_resource``, keyed by the runs' :class:`RunRef`);
only the threshold metrics are recomputed when the threshold moves.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from core.evaluation.auc_ranking import AucRanking, rank_by_auc
from core.evaluation.configurations import ConfigurationMetrics, auc_fold_part, \
    configuration_metrics
from core.evaluation.display import FoldCurves, crossval_roc_figure
from core.training.runsets import SeedGroup, fold_seed_grid, seed_groups
from dashboard import data
from dashboard.compare.context import refs
from dashboard.compare.figures import RunRef
from dashboard.compare.panel import Points
from dashboard.evaluations import Selection

__all__ = ["Configuration", "configurations", "configuration_metrics_of", "ranking",
           "seed_roc_figure"]


class Configuration(NamedTuple):
    """One configuration of a selection: its unique display name, seeds x folds run ids."""

    name: str
    group: SeedGroup
    grid: tuple[tuple[str | None, ...], ...]

    @property
    def cross_validated(self) -> bool:
        return bool(self.group.folds)

    @property
    def run_ids(self) -> tuple[str, ...]:
        return self.group.run_ids


def configurations(sel: Selection) -> list[Configuration]:
    """The selection's configurations in the order of their first run; names made unique."""
    return _configurations(str(data.store_root()), tuple(sel.binary_ids))


@st.cache_resource(show_spinner=False, max_entries=64)
def _configurations(root: str, run_ids: tuple[str, ...]) -> list[Configuration]:
    """Cached by run ids: a run's factors never change (its id is their content address)."""
    out, seen = [], {}
    for group in seed_groups(data.list_runs(), run_ids):
        seen[group.name] = seen.get(group.name, 0) + 1
        name = group.name if seen[group.name] == 1 else f"{group.name} ({seen[group.name]})"
        out.append(Configuration(name, group, tuple(tuple(row) for row in fold_seed_grid(group))))
    return out


def _ref_grid(sel: Selection, config: Configuration) -> tuple[tuple[RunRef | None, ...], ...]:
    return tuple(tuple(None if rid is None else refs(sel, [rid])[0] for rid in row)
                 for row in config.grid)


def _evaluations(grid):
    return [[None if ref is None else data.load_evaluation(ref.run_id, ref.level, ref.aggregate)
             for ref in row] for row in grid]


@st.cache_resource(show_spinner=False, max_entries=256)
def _auc_part(grid: tuple[tuple[RunRef | None, ...], ...]):
    return auc_fold_part(_evaluations(grid))


def configuration_metrics_of(sel: Selection, ops: Points) -> dict[str, ConfigurationMetrics]:
    """Each configuration's metrics at the runs' thresholds on screen (the per-move work; the
    evaluations are the selection's own, the AUC part is cached)."""
    out = {}
    for config in configurations(sel):
        evals = [[None if rid is None else sel.evals[rid] for rid in row] for row in config.grid]
        thresholds = [[None if rid is None else ops[sel.names[rid]].threshold for rid in row]
                      for row in config.grid]
        out[config.name] = configuration_metrics(
            evals, thresholds, config.group.seeds, folds=config.cross_validated,
            auc=_auc_part(_ref_grid(sel, config)))
    return out


@st.cache_resource(show_spinner=False, max_entries=64)
def _ranking(configs: tuple[tuple[str, bool, tuple[RunRef, ...]], ...]) -> AucRanking:
    evals = {name: [data.load_evaluation(r.run_id, r.level, r.aggregate) for r in run_refs]
             for name, _, run_refs in configs}
    return rank_by_auc(evals, cross_validated=[name for name, cv, _ in configs if cv])


def ranking(sel: Selection) -> AucRanking:
    """The selection's configurations ranked by AUC, per shared test set (cached)."""
    return _ranking(tuple((c.name, c.cross_validated, refs(sel, c.run_ids))
                          for c in configurations(sel)))


def _seed_label(seed: int, fold: int | None) -> str:
    return f"seed {seed}" + ("" if fold is None else f" · fold {fold + 1}")


@st.cache_resource(show_spinner=False, max_entries=32)
def _seed_roc(groups: tuple[tuple[str, str, str, tuple[tuple[str, RunRef], ...]], ...]) -> dict:
    runs = []
    for name, colour, unit, cells in groups:
        evs = [data.load_evaluation(r.run_id, r.level, r.aggregate) for _, r in cells]
        runs.append(FoldCurves(name, [(e.roc.fpr, e.roc.tpr) for e in evs],
                               aucs=[e.roc.auc for e in evs], colour=colour, unit=unit,
                               labels=[label for label, _ in cells]))
    return crossval_roc_figure(runs, title="ROC per configuration (mean over seeds)"
                               ).to_plotly_json()


def seed_roc_figure(sel: Selection) -> dict:
    """Each configuration's runs (thin), their mean ROC (thick) and a ±1 SD band (cached)."""
    groups = []
    for config in configurations(sel):
        cells = tuple((_seed_label(seed, fold), refs(sel, [rid])[0])
                      for seed, fold, rid in config.group.cells)
        unit = "run" if config.cross_validated else "seed"  # a cell is then a seed x fold
        groups.append((config.name, sel.colours[config.run_ids[0]], unit, cells))
    return _seed_roc(tuple(groups))
