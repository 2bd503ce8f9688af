"""Check a whole grid before anything trains, and report every problem in one message.

Without this, a grid is expanded first and each run finds its own problem: ``--datasets nosuch``
or ``--models nosuch`` prints FAILED once per run, ``--folds 100000`` expands into 100,000 runs
that each fail (thousands tried before anyone notices), and ``--seeds -1`` fails deep inside
Keras. Here the request is checked as a whole, cheapest checks first and without TensorFlow:
the numbers (seeds, folds, epochs, grid size), the model names and recipes, the strategies, the
weights file, then each dataset, loaded once and split as every run will split it (so
``--folds`` larger than the smallest class is caught). All problems are collected and raised
together as one :class:`GridError`; the CLI prints it and exits with status 2, and the Train
page shows it instead of the grid. Only a grid without problems is expanded into runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from numbers import Integral
from pathlib import Path
from typing import Sequence

from core.errors import LesionlabError
from core.training.grid import expand_grid
from core.training.spec import MAX_SEED, RunSpec, RunSpecError, parse_strategy

#: Cross-validation folds: at least 2 (one fold is no cross-validation), at most 20 (5 % test
#: steps; also the Train page's limit). The smallest class must also have that many groups.
MIN_FOLDS, MAX_FOLDS = 2, 20
#: An epochs override above this is a typo, not a plan.
MAX_EPOCHS = 10_000
#: Runs one command may start; a larger grid is almost always a mistyped number.
MAX_RUNS = 5_000


class GridError(LesionlabError):
    """A grid that cannot start; ``problems`` lists every reason (the message holds them all)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"The grid cannot start ({count}); nothing was trained:\n{lines}")


@dataclass(frozen=True)
class GridRequest:
    """What a user asked for: the factors of the grid and the settings shared by every run."""

    datasets: Sequence[str]
    models: Sequence[str]
    strategies: Sequence[str] = ("none",)
    profile: str = "quick"
    seeds: Sequence[int] = (0,)
    n_folds: int | None = None
    weights: str | None = None
    epochs: int | None = None
    registry_path: Path | None = field(default=None, compare=False)

    def runs(self) -> int:
        factors = (self.datasets, self.models, self.strategies, self.seeds)
        return prod(len(f) for f in factors) * (self.n_folds or 1)


def validate_grid(request: GridRequest, *, check_data: bool = True) -> list[RunSpec]:
    """The grid's run specs, or :class:`GridError` listing every problem found.

    Duplicated names or seeds count once. ``check_data=False`` skips loading the datasets (the
    Train page resolves every run itself and shows each dataset's problem beside its runs).
    """
    request = _deduplicated(request)
    problems = _value_problems(request)
    entries = _model_problems(request, problems)
    if check_data:
        _data_problems(request, entries, problems)
    if problems:
        raise GridError(problems)
    overrides = {"epochs": request.epochs} if request.epochs is not None else None
    return expand_grid(request.datasets, request.models, request.strategies,
                       profile=request.profile, seeds=request.seeds, n_folds=request.n_folds,
                       weights=request.weights, overrides=overrides)


def _deduplicated(request: GridRequest) -> GridRequest:
    def unique(values):
        return tuple(dict.fromkeys(values))

    return GridRequest(unique(request.datasets), unique(request.models),
                       unique(request.strategies), request.profile, unique(request.seeds),
                       request.n_folds, request.weights, request.epochs, request.registry_path)


def _value_problems(r: GridRequest) -> list[str]:
    """Problems visible in the request itself: empty factors, numbers out of range."""
    problems = [f"no {what} given" for what, values in (
        ("dataset", r.datasets), ("model", r.models), ("strategy", r.strategies),
        ("seed", r.seeds)) if not values]
    bad_seeds = [s for s in r.seeds if isinstance(s, bool) or not isinstance(s, Integral)
                 or not 0 <= s <= MAX_SEED]
    if bad_seeds:
        problems.append(f"seeds must be whole numbers from 0 to {MAX_SEED}; got "
                        f"{', '.join(map(str, bad_seeds[:5]))}")
    if r.n_folds is not None and not MIN_FOLDS <= r.n_folds <= MAX_FOLDS:
        problems.append(f"folds must be from {MIN_FOLDS} to {MAX_FOLDS} (k-fold "
                        f"cross-validation), got {r.n_folds}; leave it out for one "
                        "train/val/test split")
    if r.epochs is not None and not 1 <= r.epochs <= MAX_EPOCHS:
        problems.append(f"epochs must be from 1 to {MAX_EPOCHS}, got {r.epochs}")
    for strategy in r.strategies:
        try:
            parse_strategy(strategy)
        except RunSpecError as exc:
            problems.append(str(exc))
    if not problems and r.runs() > MAX_RUNS:
        problems.append(f"the grid has {r.runs():,} runs; one command starts at most "
                        f"{MAX_RUNS:,} (split it into several commands)")
    return problems


def _model_problems(r: GridRequest, problems: list[str]) -> dict:
    """Known model names, their recipes (with the epochs override) and the weights request;
    returns ``{name: (entry, recipe)}`` for the models without problems."""
    from models import get_entry
    from models.weights import resolve_weights

    entries = {}
    # an epochs value out of range is reported once, by _value_problems
    overrides = {"epochs": r.epochs} if r.epochs is not None and r.epochs >= 1 else {}
    for name in r.models:
        try:
            entry = get_entry(name)
            recipe = entry.recipe(r.profile).replace(**overrides)
            resolve_weights(entry, r.weights)
        except ValueError as exc:  # UnknownModelError, RecipeError, WeightsError, profile
            problems.append(str(exc))
            continue
        entries[name] = (entry, recipe)
    return entries


def _data_problems(r: GridRequest, entries: dict, problems: list[str]) -> None:
    """Each dataset declared (always checked: reading the registry is cheap) and, when the
    request has no other problem, loaded once, split as its runs will be, and fitting each
    model (classes) and each strategy (one class weight per class)."""
    from core.datasets import DatasetError, load_registry

    try:
        declared = load_registry(r.registry_path)
    except DatasetError as exc:
        problems.append(str(exc))
        return
    missing = [name for name in r.datasets if name not in declared]
    for name in missing:
        problems.append(f"no dataset named {name!r} is declared (declared: "
                        f"{', '.join(declared)}); add it on the Datasets page or to "
                        "datasets.toml")
    if problems:  # loading data is the slow part: only for an otherwise sane request
        return
    for name in r.datasets:
        try:
            _check_dataset(declared[name], r, entries)
        except (DatasetError, ValueError) as exc:
            problems.append(str(exc))


def _check_dataset(spec, r: GridRequest, entries: dict) -> None:
    from core.datasets import SplitConfig, assign_splits, load_dataset

    ds = load_dataset(spec)
    folds: list[int | None] = list(range(r.n_folds)) if r.n_folds else [None]
    for fold in folds:  # the split seed is the same for every run (RunSpec.split_seed)
        assign_splits(ds, SplitConfig(seed=RunSpec.split_seed, n_folds=r.n_folds, fold=fold))
    n_classes = len(ds.class_names)
    for entry, recipe in entries.values():
        entry.check_input(recipe.input_size, n_classes)
    for strategy in r.strategies:
        weights = parse_strategy(strategy)[1]
        if weights is not None and len(weights) != n_classes:
            raise RunSpecError(
                f"strategy {strategy!r} gives {len(weights)} class weight(s), but dataset "
                f"{ds.name!r} has {n_classes} classes ({', '.join(ds.class_names)})")
