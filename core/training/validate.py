"""Check a whole grid before anything trains, and report every problem in one message.

Without this, a grid is expanded first and each run finds its own problem: ``--datasets nosuch``
or ``--models nosuch`` prints FAILED once per run, ``--folds 100000`` expands into 100,000 runs
that each fail (thousands tried before anyone notices), and ``--seeds -1`` fails deep inside
Keras. Here the request is checked as a whole, cheapest checks first and without TensorFlow:
the numbers (seeds, folds, epochs, grid size), the recipe overrides (``--set``: read by each
field's type, then applied to each model's recipe and checked by its own checks), the model
names and recipes, the strategies, the weights file, then each dataset, loaded once and split
as every run will split it (so ``--folds`` larger than the smallest class is caught). All
problems are collected and raised together as one :class:`GridError`; the CLI prints it and
exits with status 2, and the Train page shows it instead of the grid. Only a grid without
problems is expanded into runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from math import prod
from numbers import Integral
from pathlib import Path
from typing import Any, Mapping, Sequence

from core.errors import LesionlabError
from core.training.budget import BudgetError, parse_budget
from core.training.grid import expand_grid
from core.training.resolve import recipe_profile
from core.training.spec import MAX_SEED, RunSpec, RunSpecError, parse_strategy
from models.overrides import SETTABLE, check_keys, overrides_text, parse_overrides
from models.recipes import MAX_VALUES

#: Cross-validation folds: at least 2 (one fold is no cross-validation), at most 20 (5 % test
#: steps; also the Train page's limit). The smallest class must also have that many groups.
MIN_FOLDS, MAX_FOLDS = 2, 20
#: An epochs override above this is a typo, not a plan (the Recipe's own bound).
MAX_EPOCHS = MAX_VALUES["epochs"]
#: Runs one command may start; a larger grid is almost always a mistyped number.
MAX_RUNS = 5_000
#: Seeds per configuration (``--n-seeds``, the Train page's count): seeds 0..N-1. Above this a
#: count is a typo (a seed's spread is well estimated long before; MAX_RUNS still caps the grid).
MAX_N_SEEDS = 100
#: Each factor's name on the Train page and on the command line, for the messages: the Train
#: page shows them too, and its user never saw ``--seeds`` (``tests/training/
#: test_grid_messages.py`` holds these labels to the page's widgets).
FIELDS = {
    "dataset": "Datasets, --datasets", "model": "Models, --models",
    "strategy": "Imbalance strategies, --strategies", "seed": "Seeds, --seeds",
    "n_seeds": "Seeds per configuration, --n-seeds",
    "folds": "k-fold cross-validation, --folds", "epochs": "Epochs, --epochs",
    "budget": "Budget (minutes per run), --budget",
}


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
    epochs: int | None = None  # an alias of the override epochs=N (--epochs, the Train page)
    registry_path: Path | None = field(default=None, compare=False)
    #: Recipe fields to change in every run: ``KEY=VALUE`` texts as typed (``--set``, the Train
    #: page's Advanced box; models.overrides parses them) or a mapping of typed values.
    overrides: Sequence[str] | Mapping[str, Any] = ()
    #: The budget profile's time per run: minutes as a number, or text such as "10m", "1h".
    budget: str | float | None = None
    #: A count instead of a list: seeds 0..n_seeds-1 of every configuration (``--n-seeds``, the
    #: Train page's "Seeds per configuration"); when given it replaces ``seeds``. Runs already
    #: stored are not trained again (as for any grid), so "3" adds a configuration's missing
    #: seeds up to three.
    n_seeds: int | None = None

    def runs(self) -> int:
        factors = (self.datasets, self.models, self.strategies, self.seeds)
        return prod(len(f) for f in factors) * (self.n_folds or 1)


def validate_grid(request: GridRequest, *, check_data: bool = True) -> list[RunSpec]:
    """The grid's run specs, or :class:`GridError` listing every problem found.

    Duplicated names or seeds count once. ``check_data=False`` skips loading the datasets (the
    Train page resolves every run itself and shows each dataset's problem beside its runs).
    """
    count_problems = _count_problems(request)
    if request.n_seeds is not None and not count_problems:
        request = dataclasses.replace(request, seeds=seeds_of_count(request.n_seeds))
    request = _deduplicated(request)
    problems = count_problems + _value_problems(request)
    budget_s = _budget_seconds(request, problems)
    overrides = _overrides(request, problems)
    entries = _model_problems(request, overrides, problems)
    if check_data:
        _data_problems(request, entries, problems)
    if problems:
        raise GridError(problems)
    return expand_grid(request.datasets, request.models, request.strategies,
                       profile=request.profile, seeds=request.seeds, n_folds=request.n_folds,
                       weights=request.weights, overrides=overrides or None,
                       budget_s=budget_s)


def seeds_of_count(n_seeds: int) -> tuple[int, ...]:
    """The seeds a count stands for: 0..n_seeds-1 (the seeds a one-seed run already has is 0,
    so a count only adds what is missing)."""
    return tuple(range(n_seeds))


def _count_problems(r: GridRequest) -> list[str]:
    """A seed count that is not a whole number from 1 to :data:`MAX_N_SEEDS`, said in the Train
    page's and the CLI's words (as the seeds of a list are)."""
    n = r.n_seeds
    if n is None or (not isinstance(n, bool) and isinstance(n, Integral)
                     and 1 <= n <= MAX_N_SEEDS):
        return []
    return [f"the seed count must be a whole number from 1 to {MAX_N_SEEDS} "
            f"({FIELDS['n_seeds']}); got {n}"]


def _budget_seconds(r: GridRequest, problems: list[str]) -> float | None:
    """The budget profile's seconds per run; a budget without that profile (or that profile
    without a budget) is a problem, said in the Train page's and the CLI's words."""
    given = r.budget not in (None, "")
    if r.profile != "budget":
        if given:
            problems.append(f"a time budget ({FIELDS['budget']}) applies only to the budget "
                            f"profile, not to {r.profile!r}")
        return None
    if not given:
        problems.append(f"the budget profile needs a time budget ({FIELDS['budget']}), "
                        "e.g. 10 (minutes), 10m or 1h")
        return None
    try:
        return parse_budget(r.budget)
    except BudgetError as exc:
        problems.append(f"{exc.problem} ({FIELDS['budget']})")
        return None


def _deduplicated(request: GridRequest) -> GridRequest:
    def unique(values):
        return tuple(dict.fromkeys(values))

    return dataclasses.replace(
        request, datasets=unique(request.datasets), models=unique(request.models),
        strategies=unique(request.strategies), seeds=unique(request.seeds))


def _overrides(r: GridRequest, problems: list[str]) -> dict[str, Any]:
    """The recipe overrides of every run: the typed ``KEY=VALUE`` texts read by the recipe
    fields' types (models.overrides), with ``epochs`` as its alias adds it. What cannot be read
    is a problem here; what is read but not allowed, the recipes' own checks report (below)."""
    if isinstance(r.overrides, Mapping):
        problems.extend(check_keys(r.overrides))
        overrides = {k: v for k, v in r.overrides.items() if k in SETTABLE}
    else:
        overrides, found = parse_overrides(r.overrides)
        problems.extend(found)
    if r.epochs is not None and 1 <= r.epochs <= MAX_EPOCHS:  # else said by _value_problems
        if overrides.get("epochs", r.epochs) != r.epochs:
            problems.append(f"epochs is given twice, as {r.epochs} (--epochs, the Epochs "
                            f"field) and as {overrides['epochs']} (recipe override); give it once")
        overrides["epochs"] = r.epochs
    return overrides


