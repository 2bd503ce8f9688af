"""Threshold selection: correct for each method, and structurally blind to test data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from core.evaluation.counts import SortedScores
from core.evaluation.errors import EvaluationError, SingleClassError
from core.evaluation.evaluate import RunEvaluation
from core.evaluation.frames import ScoredSamples, binary_split
from core.evaluation.thresholds import apply_threshold, choose_threshold
from tests.evaluation.synth import make_predictions


@pytest.fixture(scope="module")
def pred():
    return make_predictions(n_test=500, n_val=400, seed=3, round_to=2)


@pytest.fixture(scope="module")
def val(pred):
    return binary_split(pred, "val")


def _rates(val, t):
    pred = val.scores >= t
    y = val.y == 1
    return (pred & y).sum() / y.sum(), (~pred & ~y).sum() / (~y).sum()


def test_youden_maximises_j_like_the_roc_curve(val):
    choice = choose_threshold(val, "youden")
    fpr, tpr, _ = roc_curve(val.y, val.scores)
    sens, spec = _rates(val, choice.threshold)
    assert sens + spec - 1 == pytest.approx(np.max(tpr - fpr))
    assert choice.validation.sensitivity == pytest.approx(sens)
    assert choice.target is None and choice.method == "youden"


@pytest.mark.parametrize("target", [0.8, 0.9, 0.95, 1.0])
def test_sensitivity_target_is_the_highest_threshold_reaching_it(val, target):
    choice = choose_threshold(val, "sensitivity", target)
    assert _rates(val, choice.threshold)[0] >= target
    next_score = val.scores[val.scores > choice.threshold].min()
    assert _rates(val, np.nextafter(next_score, np.inf))[0] < target  # next decision up fails
    assert not np.isin(choice.threshold, val.scores)  # sits between validation scores


@pytest.mark.parametrize("target", [0.5, 0.9, 0.99])
def test_specificity_target_is_the_lowest_threshold_reaching_it(val, target):
    choice = choose_threshold(val, "specificity", target)
    assert _rates(val, choice.threshold)[1] >= target
    lower = np.unique(val.scores[val.scores < choice.threshold])
    assert lower.size == 0 or _rates(val, lower.max())[1] < target


@pytest.mark.parametrize("ratio", [0.2, 1.0, 5.0, 50.0])
def test_cost_minimises_expected_cost_by_brute_force(val, ratio):
    choice = choose_threshold(val, "cost", ratio)
    y = val.y == 1

    def cost(t):
        pred = val.scores >= t
        return ratio * np.sum(~pred & y) + np.sum(pred & ~y)

    grid = np.r_[np.unique(val.scores), np.inf]
    assert cost(choice.threshold) == pytest.approx(min(cost(t) for t in grid))
    lower_ratio = choose_threshold(val, "cost", ratio / 10)
    assert lower_ratio.threshold >= choice.threshold  # cheaper misses -> fewer positive calls


def test_fixed_threshold_is_kept_and_reported(val):
    choice = choose_threshold(val, "fixed", 0.37)
    assert choice.threshold == 0.37
    assert choice.validation.sensitivity == pytest.approx(_rates(val, 0.37)[0])


def test_choice_refuses_anything_but_validation_samples(pred, val):
    test = binary_split(pred, "test")
    with pytest.raises(EvaluationError, match="validation split only"):
        choose_threshold(test, "youden")
    with pytest.raises(TypeError, match="ScoredSamples"):
        choose_threshold(SortedScores(val.y, val.scores), "youden")
    with pytest.raises(TypeError):
        choose_threshold((val.y, val.scores), "youden")


def test_run_evaluation_choice_ignores_test_rows_completely(pred):
    """Scramble every test score: the chosen threshold must not move."""
    scrambled = pred.copy()
    is_test = scrambled["split"] == "test"
    rng = np.random.default_rng(0)
    scrambled.loc[is_test, "prob_1"] = rng.random(int(is_test.sum()))
    scrambled.loc[is_test, "prob_0"] = 1 - scrambled.loc[is_test, "prob_1"]
    for method, target in [("youden", None), ("sensitivity", 0.9), ("cost", 3.0)]:
        a = RunEvaluation.from_predictions(pred, n_boot=10).choose_threshold(method, target)
        b = RunEvaluation.from_predictions(scrambled, n_boot=10).choose_threshold(method, target)
        assert a.threshold == b.threshold
        assert a.validation.as_dict() == b.validation.as_dict()


def test_frozen_threshold_is_applied_to_test_unchanged(pred):
    ev = RunEvaluation.from_predictions(pred, n_boot=10)
    choice = ev.choose_threshold("sensitivity", 0.9)
    applied = ev.apply(choice)
    test = binary_split(pred, "test")
    assert applied.test.threshold == choice.threshold
    assert applied.test.sensitivity == pytest.approx(
        np.mean(test.scores[test.y == 1] >= choice.threshold))
    val_row, test_row = applied.as_rows()
    assert (val_row["split"], test_row["split"]) == ("val", "test")
    assert val_row["n"] == 400 and test_row["n"] == 500
    with pytest.raises(EvaluationError, match="test split"):
        apply_threshold(choice, binary_split(pred, "val"))


def test_missing_validation_split_is_a_clear_error(pred):
    ev = RunEvaluation.from_predictions(pred[pred["split"] == "test"], n_boot=10)
    assert ev.val is None
    with pytest.raises(EvaluationError, match="no validation"):
        ev.choose_threshold("youden")


@pytest.mark.parametrize(
    "method, target, match",
    [("magic", None, "unknown threshold method"), ("sensitivity", 1.5, r"\(0, 1\]"),
     ("cost", 0.0, "> 0"), ("youden", 0.5, "no target"), ("fixed", float("nan"), "finite")],
)
def test_bad_method_or_target(val, method, target, match):
    with pytest.raises(ValueError, match=match):
        choose_threshold(val, method, target)


def test_single_class_validation_refuses_methods_that_need_both():
    only_neg = ScoredSamples(np.arange(4), np.zeros(4, int), np.array([.1, .2, .3, .4]), "val")
    with pytest.raises(SingleClassError, match="needs validation positives"):
        choose_threshold(only_neg, "sensitivity", 0.9)
    with pytest.raises(SingleClassError):
        choose_threshold(only_neg, "youden")
    spec = choose_threshold(only_neg, "specificity", 0.75)  # defined without positives
    assert spec.validation.specificity >= 0.75 and np.isnan(spec.validation.sensitivity)
