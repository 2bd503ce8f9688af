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

from pathlib import Path

from core.training.eta import RUN_OVERHEAD_S, RunPlan


def plan_run(spec, store, registry_path: Path | None = None) -> RunPlan | None:
    """``spec``'s sizes (from its resolved dataset and recipe) and this device's remembered
    rates for its model, input size and batch (``rates`` is ``None`` when never measured), from
    ``store`` (a :class:`core.store.ResultsStore`); :meth:`RunPlan.found_stored` when ``store``
    holds the run; ``None`` for a budget run still to train."""
    try:
        from core.training import resolve
        from core.training.device import configure_device
        from core.training.monitors import watches_val_auc
        from core.training.throughput import device_label, remembered

        resolved = resolve(spec, registry_path)
        if store.has(resolved.run_id):
            return RunPlan.found_stored()
        if spec.profile == "budget":
            return None
        recipe = resolved.recipe
        images = recipe.images_per_epoch(len(resolved.rows("train")))
        rates = remembered(store.root, device_label(configure_device()), resolved.entry.name,
                           [recipe.input_size], recipe.batch_size,
                           recipe.augmentation).get(recipe.input_size)
        return RunPlan(images_per_epoch=images, epochs=int(recipe.epochs),
                       n_val=len(resolved.rows("val")), n_test=len(resolved.rows("test")),
                       rates=rates, overhead_s=RUN_OVERHEAD_S,
                       val_passes=2 if watches_val_auc(recipe) else 1)
    except Exception:  # noqa: BLE001 - the run itself will say what is wrong with it
        return None


def remember_run_rates(stored, store_root: Path) -> None:
    """Keep the rates a just-trained run's real epochs achieved (not for budget runs: the
    engine keeps theirs)."""
    view = stored.view
    if view.spec.profile == "budget":
        return
    try:
        from core.training.device import configure_device
        from core.training.throughput import device_label, remember

        remember(store_root, device_label(configure_device()), view.model.name,
                 view.recipe.input_size, view.recipe.batch_size, view.recipe.augmentation,
                 view.images_per_s, view.predict_images_per_s)
    except Exception:  # noqa: BLE001 - a run is stored; its speed is a nicety
        return
