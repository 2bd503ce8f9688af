"""Group (patient) aggregation on a toy case worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluation.errors import EvaluationError
from core.evaluation.evaluate import RunEvaluation
from core.evaluation.frames import check_predictions
from core.evaluation.groups import GroupLeakError, aggregate_groups
from tests.evaluation.synth import make_predictions


def _toy() -> pd.DataFrame:
    rows = [  # group, split, target, prob_1, site
        ("P1", "test", 0, 0.1, "A"), ("P1", "test", 0, 0.3, "A"), ("P1", "test", 1, 0.9, "A"),
        ("P2", "test", 0, 0.2, "B"), ("P2", "test", 0, 0.4, "B"),
        ("P3", "test", 1, 0.6, "A"), ("P3", "test", 1, 0.8, "B"), ("P3", "test", 1, 0.7, "B"),
        ("P3", "test", 1, 0.2, "A"),
        ("P4", "val", 0, 0.5, "C"),
    ]
    df = pd.DataFrame(rows, columns=["group", "split", "target", "prob_1", "meta_site"])
    df["sample_id"] = [f"s{i}" for i in range(len(df))]
    df["label"] = np.where(df["target"] == 1, "malignant", "benign")
    df["prob_0"] = 1 - df["prob_1"]
    df["meta_centre"] = df["group"].map({"P1": "x", "P2": "y", "P3": "x", "P4": "z"})
    return df


@pytest.mark.parametrize(
    "how, k, expected",
    [
        ("mean", 3, {"P1": 1.3 / 3, "P2": 0.3, "P3": 2.3 / 4, "P4": 0.5}),
        ("max", 3, {"P1": 0.9, "P2": 0.4, "P3": 0.8, "P4": 0.5}),
        ("topk_mean", 2, {"P1": 0.6, "P2": 0.3, "P3": 0.75, "P4": 0.5}),
        ("topk_mean", 10, {"P1": 1.3 / 3, "P2": 0.3, "P3": 2.3 / 4, "P4": 0.5}),
    ],
)
def test_known_toy_case(how, k, expected):
    out = aggregate_groups(_toy(), 1, how, k=k).set_index("group")
    for g, score in expected.items():
        assert out.loc[g, "prob_1"] == pytest.approx(score), g
    assert out["prob_0"].add(out["prob_1"]).eq(1.0).all()
    # Positive if ANY sample is positive: P1 has one malignant image.
    assert out["target"].to_dict() == {"P1": 1, "P2": 0, "P3": 1, "P4": 0}
    assert out["label"].to_dict()["P1"] == "malignant"
    assert out["n_samples"].to_dict() == {"P1": 3, "P2": 2, "P3": 4, "P4": 1}


def test_schema_is_preserved_and_varying_metadata_dropped():
    out = aggregate_groups(_toy(), 1, "mean")
    check_predictions(out)  # same schema: every other function works on it
    assert (out["sample_id"] == out["group"]).all()
    assert "meta_centre" in out and "meta_site" not in out  # site varies within P1/P3


def test_positive_index_zero_is_respected():
    df = _toy()
    out = aggregate_groups(df, positive_index=0, how="max").set_index("group")
    assert out.loc["P2", "prob_0"] == pytest.approx(0.8)  # max of 1 - 0.2, 1 - 0.4
    assert out.loc["P3", "target"] == 1  # no class-0 sample in P3 -> not "positive"
    assert out.loc["P2", "target"] == 0


def test_group_in_two_splits_is_a_leak():
    df = _toy()
    df.loc[df.index[-1], "group"] = "P2"  # P2 now also in val
    with pytest.raises(GroupLeakError, match="1 group.s. appear in both.*'P2'"):
        aggregate_groups(df)


def test_bad_parameters_and_multiclass_are_refused():
    with pytest.raises(ValueError, match="aggregate"):
        aggregate_groups(_toy(), 1, "median")
    with pytest.raises(ValueError, match="k must"):
        aggregate_groups(_toy(), 1, "topk_mean", k=0)
    three = _toy().assign(prob_2=0.0)
    with pytest.raises(EvaluationError, match="binary runs"):
        aggregate_groups(three)


def test_group_level_run_evaluation_counts_patients():
    pred = make_predictions(n_test=600, n_val=300, samples_per_group=6, seed=2)
    ev = RunEvaluation.from_predictions(pred, level="group", aggregate="max", n_boot=50)
    assert ev.test.n == 100 and ev.val.n == 50
    assert ev.at(0.5).metrics.n == 100
    sample = RunEvaluation.from_predictions(pred, n_boot=50)
    assert sample.test.n == 600
    assert ev.choose_threshold("youden").validation.n == 50
