"""A budget run's plan, made just before it trains: rates, the plan, the recipe it sets.

Planning happens at train time, not when a run is resolved, because it needs this machine's
measured speed (and possibly a probe that builds the model). The run's identity holds the budget
asked for (:func:`core.training.resolve._budget_part`); the plan, the rates it came from and the
time actually taken are in the run record's ``budget`` section.

An interrupted budget run resumes with the plan it started with: the plan and the seconds spent
so far (and the last epochs' durations) are kept in the run's scratch folder (``PLAN_FILE``,
rewritten after every epoch), since
a new plan could choose another input size than the checkpoint's weights were trained at, or
another number of epochs than the restored epoch counter was counting towards. The resumed
attempt's budget is what the interrupted ones left (time between attempts not counted); when
that holds no further epoch of the kept duration, it trains none and predicts
(:meth:`core.training.budget_guard.BudgetGuard.epochs_to_run`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

from core.datasets.imagescan import scan_images
from core.datasets.pipeline import epoch_size
from core.store import run_id
from core.training.budget import (
    BudgetPlan,
    Rates,
    Workload,
    plan,
    users_planned_fields,
)
from core.training.budget_sizes import candidate_sizes, interpolate
from core.training.budget_guard import BudgetGuard
from core.training.events import BudgetPlanned, MeasuringSpeed
from core.training.monitors import (check_before_work, plateau_watches_val_auc,
                                   run_val_auc_problem)
from core.training.resolve import ResolvedRun
from core.training.spec import BUDGET_BASE_PROFILE
from core.training.throughput import device_label, probe, remember, remembered


#: Seconds kept at the end of a budget for saving the model and committing the run.
SAVE_RESERVE_S = 5.0
#: In a budget run's scratch folder: its plan and the seconds spent, for a resumed attempt.
PLAN_FILE = "budget_plan.json"


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    """The resolved run with the planned recipe, the plan, and when the budget ends."""

    resolved: ResolvedRun
    plan: BudgetPlan
    started: float  # time.perf_counter() when the run was asked for (less earlier attempts)
    probe_s: float
    #: Seconds earlier, interrupted attempts spent (0 for a run planned now).
    resumed_after_s: float = 0.0
    #: The scratch folder the resumed plan was kept in (None for a run planned now).
    kept_in: Path | None = None
    #: The last epochs' seconds the interrupted attempts measured (empty for a run planned now).
    epoch_s: tuple[float, ...] = ()

    @property
    def deadline(self) -> float:
        return self.started + self.plan.budget_s

    def trained_in(self, work: Path) -> PlannedRun:
        """This plan for a run that trains in ``work``: when the kept plan came from another
        folder (the other weights' id: ImageNet weights loaded this time and not last time, or
        the other way round), nothing is resumed there, so no earlier time counts; the plan's
        choices stay, since the model was built at its size."""
        if self.kept_in is None or self.kept_in == work:
            return self
        return dataclasses.replace(self, started=self.started + self.resumed_after_s,
                                   resumed_after_s=0.0, kept_in=None, epoch_s=())

    def guard(self, n_predicted: int, work: Path) -> BudgetGuard:
        """The callback that ends training in time, keeping room for predicting the val and
        test images at the planned rate and for saving (``SAVE_RESERVE_S``); after each epoch
        it keeps the plan and the time spent in ``work`` (the run's scratch folder)."""
        self.keep(work, epochs_done=None, durations=self.epoch_s)
        return BudgetGuard(self.deadline,
                           reserve_s=n_predicted / self.plan.rates.predict + SAVE_RESERVE_S,
                           after_epoch=lambda done, durations: self.keep(work, done, durations),
                           durations=self.epoch_s)

    def keep(self, work: Path, epochs_done: int | None,
             durations: Sequence[float] = ()) -> None:
        """Write the plan, the seconds spent so far and the last two epochs' seconds into
        ``work`` (atomically), with the epochs done when it is written (None: before the first
        of this attempt)."""
        body = {"plan": self.plan.to_record(), "probe_s": self.probe_s,
                "spent_s": time.perf_counter() - self.started, "epochs_done": epochs_done,
                "epoch_s": [float(d) for d in list(durations)[-2:]]}
        scratch = work / f".{PLAN_FILE}.{os.getpid()}.tmp"
        scratch.write_text(json.dumps(body))
        os.replace(scratch, work / PLAN_FILE)

    def event(self) -> BudgetPlanned:
        return BudgetPlanned(budget_s=self.plan.budget_s, input_size=self.plan.input_size,
                             epochs=self.plan.epochs, train_images=self.plan.train_images,
                             expected_s=self.plan.expected_s + self.probe_s)

    def record(self, *, wall_time_s: float, stopped_after: int | None) -> dict:
        """The run record's ``budget`` section."""
        return {**self.plan.to_record(), "probe_s": self.probe_s, "actual_s": wall_time_s,
                "within_budget": wall_time_s <= self.plan.budget_s,
                "stopped_by_budget_after_epoch": stopped_after,
                **({"resumed_after_s": self.resumed_after_s} if self.resumed_after_s else {})}


def plan_budget_run(resolved: ResolvedRun, device, strategy, store_root: Path,
                    emit: Callable[[dict], None], started: float,
                    work_root: Path | None = None) -> PlannedRun:
    """Plan ``resolved`` (a budget-profile run) to end within its budget from ``started``;
    or, when an interrupted attempt of the run kept its plan in its scratch folder under
    ``work_root`` (the store's), resume with that plan and the budget it left."""
    spec, entry = resolved.spec, resolved.entry
    check_before_work(resolved)  # before minutes of measuring speed
    for folder in _scratch_folders(work_root, resolved):
        kept = _kept_plan(folder)
        if kept is not None:
            chosen, probe_s, spent, epoch_s = kept
            recipe = resolved.recipe.replace(**chosen.recipe_changes(
                len(resolved.rows("train"))))
            return PlannedRun(dataclasses.replace(resolved, recipe=recipe), chosen,
                              started=started - spent, probe_s=probe_s,
                              resumed_after_s=spent, kept_in=folder, epoch_s=epoch_s)
    overrides = spec.overrides or {}
    sizes = candidate_sizes(entry.useful_min_size, _native_side(resolved),
                            overrides.get("input_size"))
    n_classes = len(resolved.dataset.class_names)
    batch = resolved.recipe.batch_size
    label = device_label(device)
    rates = remembered(store_root, label, entry.name, sizes, batch,
                       resolved.recipe.augmentation)
    overhead = 0.0
    to_probe = [s for s in {min(sizes), max(sizes)} if s not in rates]
    for size in sorted(to_probe):
        emit(MeasuringSpeed(model=entry.name, input_size=size))
        measured, took = probe(entry, resolved.recipe, size, n_classes, strategy)
        rates[size], overhead = measured, max(overhead, took)
    rates = interpolate(rates, sizes)
    train = resolved.rows("train")
    work = Workload(n_train=min(len(train), overrides.get("max_train_images") or len(train)),
                    in_split=len(train), n_val=len(resolved.rows("val")),
                    n_test=len(resolved.rows("test")),
                    overhead_s=overhead,
                    monitor=overrides.get("monitor") or stopping_monitor(resolved),
                    plateau_auc=plateau_watches_val_auc(resolved.recipe),
                    epoch_factor=epoch_size(train, sampling=resolved.recipe.sampling,
                                            seed=spec.seed) / max(1, len(train)))
    spent = time.perf_counter() - started
    chosen = plan(float(spec.budget_s), work, rates, batch_size=batch,
                  fixed=users_planned_fields(overrides), spent_s=spent)
    chosen = dataclasses.replace(chosen, reasons=(*chosen.reasons,
                                                  optimizer_kept(resolved.recipe)))
    recipe = resolved.recipe.replace(**chosen.recipe_changes(len(train)))
    return PlannedRun(dataclasses.replace(resolved, recipe=recipe), chosen, started=started,
                      probe_s=spent)


def optimizer_kept(recipe) -> str:
    """The plan's reason line for what it did not choose: the optimizer, its learning rate and
    schedule, the batch and the loss stay the recipe's (the quick profile's, or the user's
    overrides), whatever the budget; a budget that cannot fit them is refused instead."""
    return (f"optimizer {recipe.optimizer} at learning rate {recipe.learning_rate:g} "
            f"({recipe.schedule} schedule), batch {recipe.batch_size}, loss {recipe.loss}: "
            f"the {BUDGET_BASE_PROFILE} recipe's with the overrides given, kept (the planner "
            "sizes a run, it never changes its optimizer)")


def _scratch_folders(work_root: Path | None, resolved: ResolvedRun) -> list[Path]:
    """Where an interrupted attempt of ``resolved`` trained: its own id's scratch folder, and
    for requested ImageNet weights also the random-init id's (offline, the run trains under
    that one, :meth:`ResolvedRun.with_weights_label`)."""
    if work_root is None:
        return []
    ids = [resolved.run_id]
    if resolved.weights.source == "imagenet":
        ids.append(run_id(resolved.with_weights_label("random")))
    return [work_root / rid for rid in ids]


def _kept_plan(work: Path) -> tuple[BudgetPlan, float, float, tuple[float, ...]] | None:
    """The plan, probe seconds, seconds spent and last epochs' seconds that an interrupted
    attempt kept in ``work``; None when there is none (or it is unreadable: then the run is
    planned afresh, as before this file existed)."""
    try:
        body = json.loads((work / PLAN_FILE).read_text())
        kept = (BudgetPlan.from_record(body["plan"]), float(body["probe_s"]),
                max(0.0, float(body["spent_s"])))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:  # written since the durations were kept; without them the run trains as before
        durations = tuple(float(d) for d in body.get("epoch_s") or ())
    except (ValueError, TypeError):
        durations = ()
    return (*kept, durations)


def remember_rates(store_root: Path, device, resolved: ResolvedRun, record: dict) -> None:
    """Keep what this run's real epochs achieved, for the next plan on this machine."""
    remember(store_root, device_label(device), resolved.entry.name, resolved.recipe.input_size,
             resolved.recipe.batch_size, resolved.recipe.augmentation, record.get("images_per_s"),
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


__all__ = ["PlannedRun", "Rates", "optimizer_kept", "plan_budget_run", "remember_rates",
           "stopping_monitor"]