def _value_problems(r: GridRequest) -> list[str]:
    """Problems visible in the request itself: empty factors, numbers out of range."""
    problems = [f"no {what} given ({FIELDS[what]})" for what, values in (
        ("dataset", r.datasets), ("model", r.models), ("strategy", r.strategies),
        ("seed", r.seeds)) if not values]
    bad_seeds = [s for s in r.seeds if isinstance(s, bool) or not isinstance(s, Integral)
                 or not 0 <= s <= MAX_SEED]
    if bad_seeds:
        problems.append(f"seeds must be whole numbers from 0 to {MAX_SEED} "
                        f"({FIELDS['seed']}); got "
                        f"{', '.join(map(str, bad_seeds[:5]))}")
    if r.n_folds is not None and not MIN_FOLDS <= r.n_folds <= MAX_FOLDS:
        problems.append(f"folds must be from {MIN_FOLDS} to {MAX_FOLDS} "
                        f"({FIELDS['folds']}), got {r.n_folds}; 0 on the Train page (or no "
                        "--folds) gives one train/val/test split")
    if r.epochs is not None and not 1 <= r.epochs <= MAX_EPOCHS:
        problems.append(f"epochs must be from 1 to {MAX_EPOCHS} ({FIELDS['epochs']}), "
                        f"got {r.epochs}")
    for strategy in r.strategies:
        try:
            parse_strategy(strategy)
        except RunSpecError as exc:
            problems.append(str(exc))
    if not problems and r.runs() > MAX_RUNS:
        problems.append(f"the grid has {r.runs():,} runs; one command starts at most "
                        f"{MAX_RUNS:,} (split it into several commands)")
    return problems


