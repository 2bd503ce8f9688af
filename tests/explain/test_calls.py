"""The Explain page's calls and verdicts in words, without a model: hand-made predictions and
deletion curves.

A call at the threshold uses the project's one rule (``score >= threshold``) and names the other
side as every page does: the other class of two, "not <positive>" of more.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.explain import (DELETION_VERDICT_WORDS, Prediction, RunModel, class_probabilities,
                          decision_text, deletion_words)
from core.saliency import DeletionCurve


def _run(class_names, positive):
    record = {"class_names": list(class_names), "positive_index": positive,
              "model": {"head": "softmax", "input_size": 8}}
    return RunModel.from_record("r", "run", record)


def _prediction(*probabilities):
    return Prediction(tuple(probabilities), int(np.argmax(probabilities)),
                      np.zeros((8, 8, 3), np.float32))


def test_two_classes_name_the_positive_or_the_other_class():
    run = _run(("benign", "malignant"), 1)
    assert decision_text(run, _prediction(0.17, 0.83), 0.41) == "malignant (0.830 >= 0.410)"
    assert decision_text(run, _prediction(0.59, 0.41), 0.41) == "malignant (0.410 >= 0.410)"
    assert decision_text(run, _prediction(0.6, 0.4), 0.41) == "benign (0.400 < 0.410)"
    first = _run(("malignant", "benign"), 0)  # the positive class may come first
    assert decision_text(first, _prediction(0.3, 0.7), 0.5) == "benign (0.300 < 0.500)"


def test_more_classes_call_the_negative_side_not_the_positive_class():
    run = _run(("benign", "malignant", "normal"), 1)
    assert decision_text(run, _prediction(0.5, 0.2, 0.3), 0.3) == "not malignant (0.200 < 0.300)"
    assert decision_text(run, _prediction(0.5, 0.3, 0.2), 0.3) == "malignant (0.300 >= 0.300)"


def test_without_a_positive_class_or_a_threshold_the_argmax_is_said():
    no_positive = _run(("a", "b", "c"), None)
    assert decision_text(no_positive, _prediction(0.1, 0.2, 0.7), None) == \
        "no threshold (multiclass run): c"
    assert decision_text(no_positive, _prediction(0.1, 0.2, 0.7), 0.5).startswith("no threshold")


def test_a_sigmoid_output_becomes_two_probabilities_and_a_wrong_width_is_refused():
    np.testing.assert_allclose(class_probabilities(np.array([[0.25], [0.9]]), "sigmoid", 2),
                               [[0.75, 0.25], [0.1, 0.9]])
    softmax = np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_allclose(class_probabilities(softmax, "softmax", 3), softmax)
    with pytest.raises(ValueError, match="lists 2 classes"):
        class_probabilities(softmax, "softmax", 2)


def _curve(scores, random_scores):
    x = np.linspace(0, 1, len(scores))
    return DeletionCurve(1, "mean", tuple(x), tuple(scores), tuple(random_scores),
                         float(np.trapezoid(scores, x)), float(np.trapezoid(random_scores, x)))


#: Areas on x = 0, 0.5, 1 are (s0 + 2 s1 + s2) / 4; [0.9, 0.8, 0.7] has area 0.800.
@pytest.mark.parametrize("scores, random_scores, verdict", [
    ([0.9, 0.2, 0.1], [0.9, 0.8, 0.7], "faster"),   # 0.350 vs 0.800
    ([0.9, 0.8, 0.7], [0.9, 0.2, 0.1], "slower"),   # 0.800 vs 0.350
    ([0.9, 0.8, 0.7], [0.9, 0.8, 0.72], "same"),    # 0.800 vs 0.805: within the 0.01 margin
    ([0.9, 0.8, 0.7], [0.9, 0.8, 0.68], "same"),    # 0.800 vs 0.795
    ([0.9, 0.8, 0.7], [0.9, 0.8, 0.8], "faster"),   # 0.800 vs 0.825
    ([0.9, 0.8, 0.7], [0.9, 0.8, 0.6], "slower"),   # 0.800 vs 0.775
    ([0.688, 0.6881, 0.688], [0.688, 0.688, 0.6879], "flat"),  # moves < 0.01: ignores the image
])
def test_one_deletion_verdict_and_its_words(scores, random_scores, verdict):
    curve = _curve(scores, random_scores)
    assert curve.verdict == verdict
    words = deletion_words(curve)
    assert DELETION_VERDICT_WORDS[verdict] in words
    assert f"area {curve.area:.3f} (random order {curve.random_area:.3f}" in words
