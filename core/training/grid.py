"""Expand a comparison grid (datasets x models x strategies x seeds [x folds]) into run specs.

One place for this so the CLI, the dashboard's Train page and the Ray backend agree on what a
grid is and in which order its runs are trained (dataset-major, so a dataset is loaded and its
pipeline cache warmed once for all of its runs).
"""

from __future__ import annotations

from itertools import product
from typing import Iterable

from core.training.spec import RunSpec


def expand_grid(
    datasets: Iterable[str],
    models: Iterable[str],
    strategies: Iterable[str] = ("none",),
    *,
    profile: str = "quick",
    seeds: Iterable[int] = (0,),
    n_folds: int | None = None,
    weights: str | None = None,
    overrides: dict | None = None,
    budget_s: float | None = None,
) -> list[RunSpec]:
    folds: list[int | None] = list(range(n_folds)) if n_folds else [None]
    return [
        RunSpec(dataset=d, model=m, strategy=s, profile=profile, seed=seed, fold=fold,
                n_folds=n_folds, weights=weights, overrides=dict(overrides or {}),
                budget_s=budget_s)
        for d, m, s, seed, fold in product(list(datasets), list(models), list(strategies),
                                           list(seeds), folds)
    ]
