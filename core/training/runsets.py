"""Which stored runs belong together: the folds of one cross-validation, the strategies of one
configuration, the runs that stand for the IDC study's columns.

Why here: runs belong together by the factors of their :class:`~core.training.spec.RunSpec`
(dataset, model, strategy, profile, seed, fold), and this package owns those factors. Every
function reads the store's run index as a frame (``ResultsStore.list_runs()``: one row per run
with ``run_id``, ``created_at`` and the factors; ``fold`` NaN/None outside cross-validation) and
returns run ids; no Streamlit, no TensorFlow, nothing read from disk.

Seeds (:func:`seed_groups`): runs identical except for the seed form one configuration, the
unit the Compare page ranks (:mod:`core.evaluation.seeds`). A cross-validated configuration is
a k-fold x n-seed grid; plain runs and cross-validated runs of the same factors are two
configurations (they are evaluated on different test samples).
"""

from __future__ import annotations

import json
from typing import Iterable, Mapping, NamedTuple

import pandas as pd

from core.store.config_columns import CONFIG_INDEX_COLUMNS
from core.training.spec import STRATEGIES

__all__ = [
    "CONFIG_COLUMNS",
    "FOLD_CONFIG_COLUMNS",
    "STUDY_COLUMNS",
    "OPTIONAL_SEED_COLUMNS",
    "SEED_CONFIG_COLUMNS",
    "FoldGroup",
    "SeedGroup",
    "configurations",
    "fold_groups",
    "fold_seed_grid",
    "known_factor",
    "missing_seeds",
    "missing_strategies",
    "seed_groups",
    "strategy_runs",
    "study_runs",
    "variant_words",
]

#: The factors that make one configuration of the Weighting page (its strategies vary).
CONFIG_COLUMNS = ("dataset", "model", "profile", "seed")
#: The factors that make one cross-validation (its folds vary).
FOLD_CONFIG_COLUMNS = ("dataset", "model", "strategy", "profile", "seed")
#: The factors that make one configuration across seeds (its seeds, and folds, vary).
SEED_CONFIG_COLUMNS = ("dataset", "model", "strategy", "profile")
#: Factors that also separate configurations (and cross-validations) when the run frame
#: carries them, as the store's index does (:mod:`core.store.config_columns`): runs differing
#: only in recipe overrides, weights, split seed, folds, budget, budget planner, augmentation
#: or source (trained here or imported) are different configurations, never seeds of one.
#: Optional so that a hand-made frame of the factors alone still groups.
OPTIONAL_SEED_COLUMNS = CONFIG_INDEX_COLUMNS

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
        cfg = (*(str(row[c]) for c in FOLD_CONFIG_COLUMNS),
               *(_factor(row[c]) for c in OPTIONAL_SEED_COLUMNS if c in index))
        configs.setdefault(cfg, []).append((int(row["fold"]), rid))
    optional = [c for c in OPTIONAL_SEED_COLUMNS if c in index]
    groups = []
    for (dataset, model, strategy, profile, seed, *factors), members in configs.items():
        if len(members) < 2:
            continue
        # named like a seed group: two cross-validations differing only in profile, overrides
        # or budget must not read the same (in the CV ROC legend, the ranking)
        words = [f"{model} on {dataset}", strategy, profile,
                 *([f"seed {seed}"] if seed != "0" else []),
                 *filter(None, [variant_words(dict(zip(optional, factors)))])]
        groups.append(FoldGroup(" · ".join(words), tuple(rid for _, rid in sorted(members))))
    return groups


