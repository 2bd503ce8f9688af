"""The budget profile end to end: a real probe, a real plan, a real run, a real guard."""

from __future__ import annotations

import json
import time

import keras
import numpy as np
import pytest

from core.store import ResultsStore
from core.training import RunSpec, resolve, train_run
from core.training.budget import BudgetError
from core.training.budget_guard import BudgetGuard
from core.training.budget_run import PLAN_FILE
from core.training.events import (BudgetPlanned, EpochEnded, MeasuringSpeed, RunCached,
                                  TrainingStarted)
from core.training.throughput import FILE_NAME

#: A generous budget for 60 images of 40 px; epochs capped so the run stays seconds long.
BUDGET = {"budget_s": 300.0, "overrides": {"epochs": 12, "batch_size": 8}}


@pytest.fixture(scope="module")
def budget_store(squares_registry, tmp_path_factory):
    store = ResultsStore(tmp_path_factory.mktemp("budget_store"))
    events: list = []
    run = train_run(RunSpec("squares", "idc_own", profile="budget", **BUDGET), store,
                    progress=events.append, registry_path=squares_registry)
    return store, run, events


def test_a_budget_run_records_what_it_chose_why_and_how_long_it_took(budget_store):
    store, run, events = budget_store
    plan = run.record["budget"]
    # 40 px images: the planner goes no further than their own size (planner 5)
    assert plan["input_size"] == 40 == run.record["model"]["input_size"]
    assert run.record["recipe"]["input_size"] == 40
    assert plan["epochs"] == 12 == run.record["recipe"]["epochs"]  # the override, as given
    assert plan["train_images"] == run.record["data"]["images_per_epoch"]  # all of them
    assert plan["rates"]["source"] == "probe" and plan["rates"]["train"] > 0
    assert plan["reasons"] and plan["budget_s"] == 300.0
    # the time taken counts from the request: the probe and the build as well as training
    assert 0 < plan["probe_s"] and plan["actual_s"] > run.record["wall_time_s"] + plan["probe_s"]
    assert plan["within_budget"] is True
    assert [type(e) for e in events if isinstance(e, (MeasuringSpeed, BudgetPlanned))] == \
        [MeasuringSpeed, BudgetPlanned]
    assert run.record["spec"]["budget_s"] == 300.0


def test_a_binary_budget_run_stops_on_the_validation_auc_it_keeps(budget_store):
    """Planner 3 watches the positive class's validation AUC (computed each epoch by
    core.training.val_auc); the best epoch's weights are the ones stored, so the stored
    validation predictions' AUC is the best AUC in the history."""
    from sklearn.metrics import roc_auc_score

    _, run, _ = budget_store
    assert run.record["budget"]["monitor"] == "val_auc" == run.record["recipe"]["monitor"]
    assert any("validation AUC" in why for why in run.record["budget"]["reasons"])
    history = run.history()
    assert history["val_auc"].notna().all() and len(history) == run.record["training"][
        "epochs_run"]
    val = run.predictions().query("split == 'val'")
    positive = run.record["positive_index"]
    stored = roc_auc_score(val["target"] == positive, val[f"prob_{positive}"])
    assert stored == pytest.approx(history["val_auc"].max(), abs=1e-9)


def test_the_measured_rates_are_remembered_and_used_by_the_next_plan(budget_store,
                                                                    squares_registry):
    store, _, _ = budget_store
    table = json.loads((store.root / FILE_NAME).read_text())
    assert any("|idc_own|40|8|" in key for key in table)
    events: list = []
    again = train_run(RunSpec("squares", "idc_own", profile="budget", seed=1, **BUDGET), store,
                      progress=events.append, registry_path=squares_registry)
    assert not any(isinstance(e, MeasuringSpeed) for e in events)
    assert again.record["budget"]["rates"]["source"] == "earlier runs"


def test_rates_remembered_with_one_augmentation_are_not_used_for_another(tmp_path):
    """A preset that warps every image costs a CPU pipeline more than a flip: the rates of
    one preset do not plan a run with another (nor do keys written before presets counted)."""
    from core.training.throughput import remember, remembered

    remember(tmp_path, "cpu:testx2r1", "idc_own", 64, 32, "histology", 100.0, 300.0)
    assert remembered(tmp_path, "cpu:testx2r1", "idc_own", [64], 32, "light") == {}
    assert remembered(tmp_path, "cpu:testx2r1", "idc_own", [64], 32, "histology")[64].train \
        == 100.0
    table = json.loads((tmp_path / FILE_NAME).read_text())
    old_key = next(iter(table)).rsplit("|aug=", 1)[0]  # planner 6's key: no preset
    (tmp_path / FILE_NAME).write_text(json.dumps({old_key: table.popitem()[1]}))
    assert remembered(tmp_path, "cpu:testx2r1", "idc_own", [64], 32, "histology") == {}


def test_the_same_request_is_a_stored_run_not_a_new_plan(budget_store, squares_registry):
    store, run, _ = budget_store
    events: list = []
    same = train_run(RunSpec("squares", "idc_own", profile="budget", **BUDGET), store,
                     progress=events.append, registry_path=squares_registry)
    assert same.run_id == run.run_id
    assert [type(e) for e in events] == [RunCached]