def _model_problems(r: GridRequest, overrides: dict, problems: list[str]) -> dict:
    """Known model names, their recipes with the overrides (checked by the Recipe's and the
    entry's own checks) and the weights request; returns ``{name: (entry, recipe)}`` for the
    models without problems. An override that several models refuse is one line naming them
    all, not one line per model."""
    from models import get_entry
    from models.weights import resolve_weights

    entries, refused = {}, {}
    for name in r.models:
        try:
            entry = get_entry(name)
            resolve_weights(entry, r.weights)
        except ValueError as exc:  # UnknownModelError, WeightsError, profile
            problems.append(str(exc))
            continue
        recipe, found = _recipe_with(entry, recipe_profile(r.profile), overrides)
        for problem in found:
            refused.setdefault(problem, []).append(name)
        if recipe is not None:
            entries[name] = (entry, recipe)
    for (given, message), names in refused.items():
        problems.append(f"recipe override {given} ({', '.join(names)}): {message}")
    return entries


def _recipe_with(entry, profile: str, overrides: dict) -> tuple[object, list[tuple[str, str]]]:
    """The entry's recipe with the overrides, or None and its problems as (override, message).

    The Recipe stops at its first problem; trying each override alone as well names every
    value it refuses at once, and the combination is blamed only when each alone is fine
    (``schedule=cyclical`` without ``cyclical_max_learning_rate``)."""
    try:
        return entry.recipe(profile, overrides), []
    except ValueError as exc:  # RecipeError; ModelInputError: input below the model's smallest
        combined = (overrides_text(overrides), str(exc))
    alone = []
    for key, value in overrides.items():
        try:
            entry.recipe(profile, {key: value})
        except ValueError as exc:
            alone.append((overrides_text({key: value}), str(exc)))
    return None, alone or [combined]


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
    from core.training.monitors import as_planned, check_val_auc

    ds = load_dataset(spec)
    folds: list[int | None] = list(range(r.n_folds)) if r.n_folds else [None]
    for fold in folds:  # the split seed is the same for every run (RunSpec.split_seed)
        assign_splits(ds, SplitConfig(seed=RunSpec.split_seed, n_folds=r.n_folds, fold=fold))
    n_classes = len(ds.class_names)
    binary = ds.spec.task == "binary"
    for entry, recipe in entries.values():
        entry.check_input(recipe.input_size, n_classes)
        # the validation split itself is checked when the run starts (monitors.check_run)
        check_val_auc(as_planned(recipe, r.profile), ds.spec.task,
                      ds.table["target"].to_numpy(), ds.positive_index if binary else None,
                      f"{entry.name} on {ds.name}")
    for strategy in r.strategies:
        weights = parse_strategy(strategy)[1]
        if weights is not None and len(weights) != n_classes:
            raise RunSpecError(
                f"strategy {strategy!r} gives {len(weights)} class weight(s), but dataset "
                f"{ds.name!r} has {n_classes} classes ({', '.join(ds.class_names)})")
