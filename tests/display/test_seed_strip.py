"""The per-configuration figures: single runs as dots beside the mean and interval
(``seed_strip_figure``) and the confusion table of mean counts with their SD."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.evaluation.display import SeedStripSpec, confusion_table, seed_strip_figure
from core.evaluation.display._style import ROLE_CURVE, ROLE_FOLD, role_of, run_of


def test_mean_with_interval_and_the_single_runs_beside_it():
    fig = seed_strip_figure([
        SeedStripSpec("cnn · none", 0.85, 0.80, 0.92, [("seed 0", 0.84), ("seed 1", 0.86)]),
        SeedStripSpec("<b>one</b>", 0.7, math.nan, math.nan, [("seed 0", 0.7)]),
    ], metric="AUC")
    mean, runs, lone_mean, lone_runs = fig.data
    assert [role_of(t) for t in fig.data] == [ROLE_CURVE, ROLE_FOLD] * 2
    assert [run_of(t) for t in fig.data] == ["cnn · none"] * 2 + ["<b>one</b>"] * 2
    assert list(mean.x) == [0.85] and list(mean.error_x.array) == pytest.approx([0.07])
    assert list(mean.error_x.arrayminus) == pytest.approx([0.05])
    assert list(runs.x) == [0.84, 0.86] and list(runs.text) == ["seed 0", "seed 1"]
    assert runs.y[0] < mean.y[0] < runs.y[0] + 0.5  # just below its own row
    assert mean.y[0] > lone_mean.y[0]  # first configuration on top
    assert lone_mean.error_x.array is None and "n/a (one seed)" in lone_mean.hovertemplate
    ticks = list(fig.layout.yaxis.ticktext)
    assert ticks[0] == "cnn · none" and "<b>" not in ticks[1]  # shown literally
    with pytest.raises(ValueError):
        seed_strip_figure([], metric="AUC")


def test_confusion_table_of_mean_counts_shows_their_sd():
    mean = np.array([[87.0, 3.0], [3.0, 7.0]])
    classes = {"a": ("benign", "malignant"), "b": ("benign", "malignant")}
    table = confusion_table({"a": mean, "b": mean}, classes,
                            sds={"a": np.full((2, 2), np.sqrt(2.0)), "b": np.full((2, 2), np.nan)},
                            seeds={"a": 3, "b": 1}, name="configuration").set_index("configuration")
    assert table.loc["a", "TP (found)"] == "7.0 ± 1.4 (70.0%)"
    assert table.loc["b", "TN (cleared)"] == "87.0 (96.7%)"  # one seed: no SD to show
    assert table.loc["a", "seeds"] == 3
    plain = confusion_table({"a": mean}, classes).set_index("run")
    assert plain.loc["a", "TP (found)"] == "7 (70.0%)"  # counts of one run stay whole
    assert "seeds" not in plain.columns
