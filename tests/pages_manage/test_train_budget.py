"""Train page, budget profile: a minutes field that only that profile shows, a grid table that
says the run's size and epochs are chosen when it starts, a time that is the budget, a launch
whose label names the budget, and the grid check's own words for a missing or zero budget."""

from __future__ import annotations

from core.jobs import CANCELLED
from core.training.validate import MAX_EPOCHS
from tests.pages_manage.conftest import button, open_page, texts

NEEDS_BUDGET = ("the budget profile needs a time budget (Budget (minutes per run), --budget), "
                "e.g. 10 (minutes), 10m or 1h")


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _grid_table(at):
    return next(d.value for d in at.dataframe if "input px" in d.value.columns)


def test_a_two_minute_budget_grid_validates_says_its_time_and_starts(app_env, runner):
    at = open_page("pages/train.py")
    assert not [n for n in at.number_input if n.key == "train_budget"]  # quick: no budget field
    at.radio(key="train_profile").set_value("budget").run()
    at.number_input(key="train_budget").set_value(2).run()
    assert not at.exception, at.exception
    assert _metrics(at) == {"Runs in the grid": "1", "Stored already": "0", "To train": "1",
                            "Cannot run": "0"}
    row = _grid_table(at).iloc[0]
    assert row["run"] == "idc_initial on demo [none, budget 2 min, seed 0]"
    assert [row["train images"], row["epochs"], row["input px"]] == ["chosen at run time"] * 3
    (note,) = [t for t in texts(at, "info") if "budget run" in t]
    assert note.startswith("1 budget run(s) to train: each ends within its budget (2 min), so "
                           "they take at most 2 min in all.")
    assert not texts(at, "warning") and not texts(at, "error")  # no paper-on-CPU estimate

    button(at, "Train 1 run in the background").click().run()
    assert not at.exception, at.exception
    (snap,) = runner.jobs()
    runner.cancel(snap.id)
    assert runner.get(snap.id).wait(300)
    assert "budget 2 min per run" in snap.label
    (run,) = runner.get(snap.id).snapshot().runs
    assert run.spec.budget_s == 120.0 and run.status == CANCELLED


def test_the_sizes_a_user_fixed_are_shown_the_rest_chosen_at_run_time(app_env):
    at = open_page("pages/train.py")
    at.radio(key="train_profile").set_value("budget").run()
    at.number_input(key="train_budget").set_value(2).run()
    at.text_area(key="train_overrides").input("input_size = 64\nepochs = 3").run()
    assert not at.exception, at.exception
    row = _grid_table(at).iloc[0]
    assert [row["train images"], row["epochs"], row["input px"]] == \
        ["chosen at run time", 3, 64]
    # the Epochs field takes what --epochs takes
    assert at.number_input(key="train_epochs").max == MAX_EPOCHS == 10_000


def test_a_missing_or_zero_budget_shows_the_grid_checks_message(app_env):
    at = open_page("pages/train.py")
    at.radio(key="train_profile").set_value("budget").run()
    assert not at.exception, at.exception
    assert _metrics(at)["Cannot run"] == "1"
    (error,) = texts(at, "error")
    assert NEEDS_BUDGET in error
    assert button(at, "Train 0 runs in the background").disabled

    at.number_input(key="train_budget").set_value(0).run()
    (error,) = texts(at, "error")
    assert "A budget must be a positive time, got '0.0'. (Budget (minutes per run), " \
           "--budget)" in error

    at.radio(key="train_profile").set_value("quick").run()  # the field goes with its profile
    assert not [n for n in at.number_input if n.key == "train_budget"]
    assert _metrics(at)["Cannot run"] == "0"
