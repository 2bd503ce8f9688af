"""Which runs are the seeds of one configuration (``core.training.runsets.seed_groups``), on a
hand-made run index, and how they feed the folds x seeds summary. (Here rather than in
tests/training because it is the input of the seed statistics tested beside it.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluation.seeds import fold_seed_summary
from core.training.runsets import SeedGroup, fold_seed_grid, missing_seeds, seed_groups

COLUMNS = ["run_id", "dataset", "model", "strategy", "profile", "seed", "fold", "created_at"]
RUNS = pd.DataFrame([
    ("a0", "demo", "cnn", "none", "quick", 0, None, "2024-01-01"),
    ("a2", "demo", "cnn", "none", "quick", 2, None, "2024-01-02"),
    ("a1-old", "demo", "cnn", "none", "quick", 1, None, "2024-01-03"),
    ("a1", "demo", "cnn", "none", "quick", 1, None, "2024-01-04"),  # seed 1 trained again
    ("b0", "demo", "cnn", "class_weight", "quick", 0, None, "2024-01-05"),  # one seed
    ("p0", "demo", "cnn", "none", "paper", 0, None, "2024-01-06"),  # another profile
    # 2 folds x 2 seeds of the same factors: another configuration, one cell missing
    ("cv00", "demo", "cnn", "none", "quick", 0, 0, "2024-02-01"),
    ("cv01", "demo", "cnn", "none", "quick", 0, 1, "2024-02-02"),
    ("cv10", "demo", "cnn", "none", "quick", 1, 0, "2024-02-03"),
], columns=COLUMNS)


def test_runs_differing_only_in_seed_form_one_configuration_newest_cell_kept():
    groups = seed_groups(RUNS, RUNS["run_id"])
    assert [g.name for g in groups] == [
        "cnn on demo · none · quick", "cnn on demo · class_weight · quick",
        "cnn on demo · none · paper", "cnn on demo · none · quick · 2 folds"]
    plain = groups[0]
    assert plain == SeedGroup("cnn on demo · none · quick",
                              ((0, None, "a0"), (1, None, "a1"), (2, None, "a2")))
    assert plain.seeds == (0, 1, 2) and plain.folds == () and groups[1].seeds == (0,)
    assert seed_groups(RUNS, ["a2", "gone", "b0"])[0].run_ids == ("a2",)


def test_folds_x_seeds_grid_feeds_the_fold_seed_summary():
    cv = seed_groups(RUNS, RUNS["run_id"])[-1]
    assert cv.folds == (0, 1) and cv.seeds == (0, 1)
    grid = fold_seed_grid(cv)
    assert grid == [["cv00", "cv01"], ["cv10", None]]
    auc = {"cv00": 0.8, "cv01": 0.9, "cv10": 0.82}
    values = np.array([[np.nan if r is None else auc[r] for r in row] for row in grid])
    s = fold_seed_summary(values)
    assert s.n_seeds == 1 and s.n_dropped == 1 and s.mean == pytest.approx(0.85)
    assert fold_seed_grid(seed_groups(RUNS, ["a0", "a1"])[0]) == [["a0"], ["a1"]]


def test_overrides_when_present_separate_configurations():
    runs = RUNS.iloc[:3].assign(overrides=[{"epochs": 3}, {"epochs": 3}, {"epochs": 20}])
    names = [g.run_ids for g in seed_groups(runs, runs["run_id"])]
    assert names == [("a0", "a2"), ("a1-old",)]


def test_missing_seeds_are_the_smallest_unused():
    assert missing_seeds([0], 3) == [1, 2]
    assert missing_seeds([0, 7], 3) == [1]
    assert missing_seeds([0, 1, 2], 3) == [] and missing_seeds([], 2) == [0, 1]
