"""Which epoch-end numbers a recipe watches, and whether this run can have them (no TensorFlow).

``val_auc`` (:mod:`core.training.val_auc`) exists only for a binary task whose validation split
holds both classes; a recipe that watches it elsewhere is refused before any work: by the CLI's
grid check (the task), by the Train page's grid and again when the run starts (the validation
split too).
"""

from __future__ import annotations

import numpy as np

from core.training.spec import RunSpecError

__all__ = ["VAL_AUC", "watches_val_auc", "plateau_watches_val_auc", "val_auc_problem",
           "check_val_auc", "check_run", "check_before_work", "as_planned",
           "run_val_auc_problem"]

VAL_AUC = "val_auc"


def plateau_watches_val_auc(recipe) -> bool:
    """Whether ``recipe``'s learning-rate plateau reads ``val_auc``."""
    return recipe.schedule == "plateau" and recipe.plateau_monitor == VAL_AUC


def watches_val_auc(recipe) -> bool:
    """Whether a callback of ``recipe`` reads ``val_auc`` (so the engine must compute it)."""
    stops = recipe.early_stopping_patience is not None and recipe.monitor == VAL_AUC
    return stops or plateau_watches_val_auc(recipe)


def val_auc_problem(task: str, val_targets: np.ndarray, positive_index: int | None
                    ) -> str | None:
    """Why a run of this task and validation split has no validation AUC; None when it has."""
    if task != "binary" or positive_index is None:
        return f"this is a {task} task"
    present = set(np.unique(np.asarray(val_targets)).tolist())
    if positive_index not in present or len(present) < 2:
        return "the validation split does not hold both classes"
    return None


def check_val_auc(recipe, task: str, val_targets: np.ndarray, positive_index: int | None,
                  label: str) -> None:
    """Refuse, before training, a recipe that watches ``val_auc`` where it has no value."""
    if watches_val_auc(recipe):
        _refuse(label, val_auc_problem(task, val_targets, positive_index))


def run_val_auc_problem(resolved) -> str | None:
    """:func:`val_auc_problem` for a resolved run (its task and validation rows)."""
    ds = resolved.dataset
    return val_auc_problem(ds.spec.task, resolved.rows("val")["target"].to_numpy(),
                           ds.positive_index if ds.spec.task == "binary" else None)


def check_run(resolved) -> None:
    """:func:`check_val_auc` for a resolved run."""
    if watches_val_auc(resolved.recipe):
        _refuse(resolved.spec.label, run_val_auc_problem(resolved))


def as_planned(recipe, profile: str):
    """``recipe`` as far as its monitors go once planned: a budget run's planner always sets
    an early-stopping patience, so the monitor it keeps (the user's, or val_loss where there
    is no validation AUC: :func:`core.training.budget_run.stopping_monitor`) is always read."""
    if profile != "budget":
        return recipe
    return recipe.replace(early_stopping_patience=recipe.early_stopping_patience or 1)


def check_before_work(resolved) -> None:
    """:func:`check_run` for a run not planned yet (:func:`as_planned`), as the Train page's
    grid and a budget run (before minutes of measuring speed) check it; worded as the CLI's
    grid check words it (model on dataset), so a grid of many seeds says it once."""
    if watches_val_auc(as_planned(resolved.recipe, resolved.spec.profile)):
        _refuse(f"{resolved.entry.name} on {resolved.dataset.name}",
                run_val_auc_problem(resolved))


def _refuse(label: str, why: str | None) -> None:
    if why is not None:
        raise RunSpecError(
            f"{label}: the recipe watches val_auc (Monitor or Plateau monitor), the positive "
            f"class's AUC on the validation images, but {why}. Use val_loss instead.")
