"""RunEvaluation end to end: consistency with the parts, degenerate input, run comparison."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from core.evaluation import (
    EmptyInputError,
    EvaluationError,
    RunEvaluation,
    SingleClassError,
    compare_runs,
    delong_test,
    metrics_at_threshold,
    pvalue_matrix,
)
from tests.evaluation.synth import make_predictions


@pytest.fixture(scope="module")
def pred():
    return make_predictions(n_test=800, n_val=300, seed=1)


@pytest.fixture(scope="module")
def ev(pred):
    return RunEvaluation.from_predictions(pred, n_boot=500)


def test_package_import_stays_light():
    """In a fresh interpreter: other tests of the session may have imported TensorFlow."""
    code = ("import sys, core.evaluation; "
            "print(sorted(m for m in ('tensorflow', 'streamlit', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_threshold_free_results_match_references(ev, pred):
    test = pred[pred["split"] == "test"]
    auc = roc_auc_score(test["target"], test["prob_1"])
    assert ev.auc.auc == pytest.approx(auc) and ev.roc.auc == pytest.approx(auc)
    assert ev.auc.ci_low < auc < ev.auc.ci_high
    assert ev.pr.prevalence == pytest.approx(test["target"].mean())
    assert ev.calibration.bin_counts.sum() == len(test)


@pytest.mark.parametrize("t", [0.0, 0.2, 0.5, 0.83, 1.0, 2.0])
def test_operating_point_is_consistent(ev, pred, t):
    test = pred[pred["split"] == "test"]
    op = ev.at(t)
    ref = metrics_at_threshold(test["target"], test["prob_1"], t)
    assert op.metrics.as_dict() == pytest.approx(ref.as_dict(), nan_ok=True)
    fpr, tpr = op.roc_point
    assert tpr == ref.sensitivity and fpr == pytest.approx(1 - ref.specificity)
    assert op.pr_point[0] == ref.sensitivity
    np.testing.assert_equal(op.pr_point[1], ref.precision)
    table = op.table()
    assert table["metric"].tolist()[:2] == ["accuracy", "balanced_accuracy"]
    finite = table.dropna(subset=["ci_low"])
    assert (finite["ci_low"] <= finite["estimate"] + 1e-12).all()


def test_operating_point_lies_on_the_roc_curve(ev):
    """The marker at any ROC threshold is a vertex of the (full) curve."""
    fpr, tpr = ev.at(float(ev.roc.thresholds[5])).roc_point
    assert np.any(np.isclose(ev.roc.fpr, fpr) & np.isclose(ev.roc.tpr, tpr))


def test_same_threshold_same_intervals(ev):
    assert ev.at(0.4).ci.intervals == ev.at(0.4).ci.intervals


def test_nan_scores_are_refused_naming_the_split(pred):
    bad = pred.copy()
    bad.loc[bad.index[-3:], "prob_1"] = np.nan
    with pytest.raises(EvaluationError, match="3 of 800 test scores are NaN"):
        RunEvaluation.from_predictions(bad)


def test_empty_test_split_is_refused(pred):
    with pytest.raises(EmptyInputError, match="no 'test' rows"):
        RunEvaluation.from_predictions(pred[pred["split"] == "val"])


def test_single_class_test_split_is_refused(pred):
    only_neg = pred[(pred["split"] == "val") | (pred["target"] == 0)]
    with pytest.raises(SingleClassError, match="only class 0"):
        RunEvaluation.from_predictions(only_neg)


def test_all_scores_equal_gives_defined_values_with_reasons(pred):
    flat = pred.assign(prob_1=0.5, prob_0=0.5)
    ev = RunEvaluation.from_predictions(flat, n_boot=50)
    assert ev.auc.auc == 0.5 and np.isnan(ev.auc.ci_low) and ev.auc.reason
    op = ev.at(0.7)  # nothing called positive
    assert np.isnan(op.metrics.precision) and "precision" in op.metrics.undefined
    assert op.table().set_index("metric").loc["precision", "note"]


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d.drop(columns=["target"]), "target"),
        (lambda d: d.assign(split="train"), "split must be"),
        (lambda d: d.assign(target=5), "outside 0..1"),
        (lambda d: pd.concat([d, d.iloc[:1]]), "repeated within a split"),
        (lambda d: d.drop(columns=["prob_0"]), "prob_0"),
    ],
)
def test_malformed_frames_get_one_clear_error(pred, change, match):
    with pytest.raises(EvaluationError, match=match):
        RunEvaluation.from_predictions(change(pred.copy()))


def test_positive_index_out_of_range(pred):
    with pytest.raises(EvaluationError, match="positive_index=2"):
        RunEvaluation.from_predictions(pred, positive_index=2)


def _other_run(pred, seed, noise):
    rng = np.random.default_rng(seed)
    out = pred.copy()
    out["prob_1"] = np.clip(out["prob_1"] + rng.normal(0, noise, len(out)), 0, 1)
    out["prob_0"] = 1 - out["prob_1"]
    return out


def test_compare_runs_matches_pairwise_delong_and_flags_mismatch(pred, ev):
    b, c = _other_run(pred, 1, 0.2), _other_run(pred, 2, 0.05)
    shuffled = c.sample(frac=1.0, random_state=0)  # same samples, other order
    d = _other_run(pred, 3, 0.1)
    d = d[~d["sample_id"].isin(["test-s0", "test-s1"])]  # two test samples fewer
    evals = {"a": ev, "b": RunEvaluation.from_predictions(b, n_boot=10),
             "c": RunEvaluation.from_predictions(shuffled, n_boot=10),
             "d": RunEvaluation.from_predictions(d, n_boot=10)}
    table = compare_runs(evals)
    assert len(table) == 6
    row = table.set_index(["run_a", "run_b"]).loc[("a", "b")]
    test_a, test_b = pred[pred.split == "test"], b[b.split == "test"]
    ref = delong_test(test_a["target"], test_a["prob_1"], test_b["prob_1"])
    assert row["p_value"] == pytest.approx(ref.p_value) and row["reason"] == ""
    ac = table.set_index(["run_a", "run_b"]).loc[("a", "c")]
    test_c = c[c.split == "test"]
    assert ac["p_value"] == pytest.approx(
        delong_test(test_a["target"], test_a["prob_1"], test_c["prob_1"]).p_value)
    ad = table.set_index(["run_a", "run_b"]).loc[("a", "d")]
    assert np.isnan(ad["p_value"]) and "2 sample id(s) only in the first run" in ad["reason"]
    mat = pvalue_matrix(table)
    assert mat.loc["a", "b"] == mat.loc["b", "a"] == row["p_value"]
    assert np.isnan(mat.loc["a", "a"])


def test_compare_two_runs_paired(ev, pred):
    other = RunEvaluation.from_predictions(_other_run(pred, 5, 0.3), n_boot=200)
    res = ev.compare(other, 0.5, 0.5)
    assert res.n == 800
    assert res.delong.difference == pytest.approx(ev.auc.auc - other.auc.auc)
    assert res.bootstrap.estimates["sensitivity"] == pytest.approx(
        ev.at(0.5).metrics.sensitivity - other.at(0.5).metrics.sensitivity)


def test_results_survive_pickling_for_caching(ev):
    """The dashboard caches results with st.cache_data, which pickles them."""
    import pickle

    choice = ev.choose_threshold("youden")
    for obj in (ev, ev.at(0.5), choice, ev.apply(choice)):
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj)
    op = pickle.loads(pickle.dumps(ev.at(0.5)))
    assert op.ci.intervals == ev.at(0.5).ci.intervals
    with pytest.raises(TypeError):
        op.ci.notes["x"] = "y"  # read-only
