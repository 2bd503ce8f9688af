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
import json
from collections.abc import Iterable, Mapping

from core.errors import LesionlabError
from core.store.record_parts import SpecFacts
from core.training.budget import PLANNER_VERSION
from core.training.runsets import known_factor, missing_seeds
from core.training.spec import RunSpec
from core.training.validate import GridRequest, validate_grid

__all__ = ["NotMoreSeeds", "OlderPlanner", "OtherAugmentation", "WANTED_SEEDS",
           "configuration_not_alike_now", "more_seed_specs", "not_alike_now"]

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


def not_alike_now(dataset: str, model: str, profile: str, overrides: Mapping | None, *,
                  planner: int | None, augmentation: str | None,
                  more: str = "seeds") -> NotMoreSeeds | None:
    """Why runs of this stored configuration trained now would be another configuration, or
    None: budget runs planned by an older planner (:class:`OlderPlanner`), or budget runs that
    augmented otherwise than a budget run on the dataset would now (:class:`OtherAugmentation`,
    from the dataset's declaration and the recipe alone, no dataset load: pages ask on every
    rerun). ``more``: what the page would add ("seeds" on Compare, "strategies" on Weighting
    effects), in the message. Returned, not raised, so a page can say it beside other advice."""
    if profile != "budget":
        return None
    if planner is not None and planner != PLANNER_VERSION:
        return OlderPlanner(
            f"These budget runs were planned by planner {planner}; this version plans with "
            f"planner {PLANNER_VERSION}, so {more} trained now would be another configuration, "
            "not more runs of this one.",
            fix=f"train this configuration again on the Train page (all its {more}) to compare "
                "runs planned alike")
    if augmentation is None:
        return None
    now = _augmentation_now(dataset, model, profile, overrides)
    if now == augmentation:
        return None
    return OtherAugmentation(
        f"These budget runs trained with {augmentation!r} augmentation; a budget run on "
        f"{dataset!r} now trains with {now!r} (the dataset's kind of images was declared or "
        f"changed since), so {more} trained now would be another configuration, not more runs "
        "of this one.",
        fix=f"train this configuration again on the Train page (all its {more}) to compare "
            "runs augmented alike")


def configuration_not_alike_now(config: Mapping[str, object],
                                more: str = "strategies") -> NotMoreSeeds | None:
    """:func:`not_alike_now` for a row of :func:`core.training.runsets.configurations` (its
    factors as canonical text, missing ones of any kind). None also when the configuration's
    dataset or model is no longer declared here (or its overrides no longer make a recipe):
    runs of it could not be trained at all, which the Train page says in its own words."""
    if known_factor(config.get("profile")) != "budget":
        return None
    planner = known_factor(config.get("planner"))
    try:
        return not_alike_now(
            str(config["dataset"]), str(config["model"]), "budget",
            json.loads(known_factor(config.get("overrides")) or "{}"),
            planner=int(float(planner)) if planner else None,
            augmentation=known_factor(config.get("augmentation")), more=more)
    except (LesionlabError, KeyError, TypeError, ValueError):
        return None


def more_seed_specs(spec: SpecFacts, present: Iterable[int], wanted: int = WANTED_SEEDS, *,
                    planner: int | None = None,
                    augmentation: str | None = None) -> list[RunSpec] | None:
    """The run specs of the seeds missing up to ``wanted`` (the smallest unused, every fold of
    a cross-validation), checked as a Train-page grid (``GridError`` lists the problems); None
    when the stored run cannot be retrained here (an imported run has no spec).
    ``planner`` and ``augmentation``: the stored runs' own; when new seeds could not join them
    (:func:`not_alike_now`) the reason is raised (a :class:`NotMoreSeeds`)."""
    if not (spec.dataset and spec.model and spec.strategy and spec.profile):
        return None
    seeds = missing_seeds(present, wanted)
    if not seeds:
        return []
    request = GridRequest(
        (spec.dataset,), (spec.model,), (spec.strategy,), spec.profile, tuple(seeds),
        spec.n_folds, spec.weights, overrides=dict(spec.overrides),
        budget=None if spec.budget_s is None else f"{spec.budget_s:g}s")
    specs = validate_grid(request, check_data=False)
    reason = not_alike_now(spec.dataset, spec.model, spec.profile, spec.overrides,
                           planner=planner, augmentation=augmentation)
    if reason is not None:
        raise reason
    return [dataclasses.replace(s, split_seed=spec.split_seed or 0) for s in specs]


def _augmentation_now(dataset: str, model: str, profile: str,
                      overrides: Mapping | None) -> str:
    """The augmentation a run of ``model`` on ``dataset`` would train with now."""
    from core.datasets import get_spec
    from core.training.resolve import augmented_for_the_images, recipe_profile
    from models import get_entry

    recipe = get_entry(model).recipe(recipe_profile(profile), dict(overrides or {}))
    return augmented_for_the_images(recipe, profile, overrides,
                                    get_spec(dataset).modality).augmentation