def test_a_stored_budget_run_is_planned_as_found_not_as_its_whole_budget(budget_store,
                                                                        squares_registry):
    from core.jobs.estimates import plan_run

    store, _, _ = budget_store
    spec = RunSpec("squares", "idc_own", profile="budget", **BUDGET)
    assert plan_run(spec, store, squares_registry).total_s == 0.0
    other = RunSpec("squares", "idc_own", profile="budget", seed=9, **BUDGET)
    assert plan_run(other, store, squares_registry) is None  # sized only when it runs


def test_a_users_image_cap_trains_on_that_many_images_and_says_so(budget_store,
                                                                 squares_registry):
    """``max_train_images`` on a budget run: the plan keeps it (planned field), the epochs go
    through that many images, and Run details' reasons name the cap."""
    store, full, _ = budget_store
    overrides = {**BUDGET["overrides"], "epochs": 3, "max_train_images": 20}
    run = train_run(RunSpec("squares", "idc_own", profile="budget", budget_s=300.0,
                            overrides=overrides), store, registry_path=squares_registry)
    in_split = full.record["budget"]["train_images"]
    assert in_split > 20
    plan = run.record["budget"]
    assert plan["train_images"] == 20 == run.record["data"]["images_per_epoch"]
    assert run.record["recipe"]["max_train_images"] == 20 and plan["epochs"] == 3
    assert plan["reasons"][0].startswith(
        f"the 20 training images asked for (max_train_images; {in_split} in the split)")
    assert run.record["training"]["epochs_run"] <= 3


def test_an_override_the_planner_keeps_makes_another_run_even_at_the_recipes_value(
        squares_registry):
    """``monitor=val_loss`` is the quick recipe's own value, so the recipe is unchanged; but
    the planner keeps it instead of choosing the validation AUC: another run, another id."""
    plain = RunSpec("squares", "idc_own", profile="budget", **BUDGET)
    kept = RunSpec("squares", "idc_own", profile="budget", budget_s=300.0,
                   overrides={**BUDGET["overrides"], "monitor": "val_loss"})
    assert resolve(kept, squares_registry).recipe == resolve(plain, squares_registry).recipe
    assert resolve(kept, squares_registry).run_id != resolve(plain, squares_registry).run_id
    assert resolve(kept, squares_registry).identity["budget"]["kept"] == ["epochs", "monitor"]


def test_an_interrupted_budget_run_resumes_with_its_plan_and_the_budget_it_left(
        squares_registry, tmp_path):
    """A new plan could pick another input size than the checkpoint was trained at (or
    another epoch count than the restored counter counts to): the resumed attempt takes the
    kept plan, measures nothing, and its budget is what the first attempt left."""
    store = ResultsStore(tmp_path)
    spec = RunSpec("squares", "idc_own", profile="budget", seed=3, **BUDGET)
    rid = resolve(spec, squares_registry).run_id
    seen = []

    def stop_after_two(event):
        if isinstance(event, EpochEnded):
            # kept with the checkpoint, before the progress event a listener may stop it at
            seen.append(json.loads((store.work_root / rid / PLAN_FILE).read_text()))
            if event.epoch >= 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_run(spec, store, progress=stop_after_two, registry_path=squares_registry)
    kept = json.loads((store.work_root / rid / PLAN_FILE).read_text())
    assert [k["epochs_done"] for k in seen] == [1, 2] and kept == seen[-1]
    assert kept["spent_s"] > seen[0]["spent_s"] > kept["probe_s"] > 0
    events: list = []
    run = train_run(spec, store, progress=events.append, registry_path=squares_registry)
    assert not any(isinstance(e, MeasuringSpeed) for e in events)
    assert next(e for e in events if isinstance(e, TrainingStarted)).resumed_from_epoch == 2
    plan = run.record["budget"]
    assert {k: plan[k] for k in ("input_size", "epochs", "rates", "reasons")} == \
        {k: kept["plan"][k] for k in ("input_size", "epochs", "rates", "reasons")}
    assert plan["resumed_after_s"] >= kept["spent_s"]
    assert plan["actual_s"] > plan["resumed_after_s"]  # both attempts count
    assert run.record["training"]["epochs_run"] > 2
    assert not (store.work_root / rid).exists() or not any((store.work_root / rid).iterdir())


