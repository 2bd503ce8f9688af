"""Weighting effects on a budget configuration that strategies trained now could not join: the
page says why (the check Compare's *Train seeds* makes, core.training.more_seeds.not_alike_now)
beside its advice to train the missing strategies."""

from __future__ import annotations

import pytest

from core.store import ResultsStore
from core.training.budget import PLANNER_VERSION
from dashboard.text import as_read
from tests.dashboard.conftest import no_exception, open_page
from tests.support.seeded import add_seeds, copy_runs


@pytest.fixture(scope="module")
def budget_store(trained_store, tmp_path_factory):
    """idc_own (none) on the demo, stored as a 90-second budget run of this planner that
    trained with the ultrasound preset (``light``): the demo declares no kind of images, so a
    budget run of idc_own trains with its study's ``histology`` now."""
    store = ResultsStore(tmp_path_factory.mktemp("weighting_budget"))
    table = trained_store.list_runs()
    rid = next(r.run_id for r in table.itertuples()
               if (r.model, r.strategy) == ("idc_own", "none"))
    copy_runs(trained_store, store, [rid])
    run = store.get(rid)
    add_seeds(store, rid, [0], noise=0.0, profile="budget",
              recipe={**run.identity["recipe"], "augmentation": "light"},
              budget={"seconds": 90.0, "planner": PLANNER_VERSION})
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    yield store
    mp.undo()


def test_strategies_that_would_train_another_augmentation_are_said_to_be_another_configuration(
        budget_store):
    at = open_page("pages/weighting.py", {"dataset": "demo", "model": "idc_own"})
    no_exception(at)
    assert at.selectbox(key="weighting.profile").value == "budget"
    infos = [as_read(i.value) for i in at.info]
    assert any("class_weight" in i and "Train page" in i for i in infos)  # the usual advice
    (note,) = [i for i in infos if "augmentation" in i]
    assert "trained with 'light' augmentation" in note and "now trains with 'histology'" in note
    assert "strategies trained now would be another configuration" in note


def test_a_quick_configuration_gets_only_the_usual_advice(budget_store):
    at = open_page("pages/weighting.py", {"dataset": "demo", "model": "idc_own"})
    at.selectbox(key="weighting.profile").set_value("quick").run()
    no_exception(at)
    infos = [as_read(i.value) for i in at.info]
    assert len(infos) == 1 and "class_weight" in infos[0]
