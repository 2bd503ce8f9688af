"""Confusion counts and threshold metrics against scikit-learn, ties included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from core.evaluation.counts import SortedScores
from core.evaluation.errors import EmptyInputError, EvaluationError
from core.evaluation.metrics import METRIC_NAMES, metrics_at_threshold, rates_from_counts

# Scores drawn from a handful of values so that ties are the rule, not the exception.
tied_data = st.integers(min_value=2, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 1.0]), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(tied_data)
def test_counts_match_sklearn_confusion_matrix_at_every_threshold(data):
    y, s = (np.asarray(a) for a in data)
    sorted_ = SortedScores(y, s)
    thresholds = np.concatenate((np.unique(s), sorted_.candidate_thresholds(), [-1.0, 2.0]))
    vector = sorted_.counts(thresholds)
    for i, t in enumerate(thresholds):
        expected = confusion_matrix(y, (s >= t).astype(int), labels=[0, 1])
        scalar = sorted_.counts(float(t))
        assert np.array_equal(scalar.matrix(), expected), t
        assert (vector.tp[i], vector.fp[i], vector.tn[i], vector.fn[i]) == (
            scalar.tp, scalar.fp, scalar.tn, scalar.fn)


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(tied_data)
def test_candidate_thresholds_reach_every_distinct_decision(data):
    """Scanning the candidates must see every prediction vector any threshold can produce."""
    y, s = (np.asarray(a) for a in data)
    cand = SortedScores(y, s).candidate_thresholds()
    assert np.all(np.diff(cand) > 0)
    seen = {tuple(s >= t) for t in cand}
    possible = {tuple(s >= t) for t in np.concatenate((np.unique(s), [np.inf]))}
    assert seen == possible
    # Candidates between scores never coincide with a score (except the lowest).
    assert not np.isin(cand[1:], s).any()


both_classes = st.integers(min_value=4, max_value=80).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
        st.lists(st.floats(0, 1), min_size=n, max_size=n),
        st.floats(0, 1),
    )
)


@settings(max_examples=80, deadline=None, database=None, derandomize=True)
@given(both_classes)
def test_metrics_match_sklearn_where_defined(data):
    y, s, t = np.asarray(data[0]), np.asarray(data[1]), data[2]
    pred = (s >= t).astype(int)
    m = metrics_at_threshold(y, s, t)
    assert m.accuracy == pytest.approx(accuracy_score(y, pred))
    assert m.balanced_accuracy == pytest.approx(balanced_accuracy_score(y, pred))
    assert m.sensitivity == pytest.approx(recall_score(y, pred))
    assert m.specificity == pytest.approx(recall_score(y, pred, pos_label=0))
    assert m.mcc == pytest.approx(matthews_corrcoef(y, pred), abs=1e-12)
    assert m.f1 == pytest.approx(f1_score(y, pred))
    if pred.any():
        assert m.precision == pytest.approx(precision_score(y, pred))
    else:
        assert np.isnan(m.precision) and "precision" in m.undefined
    if not pred.all():
        assert m.npv == pytest.approx(precision_score(y, pred, pos_label=0))
    else:
        assert np.isnan(m.npv) and "npv" in m.undefined
    defined = {k for k in METRIC_NAMES if np.isfinite(getattr(m, k))}
    assert defined | set(m.undefined) == set(METRIC_NAMES)


def test_single_class_gives_nan_with_reasons_not_zero():
    m = metrics_at_threshold([0, 0, 0, 0], [0.1, 0.2, 0.7, 0.9], 0.5)
    assert m.specificity == 0.5 and m.accuracy == 0.5
    for k in ("sensitivity", "balanced_accuracy", "mcc"):
        assert np.isnan(getattr(m, k))
        assert "no positive" in m.undefined[k]
    assert m.f1 == 0.0  # 2 false positives, no positive to find: F1 is defined and 0


def test_constant_predictions_with_both_classes_give_mcc_zero():
    m = metrics_at_threshold([0, 1, 0, 1], [0.2, 0.3, 0.4, 0.45], 0.9)
    assert m.mcc == 0.0 and np.isnan(m.precision)
    assert m.undefined["precision"] == "no sample predicted positive at this threshold"


def test_vectorized_rates_equal_scalar_rates():
    rng = np.random.default_rng(3)
    y, s = rng.integers(0, 2, 300), rng.random(300)
    sorted_ = SortedScores(y, s)
    thr = sorted_.candidate_thresholds()
    vec = rates_from_counts(sorted_.counts(thr))
    for i in (0, 7, 150, len(thr) - 1):
        one = metrics_at_threshold(y, s, thr[i])
        for k in METRIC_NAMES:
            np.testing.assert_equal(vec[k][i], getattr(one, k))


@pytest.mark.parametrize(
    "y, s, message",
    [
        ([], [], "empty"),
        ([0, 1], [0.2, np.nan], "NaN or infinite"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "only 0"),
        ([0, 1], [0.1], "samples"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(y, s, message):
    with pytest.raises(EvaluationError, match=message):
        metrics_at_threshold(y, s, 0.5)


def test_empty_input_has_its_own_error_type():
    with pytest.raises(EmptyInputError):
        SortedScores([], [])


def test_nan_threshold_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        SortedScores([0, 1], [0.1, 0.9]).counts(np.nan)


def test_confusion_matrix_normalisation_leaves_absent_class_nan():
    m = metrics_at_threshold([1, 1, 1], [0.2, 0.6, 0.9], 0.5)
    norm = m.confusion_matrix("true")
    assert np.isnan(norm[0]).all()
    np.testing.assert_allclose(norm[1], [1 / 3, 2 / 3])
