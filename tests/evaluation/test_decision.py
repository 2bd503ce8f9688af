"""One decision rule and one negative-class name, and the places that must agree with them.

Hand-worked examples: the rule is "positive when score >= threshold", so a score exactly at the
threshold is positive; the binary search of ``SortedScores`` and the paired bootstrap must give
the counts that rule gives, ties included.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation import (SortedScores, binary_class_names, decide, negative_class_name,
                             paired_bootstrap_difference)
from core.evaluation.bootstrap import index_counts


def test_a_score_at_the_threshold_is_positive_and_one_score_gives_a_plain_bool():
    assert decide(0.5, 0.5) is True
    assert decide(0.4999, 0.5) is False
    assert decide(1.0, float("inf")) is False
    assert decide(None, 0.5) is None and decide(0.3, None) is None


def test_an_array_is_decided_element_by_element():
    scores = np.array([0.1, 0.4, 0.4, 0.9])
    np.testing.assert_array_equal(decide(scores, 0.4), [False, True, True, True])
    np.testing.assert_array_equal(decide(scores, np.inf), [False] * 4)


def test_a_nan_threshold_is_refused_like_sorted_scores_refuses_it():
    with pytest.raises(ValueError, match="NaN"):
        decide(np.array([0.2, 0.8]), float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        SortedScores([0, 1], [0.2, 0.8]).counts(float("nan"))


def test_sorted_scores_count_what_decide_decides_ties_included():
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.2, 0.5, 0.5, 0.9, 0.2, 0.9])
    # At t = 0.5: positive calls are samples 1, 2, 3, 5 -> tp = {1, 3}, fp = {2, 5}.
    counts = SortedScores(y, s).counts(0.5)
    assert (counts.tp, counts.fp, counts.tn, counts.fn) == (2, 2, 1, 1)
    sorted_scores = SortedScores(y, s)
    for t in [*np.unique(s), *sorted_scores.candidate_thresholds(), 0.0, 1.0]:
        expected = index_counts(y, decide(s, t))
        assert sorted_scores.counts(t) == expected, t


def test_the_paired_bootstrap_decides_each_run_by_the_same_rule():
    y = np.array([1, 1, 0, 0, 1, 0, 1, 0])
    a = np.array([0.6, 0.3, 0.6, 0.1, 0.9, 0.2, 0.6, 0.7])
    b = np.array([0.5, 0.5, 0.4, 0.5, 0.5, 0.2, 0.1, 0.5])
    # At thresholds 0.6 and 0.5 (scores exactly at them count as positive):
    # run a calls 0, 2, 4, 6, 7 -> sensitivity 3/4, specificity 2/4;
    # run b calls 0, 1, 3, 4, 7 -> sensitivity 3/4, specificity 2/4.
    cis = paired_bootstrap_difference(y, a, 0.6, b, 0.5, n_boot=50)
    assert cis.estimates["sensitivity"] == pytest.approx(0.0)
    assert cis.estimates["specificity"] == pytest.approx(0.0)
    cis = paired_bootstrap_difference(y, a, 0.6, b, 0.51, n_boot=50)  # b now calls nothing
    assert cis.estimates["sensitivity"] == pytest.approx(0.75)
    assert cis.estimates["specificity"] == pytest.approx(0.5 - 1.0)


@pytest.mark.parametrize("names, positive, expected", [
    (("benign", "malignant"), 1, "benign"),
    (("malignant", "benign"), 0, "benign"),
    (("benign", "malignant", "normal"), 1, "not malignant"),
    (("a", "b", "c", "d"), 3, "not d"),
])
def test_the_negative_side_is_the_other_class_or_not_the_positive_one(names, positive, expected):
    assert negative_class_name(names, positive) == expected
    assert binary_class_names(names, positive) == (expected, names[positive])


def test_a_record_without_class_names_gets_the_defaults_and_a_bad_index_is_refused():
    assert binary_class_names(None, 1) == ("negative", "positive")
    with pytest.raises(ValueError, match="positive_index 2"):
        negative_class_name(("a", "b"), 2)
    with pytest.raises(ValueError):
        negative_class_name(("only",), 0)
