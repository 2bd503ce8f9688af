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
from core.training.events import BudgetPlanned, MeasuringSpeed, RunCached
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
    assert 10 <= plan["epochs"] <= 12 and run.record["recipe"]["epochs"] == plan["epochs"]
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


def test_the_same_request_is_a_stored_run_not_a_new_plan(budget_store, squares_registry):
    store, run, _ = budget_store
    events: list = []
    same = train_run(RunSpec("squares", "idc_own", profile="budget", **BUDGET), store,
                     progress=events.append, registry_path=squares_registry)
    assert same.run_id == run.run_id
    assert [type(e) for e in events] == [RunCached]


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
