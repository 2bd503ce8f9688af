"""Run details of a real budget run: what the planner chose, from which speed, why, and how
long the run took, as the Compare page's details table (and its HTML report) show them."""

from __future__ import annotations

import pytest

from core.store import ResultsStore, RunRecord
from core.store.record import BudgetFacts
from core.training import RunSpec, train_run
from dashboard.details import ROWS, details_table, run_facts
from dashboard.evaluations import Selection

BUDGET_ROWS = [r for r in ROWS if r.startswith("budget")]


@pytest.fixture(scope="module")
def budget_run(squares_registry, tmp_path_factory):
    store = ResultsStore(tmp_path_factory.mktemp("budget_details"))
    spec = RunSpec("squares", "idc_own", profile="budget", budget_s=240.0,
                   overrides={"epochs": 3, "batch_size": 8})
    return train_run(spec, store, registry_path=squares_registry)


def test_the_typed_view_reads_the_budget_section(budget_run):
    view = RunRecord.from_dict(budget_run.record)
    plan = budget_run.record["budget"]
    assert view.budget.budget_s == 240.0 == view.spec.budget_s
    assert (view.budget.input_size, view.budget.epochs) == (plan["input_size"], plan["epochs"])
    assert view.budget.rates.source == "probe" and view.budget.rates.train > 0
    assert view.budget.reasons == tuple(plan["reasons"]) and view.budget.reasons
    assert view.budget.within_budget is True
    assert RunRecord.from_dict({"spec": {"profile": "quick"}}).budget is None


def test_details_say_what_the_budget_chose_and_why(budget_run):
    view = RunRecord.from_dict(budget_run.record)
    plan, facts = view.budget, run_facts(view)
    assert facts["budget"] == f"4 min per run (planner version {plan.planner})"
    assert facts["budget: measured speed"] == (
        f"{plan.rates.train:.1f} images/s training, {plan.rates.predict:.1f} images/s "
        "predicting (from probe)")
    assert facts["budget: chosen"].startswith(
        f"{plan.input_size} px, {plan.train_images:,} training images, {plan.epochs} epochs "
        f"planned ({view.training.epochs_run} run), early stopping on validation AUC "
        + (f"from epoch {plan.early_stopping_start + 1} " if plan.early_stopping_start else "")
        + f"after {plan.early_stopping_patience} epochs")
    assert plan.early_stopping_start == budget_run.record["recipe"]["early_stopping_start"]
    assert plan.monitor == "val_auc"
    assert facts["budget: why"] == "; ".join(budget_run.record["budget"]["reasons"])
    recipe = budget_run.record["recipe"]  # the optimizer is the recipe's, and said to be
    assert (f"optimizer {recipe['optimizer']} at learning rate {recipe['learning_rate']:g}"
            in facts["budget: why"]) and "never changes its optimizer" in facts["budget: why"]
    assert facts["budget: time"].endswith(f"took {plan.actual_s:.0f} s: within its budget")
    assert facts["budget: guard"] == "did not stop training"
    assert facts["input size"] == f"{plan.input_size} px"


def test_the_table_keeps_its_row_order_with_runs_with_and_without_a_budget(budget_run):
    plain = {k: v for k, v in budget_run.record.items() if k != "budget"}
    plain["run_id"] = "plain"
    records = {"plain": plain, "budget": budget_run.record}
    sel = Selection(ids=list(records), names={k: k for k in records},
                    colours=dict.fromkeys(records, "#000"), records=records)
    table = details_table(sel)
    assert list(table.index) == [r for r in ROWS if not r.startswith(("import", "file sha",
                                                                      "rows imported"))]
    assert table.loc[BUDGET_ROWS, "plain"].isna().all()  # shown as '–'
    assert table.loc[BUDGET_ROWS, "budget"].notna().all()


def test_a_run_with_averaged_weights_says_so_in_its_recipe():
    plain = {"optimizer": "adam", "learning_rate": 0.001, "schedule": "constant",
             "batch_size": 32, "epochs": 40, "augmentation": "light", "max_train_images": None}
    averaged = RunRecord.from_dict({"recipe": {**plain, "ema_momentum": 0.99}})
    assert run_facts(averaged)["recipe"].endswith(
        "max train images None, weights averaged (momentum 0.9900)")
    assert "averaged" not in run_facts(RunRecord.from_dict({"recipe": plain}))["recipe"]


def test_a_run_the_guard_stopped_says_so():
    plan = BudgetFacts.from_section({"budget_s": 90.0, "within_budget": False, "actual_s": 101.4,
                                     "expected_s": 80.0, "probe_s": 5.0,
                                     "stopped_by_budget_after_epoch": 3})
    facts = run_facts(RunRecord(budget=plan))
    assert facts["budget: guard"] == "stopped training after epoch 3 to end in time"
    assert facts["budget: time"] == ("expected 85 s (measuring speed and planning 5.0 s), "
                                     "took 101 s: OVER its budget")
    assert facts["budget"].startswith("1.5 min per run")


def test_a_resumed_run_says_its_time_spans_its_attempts():
    plan = BudgetFacts.from_section({"budget_s": 90.0, "within_budget": True, "actual_s": 80.2,
                                     "expected_s": 80.0, "probe_s": 5.0,
                                     "resumed_after_s": 31.0})
    assert run_facts(RunRecord(budget=plan))["budget: time"] == (
        "expected 85 s (measuring speed and planning 5.0 s), took 80 s over two or more "
        "attempts (resumed after 31 s with the same plan): within its budget")


def test_the_compare_page_shows_the_plan_in_run_details(budget_run, monkeypatch):
    from tests.dashboard.conftest import no_exception, open_page

    monkeypatch.setenv("LESIONLAB_STORE", str(budget_run.path.parents[1]))  # STORE/runs/ID
    at = open_page("pages/compare.py", {"runs": budget_run.run_id})
    no_exception(at)
    (table,) = [d.value for d in at.dataframe if "budget: chosen" in d.value.index]
    assert table.loc["budget: guard"].tolist() == ["did not stop training"]
    assert table.loc["budget"].iloc[0].startswith("4 min per run")
