"""Train page: "Seeds per configuration" gives seeds 0..N-1 of every configuration, and a count
out of range is the grid check's message (the CLI's --n-seeds words), with nothing to start."""

from __future__ import annotations

from core.training.validate import MAX_N_SEEDS
from tests.pages_manage.conftest import open_page, texts


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_seed_count_is_seeds_zero_to_n_minus_one_and_is_checked(app_env):
    at = open_page("pages/train.py")
    assert _metrics(at)["Runs in the grid"] == "1"  # the list's default: seed 0
    at.radio(key="train_seeds_kind").set_value("count").run()
    at.multiselect(key="train_strategies").set_value(["none", "class_weight"])
    at.number_input(key="train_n_seeds").set_value(3).run()
    assert not at.exception, at.exception
    assert _metrics(at) == {"Runs in the grid": "6", "Stored already": "0", "To train": "6",
                            "Cannot run": "0"}
    grid = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert sorted(r.split("seed ")[1] for r in grid["run"]) == ["0]", "0]", "1]", "1]",
                                                                  "2]", "2]"]

    at.number_input(key="train_n_seeds").set_value(MAX_N_SEEDS + 1).run()
    assert not at.exception, at.exception
    (error,) = texts(at, "error")
    assert "the seed count must be a whole number from 1 to" in error
    assert "Seeds per configuration, --n-seeds" in error
    launch = [b for b in at.button if b.label.startswith("Train ")]
    assert launch and launch[0].disabled
