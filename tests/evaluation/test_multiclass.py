"""K-class evaluation against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score, roc_auc_score

from core.evaluation.errors import EvaluationError
from core.evaluation.multiclass import evaluate_multiclass, multiclass_from_predictions


def _data(n=400, k=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.5
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return y, p


def test_matches_sklearn():
    y, p = _data()
    res = evaluate_multiclass(y, p, ["a", "b", "c", "d"])
    pred = p.argmax(1)
    np.testing.assert_array_equal(res.confusion, confusion_matrix(y, pred))
    np.testing.assert_allclose(res.confusion_normalized.sum(1), 1.0)
    for avg in ("macro", "weighted"):
        assert res.averages.loc[avg, "precision"] == pytest.approx(
            precision_score(y, pred, average=avg))
        assert res.averages.loc[avg, "recall"] == pytest.approx(recall_score(y, pred, average=avg))
        assert res.averages.loc[avg, "f1"] == pytest.approx(f1_score(y, pred, average=avg))
        assert res.averages.loc[avg, "auc"] == pytest.approx(
            roc_auc_score(y, p, multi_class="ovr", average=avg))
    for c, name in enumerate("abcd"):
        assert res.per_class.loc[name, "auc"] == pytest.approx(roc_auc_score(y == c, p[:, c]))
        assert res.roc[name].auc == res.per_class.loc[name, "auc"]
    assert res.accuracy == pytest.approx(np.mean(pred == y))


def test_absent_class_gives_nan_and_reason_not_a_silent_average():
    y, p = _data()
    keep = y != 2
    res = evaluate_multiclass(y[keep], p[keep])
    assert np.isnan(res.per_class.loc["2", "auc"]) and np.isnan(res.per_class.loc["2", "recall"])
    assert "absent" in res.reasons["2"]
    assert np.isnan(res.averages["auc"]).all() and "auc_average" in res.reasons
    assert np.isnan(res.confusion_normalized[2]).all()


def test_bad_probabilities_are_refused():
    y, p = _data(n=20)
    with pytest.raises(EvaluationError, match="sum to 1"):
        evaluate_multiclass(y, p * 2)
    p[0, 0] = np.nan
    with pytest.raises(EvaluationError, match="NaN"):
        evaluate_multiclass(y, p)
    with pytest.raises(EvaluationError, match="class names"):
        evaluate_multiclass(y, _data(n=20)[1], ["a", "b"])


def test_from_predictions_frame():
    import pandas as pd

    y, p = _data(n=60, k=3)
    df = pd.DataFrame({"sample_id": range(60), "group": range(60), "split": "test",
                       "target": y, **{f"prob_{k}": p[:, k] for k in range(3)}})
    res = multiclass_from_predictions(df, ["x", "y", "z"])
    np.testing.assert_array_equal(res.confusion, confusion_matrix(y, p.argmax(1)))
