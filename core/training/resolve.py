"""From a :class:`RunSpec` (names) to everything a run needs, and its content address.

Resolving is cheap (no model is built): it loads the dataset table, assigns the split and takes
the recipe, so the dashboard and the CLI can ask "is this run stored?" without training. The
identity holds *derived content* — the dataset's fingerprint, the split's fingerprint, the full
recipe — so a relabelled image, a changed split or an edited recipe is a different run.

Which rows a run actually trains and is evaluated on (:func:`with_usable_data`: unreadable
files left out, the dataset's ``duplicates`` setting applied) is decided after this cheap step,
and is not hashed into the identity separately: it is a function of what the identity already
holds. The dataset fingerprint covers every file's size and modification time (so the same
files give the same unreadable ones), the split fingerprint the split, and the code version the
scan's rules and pixel limit. The one user choice involved, ``duplicates = "drop"`` or
``"keep"``, is added to the split part of the identity, because on a dataset with duplicates
the two train on different rows; the default (``"refuse"``) adds nothing, so the identity of a
run on a clean dataset is the one it always had.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.datasets import (
    LoadedDataset,
    SplitConfig,
    assign_splits,
    dataset_fingerprint,
    load_dataset,
    split_fingerprint,
)
from core.datasets.common import MODALITY_AUGMENTATION
from core.datasets.usable import UsableData, usable_data
from core.store import CODE_VERSION, run_id
from core.training.budget import PLANNER_VERSION, users_planned_fields
from core.training.spec import BUDGET_BASE_PROFILE, RunSpec, RunSpecError
from models import ModelEntry, Recipe, get_entry
from models.overrides import check_keys
from models.weights import WeightsChoice, resolve_weights


@dataclass(frozen=True)
class ResolvedRun:
    spec: RunSpec
    dataset: LoadedDataset
    splits: pd.Series
    entry: ModelEntry
    recipe: Recipe
    weights: WeightsChoice
    identity: dict
    usable: UsableData | None = None  # set by with_usable_data: what was left out, and why

    @property
    def run_id(self) -> str:
        return run_id(self.identity)

    def rows(self, split: str) -> pd.DataFrame:
        return self.dataset.table[self.splits == split]

    def with_weights_label(self, label: str) -> dict:
        """The identity of the run that was actually trained (e.g. random init when ImageNet
        weights could not be downloaded), so a fallback is never stored as an ImageNet run."""
        return {**self.identity, "weights": label}


def resolve(spec: RunSpec, registry_path: Path | None = None) -> ResolvedRun:
    dataset = load_dataset(spec.dataset, registry_path)
    split_config = SplitConfig(seed=spec.split_seed, n_folds=spec.n_folds, fold=spec.fold)
    splits = assign_splits(dataset, split_config)
    entry = get_entry(spec.model)
    try:  # the same checks as a grid's (core.training.validate): keys, types, recipe, model
        problems = check_keys(spec.overrides or {})
        if problems:
            raise RunSpecError("; ".join(problems))
        recipe = entry.recipe(recipe_profile(spec.profile), spec.overrides)
    except (TypeError, ValueError) as exc:
        raise RunSpecError(f"Invalid recipe override {spec.overrides}: {exc}") from exc
    recipe = augmented_for_the_images(recipe, spec.profile, spec.overrides,
                                      dataset.spec.modality)
    entry.check_input(recipe.input_size, len(dataset.class_names))
    weights = resolve_weights(entry, spec.weights)
    identity = {
        "dataset": spec.dataset,
        "dataset_fingerprint": dataset_fingerprint(dataset),
        "split": {**split_config.to_dict(), "fingerprint": split_fingerprint(dataset, splits),
                  **_duplicates_choice(dataset)},
        "model": entry.name,
        "recipe": recipe.to_dict(),
        "weights": weights_label(weights),
        "strategy": spec.strategy,
        "profile": spec.profile,
        "seed": spec.seed,
        "fold": spec.fold,
        "code_version": CODE_VERSION,
        **_budget_part(spec),
    }
    return ResolvedRun(spec, dataset, splits, entry, recipe, weights, identity)


def with_usable_data(resolved: ResolvedRun) -> ResolvedRun:
    """The run restricted to the rows training may use (:mod:`core.datasets.usable`).

    Reads every image once per dataset content (the scan is cached), so it is called when a
    run is about to train, not when the app only asks whether a run is stored. Raises
    :class:`~core.datasets.DatasetError` with the dataset check's message when the dataset's
    duplicates must be refused.
    """
    data = usable_data(resolved.dataset, resolved.splits,
                       fingerprint=resolved.identity["dataset_fingerprint"])
    return dataclasses.replace(resolved, dataset=data.dataset, splits=data.splits, usable=data)


def recipe_profile(profile: str) -> str:
    """The registry profile a run's recipe starts from (budget runs start from quick's)."""
    return BUDGET_BASE_PROFILE if profile == "budget" else profile


def augmented_for_the_images(recipe: Recipe, profile: str, overrides: Mapping | None,
                             modality: str | None) -> Recipe:
    """A budget run on a dataset that says what its images are (``modality``, from its
    declaration) augments for them (:data:`~core.datasets.common.MODALITY_AUGMENTATION`),
    unless the user chose an augmentation. Decided in :func:`resolve`, before the identity is
    hashed, so the recipe stored and keyed is the one trained, and declaring a modality later
    makes new runs rather than stale ones. The paper and quick profiles keep their study's
    augmentation: they reproduce it. Pure: Compare asks it without loading the dataset."""
    if profile != "budget" or modality is None or "augmentation" in (overrides or {}):
        return recipe
    return recipe.replace(augmentation=MODALITY_AUGMENTATION[modality])


def _budget_part(spec: RunSpec) -> dict:
    """A budget run is keyed by the budget asked for and the planner's rules, not by the plan:
    the plan depends on this machine's measured speed, which is recorded with the run. Other
    profiles add nothing, so their identities are the ones they always had."""
    if spec.profile != "budget":
        return {}
    kept = sorted(users_planned_fields(spec.overrides))
    return {"budget": {"seconds": float(spec.budget_s), "planner": PLANNER_VERSION,
                       **({"kept": kept} if kept else {})}}


def _duplicates_choice(dataset: LoadedDataset) -> dict:
    policy = dataset.spec.duplicates
    return {} if policy == "refuse" else {"duplicates": policy}


def weights_label(choice: WeightsChoice) -> str:
    """"random", "imagenet", or "file:<name>:<sha256 prefix>" — a file is keyed by content."""
    if choice.path is None:
        return choice.source
    digest = hashlib.sha256(Path(choice.path).read_bytes()).hexdigest()[:16]
    return f"file:{choice.path.name}:{digest}"