def configurations(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, model, profile, seed) and variant (the optional configuration
    columns the frame carries: overrides, weights, split seed, budget, source) with its number
    of distinct strategies and ``variant``, the words that tell it from the default ("" when
    it is the default). Optional values are canonical text (:func:`_factor`)."""
    r = _no_fold(runs)
    optional = [c for c in OPTIONAL_SEED_COLUMNS if c in r]
    if r.empty:
        return pd.DataFrame(columns=[*CONFIG_COLUMNS, *optional, "strategies", "variant"])
    r = r.assign(**{c: r[c].map(_factor) for c in optional})
    out = r.groupby([*CONFIG_COLUMNS, *optional], dropna=False)["strategy"].nunique()
    out = out.rename("strategies").reset_index()
    out["variant"] = [variant_words(row) for row in out[optional].to_dict("records")]
    return out.sort_values("strategies", ascending=False)


def strategy_runs(runs: pd.DataFrame, config: Mapping[str, object]) -> dict[str, str]:
    """strategy -> run_id for one configuration ("none" first, then the rest in STRATEGIES
    order); the newest run when a strategy was trained more than once. ``config`` holds the
    :data:`CONFIG_COLUMNS` and, to pick one variant, any optional column (a row of
    :func:`configurations`)."""
    r = _no_fold(runs)
    for col in CONFIG_COLUMNS:
        r = r[r[col].astype(str) == str(config[col])]
    for col in (c for c in OPTIONAL_SEED_COLUMNS if c in config and c in r):
        r = r[r[col].map(_factor) == _factor(config[col])]
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


class SeedGroup(NamedTuple):
    """One configuration's runs over seeds (and folds): ``cells`` are ``(seed, fold, run_id)``
    sorted by seed then fold, ``fold`` None for a plain run."""

    name: str  # "<model> on <dataset> · <strategy> · <profile>[ · k folds]"
    cells: tuple[tuple[int, int | None, str], ...]

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(sorted({seed for seed, _, _ in self.cells}))

    @property
    def folds(self) -> tuple[int, ...]:
        """The folds present (empty for a configuration of plain runs)."""
        return tuple(sorted({f for _, f, _ in self.cells if f is not None}))

    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(rid for _, _, rid in self.cells)


def _factor(value: object) -> str:
    """A factor as text for grouping; a dict (overrides) as canonical JSON, missing as ''."""
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def variant_words(factors: Mapping[str, str]) -> str:
    """What sets a configuration apart from the default, as canonical factor text gives it
    (overrides, split seed, budget with its planner and augmentation); "" for the default. Two
    configurations that differ only there must not read the same on a page. A run's
    augmentation is named only beside its budget (elsewhere it differs only through an
    override, already named). Weights and source are left out: a model's default
    weights depend on the model, and an imported run's strategy already says "imported"; pages
    that list variants side by side add them where two would otherwise read the same."""
    words = []
    overrides = json.loads(factors.get("overrides") or "{}")
    if overrides:
        words.append(", ".join(f"{k}={v}" for k, v in sorted(overrides.items())))
    if factors.get("split_seed", "") not in ("", "0", "<NA>"):
        words.append(f"split seed {factors['split_seed']}")
    if factors.get("budget_s", "") not in ("", "nan", "<NA>"):
        how = [f"planner {factors['planner']}"] if _known(factors.get("planner")) else []
        if _known(factors.get("augmentation")) and "augmentation" not in overrides:
            # the budget chose it (core.training.resolve); a user's is in the overrides' words
            how.append(f"{factors['augmentation']} augmentation")
        words.append(f"{float(factors['budget_s']) / 60:g} min"
                     + (f" ({', '.join(how)})" if how else ""))
    return " · ".join(words)


def _known(value: str | None) -> bool:
    """A canonical factor text that holds a value (not a missing one)."""
    return value not in (None, "", "nan", "<NA>", "None")


def known_factor(value: object) -> str | None:
    """A configuration row's factor (as :func:`configurations` gives it: canonical text, or a
    missing value of any kind) as its text, None where it holds no value."""
    text = _factor(value)
    return text if _known(text) else None


def _group_name(factors: Mapping[str, str]) -> str:
    """"<model> on <dataset> · <strategy> · <profile>", then :func:`variant_words`."""
    name = " · ".join([f"{factors['model']} on {factors['dataset']}", factors["strategy"],
                       factors["profile"]])
    variant = variant_words(factors)
    return f"{name} · {variant}" if variant else name


def seed_groups(runs: pd.DataFrame, run_ids: Iterable[str]) -> list[SeedGroup]:
    """The configurations among ``run_ids``, each with its (seed, fold) cells; a cell trained
    twice keeps its newest run. In the order of each configuration's first run in ``run_ids``.

    Every configuration is returned, one seed included: that is the one the Compare page must
    say has an unknown spread."""
    index = runs.set_index("run_id")
    key_cols = [*SEED_CONFIG_COLUMNS, *(c for c in OPTIONAL_SEED_COLUMNS if c in runs)]
    configs: dict[tuple, dict[tuple[int, int | None], tuple[str, str]]] = {}
    for rid in run_ids:
        if rid not in index.index:
            continue
        row = index.loc[rid]
        fold = None if row["fold"] is None or pd.isna(row["fold"]) else int(row["fold"])
        key = (*(_factor(row[c]) for c in key_cols), fold is not None)
        cell, created = (int(row["seed"]), fold), str(row.get("created_at") or "")
        old = configs.setdefault(key, {}).get(cell)
        if old is None or created >= old[1]:
            configs[key][cell] = (rid, created)
    groups = []
    for key, cells in configs.items():
        folds = {f for _, f in cells if f is not None}
        name = _group_name(dict(zip(key_cols, key))) + (
            f" · {len(folds)} folds" if key[-1] else "")
        groups.append(SeedGroup(name, tuple(sorted(
            ((seed, fold, rid) for (seed, fold), (rid, _) in cells.items()),
            key=lambda c: (c[0], -1 if c[1] is None else c[1])))))
    return groups


def fold_seed_grid(group: SeedGroup) -> list[list[str | None]]:
    """Run ids as a seeds x folds grid (rows ``group.seeds``, columns ``group.folds``; one
    column for plain runs), None where a cell is missing: the layout of
    :func:`core.evaluation.seeds.fold_seed_summary`."""
    folds = group.folds or (None,)
    where = {(seed, fold): rid for seed, fold, rid in group.cells}
    return [[where.get((seed, fold)) for fold in folds] for seed in group.seeds]


def missing_seeds(present: Iterable[int], wanted: int) -> list[int]:
    """The seeds to train so a configuration has ``wanted`` of them: the smallest unused
    non-negative seeds ("seeds: 3" on a configuration with seed 0 adds 1 and 2)."""
    have = {int(s) for s in present}
    out, seed = [], 0
    while len(have) + len(out) < wanted:
        if seed not in have:
            out.append(seed)
        seed += 1
    return out