def test_a_resumed_run_whose_budget_holds_no_further_epoch_trains_none_and_predicts(
        squares_registry, tmp_path):
    """Earlier attempts spent the budget up to less than one of their epochs: the resumed
    attempt restores the checkpoint and predicts, rather than overrunning by an epoch."""
    store = ResultsStore(tmp_path)
    spec = RunSpec("squares", "idc_own", profile="budget", seed=4, **BUDGET)
    rid = resolve(spec, squares_registry).run_id

    def stop_after_two(event):
        if isinstance(event, EpochEnded) and event.epoch >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_run(spec, store, progress=stop_after_two, registry_path=squares_registry)
    plan_file = store.work_root / rid / PLAN_FILE
    kept = json.loads(plan_file.read_text())
    assert len(kept["epoch_s"]) == 2 and all(d > 0 for d in kept["epoch_s"])
    # as if the attempts had taken 250 of the 300 s, with epochs of 100 s
    plan_file.write_text(json.dumps({**kept, "spent_s": 250.0, "epoch_s": [100.0, 100.0]}))
    events: list = []
    run = train_run(spec, store, progress=events.append, registry_path=squares_registry)
    assert next(e for e in events if isinstance(e, TrainingStarted)).resumed_from_epoch == 2
    assert not any(isinstance(e, EpochEnded) for e in events)
    assert run.record["training"]["epochs_run"] == 2
    budget = run.record["budget"]
    assert budget["stopped_by_budget_after_epoch"] == 2
    assert budget["within_budget"] and budget["actual_s"] >= 250.0


def test_the_guard_trains_no_epoch_when_a_resumed_budget_has_no_room_for_one():
    guard = BudgetGuard(deadline=time.perf_counter() + 10.0, durations=[3.0, 30.0])
    assert not guard.room_for_an_epoch()
    assert guard.epochs_to_run(12, done=0) == 12 and guard.stopped_after is None
    assert guard.epochs_to_run(12, done=4) == 4 and guard.stopped_after == 4
    finished = BudgetGuard(deadline=time.perf_counter() + 10.0, durations=[30.0])
    assert finished.epochs_to_run(12, done=12) == 12 and finished.stopped_after is None
    roomy = BudgetGuard(deadline=time.perf_counter() + 10.0, durations=[30.0, 3.0, 2.0])
    assert roomy.room_for_an_epoch() and roomy.epochs_to_run(12, done=4) == 12


def test_the_epochs_resumed_are_the_checkpoints_and_damaged_durations_keep_the_plan(tmp_path):
    """The history can hold one epoch more than the checkpoint (killed between the two): the
    epoch counter Keras restores is the checkpoint's. Unreadable durations cost only them."""
    from core.training.budget import BudgetPlan, Rates
    from core.training.budget_run import _kept_plan
    from core.training.resume import checkpoint_epoch

    assert checkpoint_epoch(tmp_path) == 0
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "training_metadata.json").write_text('{"epoch": 3, "batch": 0}')
    assert checkpoint_epoch(tmp_path) == 3
    (tmp_path / "backup" / "training_metadata.json").write_text("{damaged")
    assert checkpoint_epoch(tmp_path) == 0
    plan = BudgetPlan(budget_s=300.0, input_size=40, epochs=12, train_images=60,
                      early_stopping_patience=3, expected_s=200.0,
                      rates=Rates(train=100.0, predict=300.0, source="probe"))
    body = {"plan": plan.to_record(), "probe_s": 5.0, "spent_s": 100.0, "epochs_done": 3}
    for durations, kept in ((None, ()), ("fast", ()), ([1.5, "x"], ()), ([2.0, 3.0], (2.0, 3.0))):
        (tmp_path / PLAN_FILE).write_text(json.dumps({**body, "epoch_s": durations}))
        assert _kept_plan(tmp_path) == (plan, 5.0, 100.0, kept)


def test_a_plan_kept_in_another_runs_folder_resumes_nothing_there(tmp_path):
    """Offline last time (the random-init id's folder), ImageNet weights loaded now: the run
    trains afresh in its own folder, so the first attempt's time does not count against it."""
    from core.training.budget import BudgetPlan, Rates
    from core.training.budget_run import PlannedRun

    plan = BudgetPlan(budget_s=300.0, input_size=40, epochs=12, train_images=60,
                      early_stopping_patience=3, expected_s=200.0,
                      rates=Rates(train=100.0, predict=300.0, source="probe"))
    assert BudgetPlan.from_record(plan.to_record()) == plan
    resumed = PlannedRun(None, plan, started=1000.0 - 120.0, probe_s=5.0,
                         resumed_after_s=120.0, kept_in=tmp_path / "random_id")
    assert resumed.deadline == 1000.0 - 120.0 + 300.0
    assert resumed.trained_in(tmp_path / "random_id") is resumed
    fresh = resumed.trained_in(tmp_path / "imagenet_id")
    assert (fresh.deadline, fresh.resumed_after_s, fresh.plan) == (1300.0, 0.0, plan)


def test_a_budget_too_small_for_one_epoch_is_refused_and_nothing_is_stored(squares_registry,
                                                                          tmp_path):
    store = ResultsStore(tmp_path)
    with pytest.raises(BudgetError, match="cannot train even one epoch"):
        train_run(RunSpec("squares", "idc_own", profile="budget", budget_s=0.5), store,
                  registry_path=squares_registry)
    assert store.list_runs().empty


def test_the_guard_ends_training_after_the_epoch_whose_successor_would_overrun():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((8, 4), "float32"), np.zeros((8, 1), "float32")
    late = BudgetGuard(deadline=time.perf_counter() + 0.0)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[late])
    assert late.stopped_after == 1 and len(late.durations) == 1
    ample = BudgetGuard(deadline=time.perf_counter() + 3600)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[ample])
    assert ample.stopped_after is None and len(ample.durations) == 3
