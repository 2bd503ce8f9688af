"""A budget run's plan, made just before it trains: rates, the plan, the recipe it sets.

Planning happens at train time, not when a run is resolved, because it needs this machine's
measured speed (and possibly a probe that builds the model). The run's identity holds the budget
asked for (:func:`core.training.resolve._budget_part`); the plan, the rates it came from and the
time actually taken are in the run record's ``budget`` section.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path
from typing import Callable

from core.datasets.imagescan import scan_images
from core.datasets.pipeline import epoch_size
from core.training.budget import (
    BudgetPlan,
    Rates,
    Workload,
    candidate_sizes,
    interpolate,
    plan,
    users_planned_fields,
)
from core.training.budget_guard import BudgetGuard
from core.training.events import BudgetPlanned, MeasuringSpeed
from core.training.monitors import (check_budget_override, plateau_watches_val_auc,
                                   run_val_auc_problem)
from core.training.resolve import ResolvedRun
from core.training.throughput import device_label, probe, remember, remembered


#: Seconds kept at the end of a budget for saving the model and committing the run.
SAVE_RESERVE_S = 5.0


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    """The resolved run with the planned recipe, the plan, and when the budget ends."""

    resolved: ResolvedRun
    plan: BudgetPlan
    started: float  # time.perf_counter() when the run was asked for
    probe_s: float

    @property
    def deadline(self) -> float:
        return self.started + self.plan.budget_s

    def guard(self, n_predicted: int) -> BudgetGuard:
        """The callback that ends training in time, keeping room for predicting the val and
        test images at the planned rate and for saving (``SAVE_RESERVE_S``)."""
        return BudgetGuard(self.deadline,
                           reserve_s=n_predicted / self.plan.rates.predict + SAVE_RESERVE_S)

    def event(self) -> BudgetPlanned:
        return BudgetPlanned(budget_s=self.plan.budget_s, input_size=self.plan.input_size,
                             epochs=self.plan.epochs, train_images=self.plan.train_images,
                             expected_s=self.plan.expected_s + self.probe_s)

    def record(self, *, wall_time_s: float, stopped_after: int | None) -> dict:
        """The run record's ``budget`` section."""
        return {**self.plan.to_record(), "probe_s": self.probe_s, "actual_s": wall_time_s,
                "within_budget": wall_time_s <= self.plan.budget_s,
                "stopped_by_budget_after_epoch": stopped_after}


def plan_budget_run(resolved: ResolvedRun, device, strategy, store_root: Path,
                    emit: Callable[[dict], None], started: float) -> PlannedRun:
    """Plan ``resolved`` (a budget-profile run) to end within its budget from ``started``."""
    spec, entry = resolved.spec, resolved.entry
    check_budget_override(resolved)  # before minutes of measuring speed
    overrides = spec.overrides or {}
    sizes = candidate_sizes(entry.useful_min_size, _native_side(resolved),
                            overrides.get("input_size"))
    n_classes = len(resolved.dataset.class_names)
    batch = resolved.recipe.batch_size
    label = device_label(device)
    rates = remembered(store_root, label, entry.name, sizes, batch)
    overhead = 0.0
    to_probe = [s for s in {min(sizes), max(sizes)} if s not in rates]
    for size in sorted(to_probe):
        emit(MeasuringSpeed(model=entry.name, input_size=size))
        measured, took = probe(entry, resolved.recipe, size, n_classes, strategy)
        rates[size], overhead = measured, max(overhead, took)
    rates = interpolate(rates, sizes)
    train = resolved.rows("train")
    work = Workload(n_train=min(len(train), overrides.get("max_train_images") or len(train)),
                    n_val=len(resolved.rows("val")), n_test=len(resolved.rows("test")),
                    overhead_s=overhead,
                    monitor=overrides.get("monitor") or stopping_monitor(resolved),
                    plateau_auc=plateau_watches_val_auc(resolved.recipe),
                    epoch_factor=epoch_size(train, sampling=resolved.recipe.sampling,
                                            seed=spec.seed) / max(1, len(train)))
    spent = time.perf_counter() - started
    chosen = plan(spec.budget_s - spent, work, rates, batch_size=batch,
                  fixed=users_planned_fields(overrides))
    chosen = dataclasses.replace(chosen, budget_s=float(spec.budget_s))
    recipe = resolved.recipe.replace(**chosen.recipe_changes(len(train)))
    return PlannedRun(dataclasses.replace(resolved, recipe=recipe), chosen, started=started,
                      probe_s=spent)


def remember_rates(store_root: Path, device, resolved: ResolvedRun, record: dict) -> None:
    """Keep what this run's real epochs achieved, for the next plan on this machine."""
    remember(store_root, device_label(device), resolved.entry.name, resolved.recipe.input_size,
             resolved.recipe.batch_size, record.get("images_per_s"),
             record.get("predict_images_per_s"))


def stopping_monitor(resolved: ResolvedRun) -> str:
    """``"val_auc"`` for a binary task whose validation split holds both classes (the number
    runs are ranked by), ``"val_loss"`` otherwise (multiclass, or no AUC on validation)."""
    return "val_auc" if run_val_auc_problem(resolved) is None else "val_loss"


def _native_side(resolved: ResolvedRun) -> float | None:
    """The median shorter side of the training images (from the cached file scan)."""
    scan = scan_images(resolved.dataset, fingerprint=resolved.identity["dataset_fingerprint"])
    rows = scan.loc[resolved.rows("train").index]
    sides = [min(w, h) for w, h in zip(rows["width"], rows["height"]) if w and h]
    return float(statistics.median(sides)) if sides else None


__all__ = ["PlannedRun", "Rates", "plan_budget_run", "remember_rates", "stopping_monitor"]
