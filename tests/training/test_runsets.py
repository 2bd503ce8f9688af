"""Which stored runs belong together, on a hand-made run index (the columns of
``ResultsStore.list_runs``): the folds of one cross-validation, the strategies of one
configuration, the runs standing for the IDC study's columns.
"""

from __future__ import annotations

import pandas as pd

from core.training.runsets import (FoldGroup, configurations, fold_groups, missing_strategies,
                                   strategy_runs, study_runs)

COLUMNS = ["run_id", "dataset", "model", "strategy", "profile", "seed", "fold", "created_at"]
RUNS = pd.DataFrame([
    # a 3-fold cross-validation of idc_own on demo, listed out of fold order
    ("cv2", "demo", "idc_own", "none", "quick", 0, 2, "2024-01-03"),
    ("cv0", "demo", "idc_own", "none", "quick", 0, 0, "2024-01-01"),
    ("cv1", "demo", "idc_own", "none", "quick", 0, 1, "2024-01-02"),
    # the same folds with another seed: another cross-validation, named with its seed
    ("s0", "demo", "idc_own", "none", "quick", 3, 0, "2024-01-04"),
    ("s1", "demo", "idc_own", "none", "quick", 3, 1, "2024-01-05"),
    # one fold alone is not a cross-validation
    ("lone", "busi", "idc_own", "none", "quick", 0, 0, "2024-01-06"),
    # plain runs (no fold): strategies of one configuration, one trained twice
    ("none-old", "demo", "idc_own", "none", "quick", 0, None, "2024-02-01"),
    ("none-new", "demo", "idc_own", "none", "quick", 0, None, "2024-02-03"),
    ("under", "demo", "idc_own", "undersample", "quick", 0, None, "2024-02-02"),
    ("custom", "demo", "idc_own", "class_weight:1,3", "quick", 0, None, "2024-02-04"),
    ("cw", "demo", "idc_own", "class_weight", "quick", 0, None, "2024-02-05"),
    ("initial", "demo", "idc_initial", "none", "quick", 0, None, "2024-02-06"),
    ("paper", "demo", "idc_own", "none", "paper", 0, None, "2024-02-07"),
], columns=COLUMNS)


def test_folds_of_one_configuration_group_in_fold_order_and_single_folds_do_not():
    groups = fold_groups(RUNS, ["s1", "cv2", "lone", "none-new", "cv0", "s0", "cv1", "gone"])
    assert groups == [FoldGroup("idc_own on demo · none · quick · seed 3", ("s0", "s1")),
                      FoldGroup("idc_own on demo · none · quick", ("cv0", "cv1", "cv2"))]
    assert fold_groups(RUNS, ["cv0", "s0", "lone"]) == []  # one fold of each


def test_configurations_count_the_strategies_of_plain_runs():
    configs = configurations(RUNS).set_index(["dataset", "model", "profile", "seed"])
    assert configs["strategies"].to_dict() == {("demo", "idc_own", "quick", 0): 4,
                                               ("demo", "idc_initial", "quick", 0): 1,
                                               ("demo", "idc_own", "paper", 0): 1}
    assert configurations(RUNS[RUNS["fold"].notna()]).empty


def test_strategy_runs_take_the_newest_none_first_then_the_known_order_then_the_rest():
    config = {"dataset": "demo", "model": "idc_own", "profile": "quick", "seed": "0"}
    found = strategy_runs(RUNS, config)
    assert list(found.items()) == [("none", "none-new"), ("class_weight", "cw"),
                                   ("undersample", "under"), ("class_weight:1,3", "custom")]
    assert missing_strategies(found) == ["oversample"]


def test_study_columns_find_the_newest_matching_plain_run():
    assert study_runs(RUNS, "demo", "quick", 0) == {"Original Model": "initial",
                                                   "Our Model": "none-new",
                                                   "Weight Balance": "cw"}
    assert study_runs(RUNS, "demo") == {"Original Model": "initial", "Our Model": "paper",
                                        "Weight Balance": "cw"}
    assert study_runs(RUNS, "busi") == {}


def test_weighting_configurations_keep_recipe_variants_apart():
    """Runs that differ in recipe overrides are two variants: their strategies are never
    compared with each other (the index's configuration columns, core.store.config_columns)."""
    plain = {"overrides": "{}", "split_seed": 0, "budget_s": None, "source": "trained",
             "weights": "random", "n_folds": None}
    tuned = {**plain, "overrides": '{"epochs": 3}'}
    rows = [("a", "none", plain, "2024-01-01"), ("b", "class_weight", plain, "2024-01-02"),
            ("c", "none", tuned, "2024-01-03"), ("d", "undersample", tuned, "2024-01-04")]
    frame = pd.DataFrame([{"run_id": rid, "dataset": "demo", "model": "idc_own",
                           "strategy": strategy, "profile": "quick", "seed": 0, "fold": None,
                           "created_at": created, **extra}
                          for rid, strategy, extra, created in rows])
    configs = configurations(frame)
    assert sorted(configs["variant"]) == ["", "epochs=3"]
    assert list(configs["strategies"]) == [2, 2]
    by_variant = {row["variant"]: row for row in configs.to_dict("records")}
    assert strategy_runs(frame, by_variant[""]) == {"none": "a", "class_weight": "b"}
    assert strategy_runs(frame, by_variant["epochs=3"]) == {"none": "c", "undersample": "d"}
