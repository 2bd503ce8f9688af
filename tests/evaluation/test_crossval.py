"""Cross-validated ROC: common grid, top of vertical steps, mean +/- std."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.crossval import cross_validated_roc, roc_on_grid
from core.evaluation.curves import RocCurve, compute_roc
from core.evaluation.errors import EvaluationError
from tests.evaluation.synth import binormal_scores


def _curve(fpr, tpr, auc):
    return RocCurve(np.asarray(fpr, float), np.asarray(tpr, float), np.zeros(len(fpr)), auc, 1, 1)


def test_vertical_step_takes_the_top():
    step = _curve([0, 0, 0.5, 1], [0, 0.6, 0.8, 1], 0.8)
    np.testing.assert_allclose(roc_on_grid(step, np.array([0, 0.25, 0.5, 1])),
                               [0.6, 0.7, 0.8, 1.0])


def test_two_known_folds():
    a = _curve([0, 0, 1], [0, 1, 1], 1.0)  # perfect
    b = _curve([0, 1], [0, 1], 0.5)  # chance
    cv = cross_validated_roc([a, b], n_grid=5)
    np.testing.assert_allclose(cv.fpr_grid, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(cv.mean_tpr, [0.5, 0.625, 0.75, 0.875, 1.0])
    np.testing.assert_allclose(cv.std_tpr, np.std([[1] * 5, [0, .25, .5, .75, 1]], 0, ddof=1))
    assert (cv.mean_auc, cv.n_folds) == (0.75, 2)
    assert cv.std_auc == pytest.approx(np.std([1.0, 0.5], ddof=1))
    assert (cv.upper <= 1).all() and (cv.lower >= 0).all()


def test_identical_folds_have_zero_spread_and_match_the_fold():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    curve = compute_roc(y, binormal_scores(y, rng))
    cv = cross_validated_roc([curve] * 4)
    assert np.allclose(cv.std_tpr, 0) and cv.std_auc == 0
    # Trapezoid area of the gridded mean approximates the fold AUC.
    assert np.trapezoid(cv.mean_tpr, cv.fpr_grid) == pytest.approx(curve.auc, abs=0.01)


def test_needs_two_roc_folds():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50)
    curve = compute_roc(y, rng.random(50))
    with pytest.raises(EvaluationError, match="at least 2 folds"):
        cross_validated_roc([curve])
    with pytest.raises(TypeError, match="RocCurve"):
        cross_validated_roc([curve, (curve.fpr, curve.tpr)])


def test_folds_from_predictions_frames():
    from core.evaluation.crossval import roc_folds_from_predictions
    from tests.evaluation.synth import make_predictions

    frames = [make_predictions(n_test=200, n_val=0, seed=s) for s in range(3)]
    curves = roc_folds_from_predictions(frames)
    cv = cross_validated_roc(curves)
    assert cv.n_folds == 3
    assert cv.mean_auc == pytest.approx(np.mean([c.auc for c in curves]))
