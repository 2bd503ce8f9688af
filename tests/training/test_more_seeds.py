"""The runs queued to give a one-seed configuration more seeds (``more_seed_specs``)."""

from __future__ import annotations

import pytest

from core.store.record_parts import SpecFacts
from core.training import GridError, RunSpec
from core.training.more_seeds import more_seed_specs


def test_the_missing_seeds_of_the_same_configuration():
    spec = SpecFacts.from_section({"dataset": "demo", "model": "idc_own", "strategy": "none",
                                   "profile": "quick", "seed": 0, "overrides": {"epochs": 2},
                                   "split_seed": 4})
    assert more_seed_specs(spec, [0]) == [
        RunSpec("demo", "idc_own", "none", "quick", seed=s, overrides={"epochs": 2},
                split_seed=4) for s in (1, 2)]
    assert more_seed_specs(spec, [0, 1, 2]) == []


def test_every_fold_of_a_cross_validation_and_the_budget_kept():
    spec = SpecFacts.from_section({"dataset": "demo", "model": "idc_own", "strategy": "none",
                                   "profile": "budget", "seed": 1, "fold": 0, "n_folds": 3,
                                   "budget_s": 90.0})
    specs = more_seed_specs(spec, [1])
    assert [(s.seed, s.fold) for s in specs] == [(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2)]
    assert {(s.n_folds, s.budget_s, s.profile) for s in specs} == {(3, 90.0, "budget")}


def test_budget_runs_of_an_older_planner_get_no_seeds_that_could_not_join_them():
    from core.training.budget import PLANNER_VERSION
    from core.training.more_seeds import OlderPlanner

    spec = SpecFacts.from_section({"dataset": "demo", "model": "idc_own", "strategy": "none",
                                   "profile": "budget", "seed": 0, "budget_s": 90.0})
    with pytest.raises(OlderPlanner, match=f"planned by planner {PLANNER_VERSION - 1}") as err:
        more_seed_specs(spec, [0], planner=PLANNER_VERSION - 1)
    assert "train this configuration again" in err.value.fix
    assert [s.seed for s in more_seed_specs(spec, [0], planner=PLANNER_VERSION)] == [1, 2]


def test_budget_runs_augmented_otherwise_than_now_get_no_seeds_that_could_not_join_them():
    """The stored runs trained with ``light`` (their dataset declared as ultrasound then); the
    demo declares no kind of images now, so a budget run of idc_own augments as its study did."""
    from core.training.more_seeds import OtherAugmentation

    spec = SpecFacts.from_section({"dataset": "demo", "model": "idc_own", "strategy": "none",
                                   "profile": "budget", "seed": 0, "budget_s": 90.0})
    with pytest.raises(OtherAugmentation, match="trained with 'light' augmentation") as err:
        more_seed_specs(spec, [0], augmentation="light")
    assert "now trains with 'histology'" in str(err.value)
    assert [s.seed for s in more_seed_specs(spec, [0], augmentation="histology")] == [1, 2]


def test_checked_as_a_grid_and_an_imported_run_has_none():
    bad = SpecFacts.from_section({"dataset": "demo", "model": "idc_own", "strategy": "none",
                                  "profile": "quick", "overrides": {"no_such_field": 1}})
    with pytest.raises(GridError, match="no_such_field"):
        more_seed_specs(bad, [0])
    assert more_seed_specs(SpecFacts(), [0]) is None


def test_a_configuration_row_is_read_with_its_missing_factors_missing():
    """Rows of runsets.configurations carry missing factors as text ("<NA>", "nan", ""): a
    quick configuration is never another one; a budget row augmented otherwise is; a row of a
    dataset no longer declared is left to the Train page's own message."""
    from core.training.budget import PLANNER_VERSION
    from core.training.more_seeds import OtherAugmentation, configuration_not_alike_now

    quick = {"dataset": "demo", "model": "idc_own", "profile": "quick", "planner": "<NA>",
             "augmentation": "nan", "overrides": "{}", "budget_s": ""}
    assert configuration_not_alike_now(quick) is None
    budget = {**quick, "profile": "budget", "planner": str(PLANNER_VERSION),
              "augmentation": "light", "budget_s": "90.0"}
    reason = configuration_not_alike_now(budget)
    assert isinstance(reason, OtherAugmentation)
    assert "strategies trained now would be another configuration" in str(reason)
    assert configuration_not_alike_now({**budget, "augmentation": "histology"}) is None
    assert configuration_not_alike_now({**budget, "planner": "<NA>", "augmentation": "<NA>"}) \
        is None
    assert configuration_not_alike_now({**budget, "dataset": "no_such_dataset"}) is None
