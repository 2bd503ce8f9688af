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
from core.evaluation.decision_curve import configuration_decision_curve
from core.evaluation.display import (
    DecisionCurveSpec,
    FoldCurves,
    SeedStripSpec,
    confusion_table,
    crossval_roc_figure,
    decision_curve_figure,
    seed_strip_figure,
)
from core.evaluation.errors import EvaluationError
from core.evaluation.seed_curves import MeanConfusion, configuration_confusion
from core.training.more_seeds import more_seed_specs
from core.training.runsets import SeedGroup, fold_seed_grid, seed_groups
from dashboard import data
from dashboard.compare.context import class_names, refs
from dashboard.compare.figures import RunRef
from dashboard.compare.panel import Points
from dashboard.evaluations import Selection

__all__ = ["Configuration", "configurations", "configuration_metrics_of", "mean_confusion_table",
           "mean_confusions", "more_seeds", "ranking", "seed_decision_figure",
           "seed_roc_figure", "seed_strip"]


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
def _ranking(configs: tuple[tuple[str, bool, tuple[RunRef, ...], tuple], ...]) -> AucRanking:
    evals = {name: [data.load_evaluation(r.run_id, r.level, r.aggregate) for r in run_refs]
             for name, _, run_refs, _ in configs}
    return rank_by_auc(evals, cross_validated=[name for name, cv, _, _ in configs if cv],
                       fold_grids={name: _evaluations(grid)
                                   for name, cv, _, grid in configs if cv})


def ranking(sel: Selection) -> AucRanking:
    """The selection's configurations ranked by AUC, per shared test set (cached);
    cross-validated ones among themselves per shared split (their seeds x folds grids)."""
    return _ranking(tuple((c.name, c.cross_validated, refs(sel, c.run_ids), _ref_grid(sel, c))
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


def mean_confusions(sel: Selection, ops: Points) -> dict[str, MeanConfusion]:
    """Each configuration's mean confusion counts over seeds, each run at its threshold on
    screen (a configuration without one complete seed is left out)."""
    out = {}
    for config in configurations(sel):
        grid = [[None if rid is None else
                 sel.evals[rid].test.sorted.counts(ops[sel.names[rid]].threshold)
                 for rid in row] for row in config.grid]
        try:
            out[config.name] = configuration_confusion(grid)
        except EvaluationError:
            continue
    return out


def mean_confusion_table(sel: Selection, means: dict[str, MeanConfusion]):
    """One row per configuration: its classes, seeds averaged and mean counts ± SD over them
    (:func:`core.evaluation.display.confusion_table`)."""
    names = class_names(sel)
    first = {c.name: sel.names[c.run_ids[0]] for c in configurations(sel)}
    return confusion_table({n: m.mean for n, m in means.items()},
                           {n: names[first[n]] for n in means},
                           sds={n: m.sd for n, m in means.items()},
                           seeds={n: m.n_seeds for n, m in means.items()}, name="configuration")


@st.cache_resource(show_spinner=False, max_entries=32)
def _seed_decision(groups: tuple[tuple[str, str, tuple[tuple[RunRef | None, ...], ...]], ...]
                   ) -> tuple[dict | None, bool]:
    specs, curves = [], []
    for name, colour, grid in groups:
        scores = [[None if r is None else
                   data.load_evaluation(r.run_id, r.level, r.aggregate).test.sorted
                   for r in row] for row in grid]
        try:
            curve = configuration_decision_curve(scores)
        except ValueError:  # no complete seed: nothing to average
            continue
        curves.append(curve)
        specs.append(DecisionCurveSpec(f"{name} ({curve.n_seeds} seed"
                                       f"{'s' if curve.n_seeds != 1 else ''})",
                                       curve.thresholds, curve.mean, curve.lower, curve.upper,
                                       colour=colour))
    if not specs:
        return None, False
    one = (len({round(c.prevalence, 12) for c in curves}) == 1
           and all(c.treat_all is not None for c in curves))
    fig = decision_curve_figure(
        specs, treat_all=curves[0].treat_all if one else None,
        title="Decision curves per configuration (mean over seeds, test split)")
    return fig.to_plotly_json(), one


def seed_decision_figure(sel: Selection) -> tuple[dict | None, bool]:
    """Each configuration's mean net benefit over seeds with its ±1 SD band, and whether one
    "treat all" line applies to all of them (cached; threshold-free). None when no
    configuration has a complete seed (every seed lacks a fold)."""
    return _seed_decision(tuple((c.name, sel.colours[c.run_ids[0]], _ref_grid(sel, c))
                                for c in configurations(sel)))


def seed_strip(sel: Selection, metrics: dict[str, ConfigurationMetrics], metric: str):
    """One metric per configuration: mean and interval, each seed's value as a dot beside."""
    colours = {c.name: sel.colours[c.run_ids[0]] for c in configurations(sel)}
    specs = []
    for name, cm in metrics.items():
        s = cm.summaries[metric]
        unit = f" (mean of {cm.n_folds} folds)" if cm.n_folds else ""
        runs = [(f"seed {seed}{unit}", float(v))
                for seed, v in zip(cm.seeds, cm.per_seed(metric)) if v == v]  # NaN: left out
        specs.append(SeedStripSpec(name, s.mean, s.ci.low, s.ci.high, runs, colours.get(name)))
    return seed_strip_figure(specs, metric="AUC" if metric == "auc" else metric)


def more_seeds(sel: Selection, name: str) -> list | None:
    """The run specs that bring configuration ``name`` up to three seeds, checked as the Train
    page checks a grid (``GridError``); None for a run that cannot be retrained here."""
    config = next(c for c in configurations(sel) if c.name == name)
    record = data.load_run_record(config.run_ids[0])
    planner = record.budget.planner if record.budget is not None else None
    return more_seed_specs(record.spec, config.group.seeds, planner=planner,
                           augmentation=record.recipe.augmentation)
