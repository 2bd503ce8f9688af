"""Which stored runs belong together: the folds of one cross-validation, the strategies of one
configuration, the runs that stand for the IDC study's columns.

Why here: runs belong together by the factors of their :class:`~core.training.spec.RunSpec`
(dataset, model, strategy, profile, seed, fold), and this package owns those factors. Every
function reads the store's run index as a frame (``ResultsStore.list_runs()``: one row per run
with ``run_id``, ``created_at`` and the factors; ``fold`` NaN/None outside cross-validation) and
returns run ids; no Streamlit, no TensorFlow, nothing read from disk.
"""

from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple

import pandas as pd

from core.training.spec import STRATEGIES

__all__ = [
    "CONFIG_COLUMNS",
    "FOLD_CONFIG_COLUMNS",
    "STUDY_COLUMNS",
    "FoldGroup",
    "configurations",
    "fold_groups",
    "missing_strategies",
    "strategy_runs",
    "study_runs",
]

#: The factors that make one configuration of the Weighting page (its strategies vary).
CONFIG_COLUMNS = ("dataset", "model", "profile", "seed")
#: The factors that make one cross-validation (its folds vary).
FOLD_CONFIG_COLUMNS = ("dataset", "model", "strategy", "profile", "seed")

#: The IDC study's columns (Aimyshev, Bakytbek & Baiturov, Fig. 6) and the (model, strategy)
#: runs that stand for them.
STUDY_COLUMNS = {
    "Original Model": ("idc_initial", "none"),
    "Our Model": ("idc_own", "none"),
    "Weight Balance": ("idc_own", "class_weight"),
    "Xception": ("idc_xception", "class_weight"),
}


class FoldGroup(NamedTuple):
    """The folds of one cross-validated configuration among a selection."""

    name: str  # "<model> on <dataset> · <strategy>[ · seed <s>]"
    run_ids: tuple[str, ...]  # in fold order


def _no_fold(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["fold"].isna()] if "fold" in runs else runs


def fold_groups(runs: pd.DataFrame, run_ids: Iterable[str]) -> list[FoldGroup]:
    """The cross-validations among ``run_ids``: runs with a fold, grouped by every other factor,
    each group with at least two folds; groups in the order of their first run in ``run_ids``."""
    index = runs.set_index("run_id")
    configs: dict[tuple, list[tuple[int, str]]] = {}
    for rid in run_ids:
        if rid not in index.index:
            continue
        row = index.loc[rid]
        if row["fold"] is None or pd.isna(row["fold"]):
            continue
        cfg = tuple(str(row[c]) for c in FOLD_CONFIG_COLUMNS)
        configs.setdefault(cfg, []).append((int(row["fold"]), rid))
    groups = []
    for (dataset, model, strategy, _, seed), members in configs.items():
        if len(members) < 2:
            continue
        name = f"{model} on {dataset} · {strategy}" + (f" · seed {seed}" if seed != "0" else "")
        groups.append(FoldGroup(name, tuple(rid for _, rid in sorted(members))))
    return groups


def configurations(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, model, profile, seed) with its number of distinct strategies."""
    r = _no_fold(runs)
    if r.empty:
        return pd.DataFrame(columns=[*CONFIG_COLUMNS, "strategies"])
    out = r.groupby(list(CONFIG_COLUMNS), dropna=False)["strategy"].nunique()
    return out.rename("strategies").reset_index().sort_values("strategies", ascending=False)


def strategy_runs(runs: pd.DataFrame, config: Mapping[str, object]) -> dict[str, str]:
    """strategy -> run_id for one configuration ("none" first, then the rest in STRATEGIES
    order); the newest run when a strategy was trained more than once."""
    r = _no_fold(runs)
    for col in CONFIG_COLUMNS:
        r = r[r[col].astype(str) == str(config[col])]
    r = r.sort_values("created_at")
    newest = r.groupby("strategy")["run_id"].last().to_dict()
    order = [s for s in STRATEGIES if s in newest] + sorted(s for s in newest
                                                           if s not in STRATEGIES)
    return {s: newest[s] for s in order}


def missing_strategies(present: Mapping[str, str]) -> list[str]:
    """The strategies not trained yet for a configuration, in STRATEGIES order."""
    return [s for s in STRATEGIES if s not in present]


def study_runs(runs: pd.DataFrame, dataset: str, profile: str | None = None,
               seed: object | None = None) -> dict[str, str]:
    """Study column -> our newest stored run standing for it on ``dataset``."""
    r = _no_fold(runs)
    r = r[r["dataset"].astype(str) == str(dataset)]
    if profile is not None:
        r = r[r["profile"].astype(str) == str(profile)]
    if seed is not None:
        r = r[r["seed"].astype(str) == str(seed)]
    r = r.sort_values("created_at")
    found: dict[str, str] = {}
    for column, (model, strategy) in STUDY_COLUMNS.items():
        match = r[(r["model"] == model) & (r["strategy"] == strategy)]
        if len(match):
            found[column] = match["run_id"].iloc[-1]
    return found
