"""The runs that give a stored configuration more seeds: what the Compare page queues when a
configuration has one seed and its spread is therefore unknown.

Why through the grid check: the runs must be exactly those the Train page or ``python -m core
run --seeds`` would queue for the same configuration, checked the same way
(:func:`core.training.validate.validate_grid`: models, strategies, recipe overrides, weights,
budget), so the new seeds land in the same configuration (same factors, other seed) and a
problem is said in the same words. The factors come from the stored run's ``spec`` (what the
user asked for), never from its resolved recipe: the new seeds must ask the same question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from core.errors import LesionlabError
from core.store.record_parts import SpecFacts
from core.training.budget import PLANNER_VERSION
from core.training.runsets import missing_seeds
from core.training.spec import RunSpec
from core.training.validate import GridRequest, validate_grid

__all__ = ["NotMoreSeeds", "OlderPlanner", "OtherAugmentation", "WANTED_SEEDS",
           "more_seed_specs"]

#: How many seeds a configuration is brought up to (seeds 0..2 when it has seed 0).
WANTED_SEEDS = 3


class NotMoreSeeds(LesionlabError):
    """Seeds trained now would be another configuration (Compare keeps them apart), not more
    seeds of the stored one: not an error in the runs, a reason not to queue."""


class OlderPlanner(NotMoreSeeds):
    """The configuration's budget runs were planned by an older planner: seeds trained now
    would be planned by this one."""


class OtherAugmentation(NotMoreSeeds):
    """The configuration's budget runs augmented otherwise than a budget run on the dataset
    would now (its declared kind of images changed since, :mod:`core.training.resolve`)."""


def more_seed_specs(spec: SpecFacts, present: Iterable[int], wanted: int = WANTED_SEEDS, *,
                    planner: int | None = None,
                    augmentation: str | None = None) -> list[RunSpec] | None:
    """The run specs of the seeds missing up to ``wanted`` (the smallest unused, every fold of
    a cross-validation), checked as a Train-page grid (``GridError`` lists the problems); None
    when the stored run cannot be retrained here (an imported run has no spec).
    ``planner``: the stored budget runs' planner version; an older one raises
    :class:`OlderPlanner`, since new seeds could not join that configuration; likewise
    ``augmentation``, the stored runs' own, when a budget run would now augment otherwise
    (:class:`OtherAugmentation`: from the dataset's declaration, without loading it)."""
    if not (spec.dataset and spec.model and spec.strategy and spec.profile):
        return None
    if spec.profile == "budget" and planner is not None and planner != PLANNER_VERSION:
        raise OlderPlanner(
            f"These budget runs were planned by planner {planner}; this version plans with "
            f"planner {PLANNER_VERSION}, so new seeds would be another configuration, not more "
            "seeds of this one.",
            fix="train this configuration again on the Train page (all its seeds) to compare "
                "seeds planned alike")
    seeds = missing_seeds(present, wanted)
    if not seeds:
        return []
    request = GridRequest(
        (spec.dataset,), (spec.model,), (spec.strategy,), spec.profile, tuple(seeds),
        spec.n_folds, spec.weights, overrides=dict(spec.overrides),
        budget=None if spec.budget_s is None else f"{spec.budget_s:g}s")
    specs = validate_grid(request, check_data=False)
    specs = [dataclasses.replace(s, split_seed=spec.split_seed or 0) for s in specs]
    if spec.profile == "budget" and augmentation is not None:
        _same_augmentation(specs[0], augmentation)
    return specs


def _same_augmentation(new: RunSpec, stored: str) -> None:
    """Raise :class:`OtherAugmentation` when a budget run of ``new`` would not train with
    ``stored``. From the declaration and the recipe alone (no dataset load): Compare asks on
    every rerun of a one-seed configuration."""
    from core.datasets import get_spec
    from core.training.resolve import augmented_for_the_images, recipe_profile
    from models import get_entry

    recipe = get_entry(new.model).recipe(recipe_profile(new.profile), new.overrides)
    now = augmented_for_the_images(recipe, new, get_spec(new.dataset).modality).augmentation
    if now != stored:
        raise OtherAugmentation(
            f"These budget runs trained with {stored!r} augmentation; a budget run on "
            f"{new.dataset!r} now trains with {now!r} (the dataset's kind of images was "
            "declared or changed since), so new seeds would be another configuration, not "
            "more seeds of this one.",
            fix="train this configuration again on the Train page (all its seeds) to compare "
                "seeds augmented alike")
