"""A job's runs, planned for their time: what each will train, at which measured rates.

The in-process backend plans every run of a job before training the first, so that a job shows
its time left from the start (:meth:`core.jobs.states.JobSnapshot.time_words`), and after each
run it trains it remembers the rates that run achieved in ``throughput.json``
(:mod:`core.training.throughput`, the table the budget planner keeps): the next job of the same
model at the same size on this machine then knows its time before it starts. A budget run
already remembers its own (the engine does), and its size is only chosen while it runs, so it is
planned only by its own epochs. A run the store already holds (any profile) is planned as found
there: no time, rather than its training time or its whole budget.

Estimating must never cost a run: any failure here reads as "not known" (``None``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.training.budget import Rates
from core.training.eta import RunPlan, overhead_of, overhead_or_default, overhead_sizes


def plan_run(spec, store, registry_path: Path | None = None) -> RunPlan | None:
    """``spec``'s sizes (from its resolved dataset and recipe) and this device's remembered
    rates for its model, input size and batch (``rates`` is ``None`` when never measured), from
    ``store`` (a :class:`core.store.ResultsStore`); :meth:`RunPlan.found_stored` when ``store``
    holds the run; ``None`` for a budget run still to train."""
    try:
        from core.datasets.pipeline import epoch_size
        from core.training import resolve
        from core.training.device import configure_device
        from core.training.monitors import watches_val_auc
        from core.training.spec import sampling_of
        from core.training.throughput import device_label, remembered, remembered_overhead_s

        resolved = resolve(spec, registry_path)
        if store.has(resolved.run_id):
            return RunPlan.found_stored()
        if spec.profile == "budget":
            return None
        recipe = resolved.recipe
        # the engine's own count: resampling changes an epoch's images
        images = epoch_size(resolved.rows("train"), sampling=sampling_of(spec.strategy),
                            max_images=recipe.max_train_images, seed=spec.seed)
        plan = RunPlan(images_per_epoch=images, epochs=int(recipe.epochs),
                       n_val=len(resolved.rows("val")), n_test=len(resolved.rows("test")),
                       val_passes=2 if watches_val_auc(recipe) else 1)
        device, model = device_label(configure_device()), resolved.entry.name
        size, batch, augmentation = recipe.input_size, recipe.batch_size, recipe.augmentation
        rates = remembered(store.root, device, model, [size], batch, augmentation).get(size)
        overhead = (remembered_overhead_s(store.root, device, model, size, batch, augmentation,
                                          overhead_sizes(plan)) if rates else None)
        return replace(plan, rates=rates, overhead_s=overhead_or_default(overhead))
    except Exception:  # noqa: BLE001 - the run itself will say what is wrong with it
        return None


def remember_run_rates(stored, store_root: Path, plan: RunPlan | None = None,
                       took_s: float | None = None) -> None:
    """Keep the rates a just-trained run's real epochs achieved, and, given the ``plan`` it was
    trained by and the seconds it ``took_s`` from start to stored, its fixed seconds outside
    its epochs (:func:`run_overhead_s`). Not for budget runs: the engine keeps theirs."""
    view = stored.view
    if view.spec.profile == "budget":
        return
    try:
        from core.training.device import configure_device
        from core.training.throughput import device_label, remember

        overhead = run_overhead_s(view, plan, took_s)
        remember(store_root, device_label(configure_device()), view.model.name,
                 view.recipe.input_size, view.recipe.batch_size, view.recipe.augmentation,
                 view.images_per_s, view.predict_images_per_s,
                 None if overhead is None else (overhead, overhead_sizes(plan)))
    except Exception:  # noqa: BLE001 - a run is stored; its speed is a nicety
        return


def run_overhead_s(view, plan: RunPlan | None, took_s: float | None) -> float | None:
    """A trained run's seconds outside its epochs and final predictions
    (:func:`core.training.eta.overhead_of`), from the seconds it took as the job saw them
    (resolving, building and saving included: the run's own ``wall_time_s`` starts after the
    model is built), its record and the plan it was trained by; ``None`` when these cannot
    say: no plan or time, a run found stored, a run resumed after an interruption (its time
    covers only the last attempt), or a rate missing from the record."""
    training = view.training
    if (plan is None or plan.stored or not took_s or training.resumed_from_epoch
            or not training.epochs_run or not view.images_per_s
            or not view.predict_images_per_s):
        return None
    rates = Rates(train=view.images_per_s, predict=view.predict_images_per_s,
                  source="this run")
    return overhead_of(plan, wall_s=took_s, epochs_run=training.epochs_run, rates=rates)
