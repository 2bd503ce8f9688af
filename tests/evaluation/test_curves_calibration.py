"""ROC / PR curves and calibration against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

from core.evaluation.calibration import compute_calibration
from core.evaluation.curves import compute_pr, compute_roc
from core.evaluation.errors import EvaluationError, SingleClassError


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = np.clip(0.35 * y + rng.random(500) * 0.65, 0, 1).round(2)  # ties on purpose
    return y, s


@pytest.mark.parametrize("n_bins", [1, 5, 10, 13])
def test_calibration_matches_sklearn(data, n_bins):
    y, s = data
    s = s.copy()
    s[:5] = [0.0, 0.1, 0.2, 1.0, 0.5]  # values on bin edges
    got = compute_calibration(y, s, n_bins=n_bins)
    true, pred = calibration_curve(y, s, n_bins=n_bins, strategy="uniform")
    np.testing.assert_allclose(got.prob_true, true)
    np.testing.assert_allclose(got.prob_pred, pred)
    assert got.bin_counts.sum() == len(y)
    assert got.brier == pytest.approx(brier_score_loss(y, s))
    # ECE recomputed by a plain loop over sklearn's bins.
    edges = np.linspace(0, 1, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], s)
    ece = sum(np.mean(ids == b) * abs(y[ids == b].mean() - s[ids == b].mean())
              for b in np.unique(ids))
    assert got.ece == pytest.approx(ece)


def test_perfectly_calibrated_scores_have_small_ece():
    rng = np.random.default_rng(1)
    p = rng.random(200_000)
    y = (rng.random(p.shape[0]) < p).astype(int)
    assert compute_calibration(y, p).ece < 0.01
    assert compute_calibration(y, p**3).ece > 0.1  # distorted scores are caught


def test_calibration_refuses_non_probabilities():
    with pytest.raises(EvaluationError, match=r"\[0, 1\]"):
        compute_calibration([0, 1], [-0.1, 0.9])


def test_roc_and_pr_match_sklearn(data):
    y, s = data
    roc = compute_roc(y, s, drop_intermediate=False)
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(roc.fpr, fpr)
    np.testing.assert_allclose(roc.tpr, tpr)
    assert roc.auc == pytest.approx(roc_auc_score(y, s))
    assert (roc.n_pos, roc.n_neg) == (int(y.sum()), int((1 - y).sum()))
    pr = compute_pr(y, s)
    assert pr.average_precision == pytest.approx(average_precision_score(y, s))
    assert pr.prevalence == pytest.approx(y.mean())
    # Every PR point is (recall, precision) at its threshold.
    for p, r, t in zip(pr.precision[:-1], pr.recall[:-1], pr.thresholds):
        pred = s >= t
        assert r == pytest.approx((pred & (y == 1)).sum() / y.sum())
        assert p == pytest.approx((pred & (y == 1)).sum() / pred.sum())


def test_dropping_intermediate_points_keeps_the_curve(data):
    y, s = data
    full, small = compute_roc(y, s, drop_intermediate=False), compute_roc(y, s)
    assert len(small.fpr) <= len(full.fpr)
    assert set(zip(small.fpr, small.tpr)) <= set(zip(full.fpr, full.tpr))
    assert np.trapezoid(small.tpr, small.fpr) == pytest.approx(full.auc)


@pytest.mark.parametrize("build", [compute_roc, compute_pr])
def test_curves_refuse_a_single_class(build):
    with pytest.raises(SingleClassError, match="only class 1"):
        build([1, 1, 1], [0.2, 0.5, 0.9])


tied = st.integers(min_value=3, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
        st.lists(st.sampled_from([0.0, 0.1, 0.4, 0.4, 0.6, 1.0]) | st.floats(0, 1),
                 min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(tied)
def test_auc_and_ap_from_the_thinned_curves_equal_sklearn_scores(data):
    """AUC and AP are read off the (drop_intermediate) curves; they must equal sklearn's."""
    y, s = np.asarray(data[0]), np.asarray(data[1])
    assert compute_roc(y, s).auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert compute_pr(y, s).average_precision == pytest.approx(
        average_precision_score(y, s), abs=1e-12)


def test_calibration_is_defined_for_a_single_class():
    """Brier and ECE then measure the distance of the scores from that class."""
    res = compute_calibration([0, 0, 0, 0], [0.1, 0.1, 0.3, 0.3], n_bins=10)
    assert res.brier == pytest.approx((0.01 * 2 + 0.09 * 2) / 4)
    assert res.ece == pytest.approx(0.2)
    np.testing.assert_allclose(res.prob_true, [0.0, 0.0])
