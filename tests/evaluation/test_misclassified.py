"""The Errors page's table: which test images are wrong at a threshold, in which order.

One hand-worked run of six test images at threshold 0.4 (a score exactly at the threshold is
called positive):

=========  =====  =====  ==================================================
sample     truth  score  at 0.4
=========  =====  =====  ==================================================
t1         pos    0.10   false negative, confidence (0.4 - 0.1) / 0.4 = 0.75
t2         pos    0.30   false negative, confidence 0.25
t3         pos    0.40   true positive (at the threshold)
t4         neg    0.40   false positive, confidence 0
t5         neg    0.70   false positive, confidence (0.7 - 0.4) / 0.6 = 0.5
t6         neg    0.20   true negative
=========  =====  =====  ==================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluation import (ERROR_COLUMNS, FALSE_NEGATIVE, FALSE_POSITIVE, RunEvaluation,
                             misclassified)

SCORES = [0.10, 0.30, 0.40, 0.40, 0.70, 0.20]
TRUTH = [1, 1, 1, 0, 0, 0]


def _frame(positive_index: int = 1) -> pd.DataFrame:
    """The six test rows (and two val rows); class ``positive_index`` is "malignant"."""
    p = np.array(SCORES + [0.3, 0.6])
    target = np.array(TRUTH + [0, 1])
    if positive_index == 0:
        target = 1 - target
    probs = {f"prob_{positive_index}": p, f"prob_{1 - positive_index}": 1 - p}
    return pd.DataFrame({
        "sample_id": [f"t{i}" for i in range(1, 7)] + ["v1", "v2"],
        "group": [f"p{i}" for i in range(1, 7)] + ["p7", "p8"],
        "split": ["test"] * 6 + ["val"] * 2,
        "target": target,
        **{k: probs[k] for k in sorted(probs)},
    })


@pytest.mark.parametrize("positive_index", [1, 0])
def test_false_negatives_first_each_most_confidently_wrong_first(positive_index):
    ev = RunEvaluation.from_predictions(_frame(positive_index), positive_index, n_boot=10)
    table = misclassified(ev, 0.4, ("benign", "malignant"))
    assert list(table.columns) == ERROR_COLUMNS
    assert table["sample_id"].tolist() == ["t1", "t2", "t5", "t4"]
    assert table["kind"].tolist() == [FALSE_NEGATIVE] * 2 + [FALSE_POSITIVE] * 2
    assert table["group"].tolist() == ["p1", "p2", "p5", "p4"]
    assert table["confidence"].tolist() == pytest.approx([0.75, 0.25, 0.5, 0.0])
    assert table["score"].tolist() == pytest.approx([0.1, 0.3, 0.7, 0.4])
    assert table["true_label"].tolist() == ["malignant"] * 2 + ["benign"] * 2
    assert table["predicted_label"].tolist() == ["benign"] * 2 + ["malignant"] * 2
    assert (table["threshold"] == 0.4).all()


def test_the_extreme_thresholds_call_everything_one_way_and_confidence_stays_in_range():
    ev = RunEvaluation.from_predictions(_frame(), n_boot=10)
    everything_negative = misclassified(ev, 1.0, ("benign", "malignant"))
    assert everything_negative["sample_id"].tolist() == ["t1", "t2", "t3"]
    everything_positive = misclassified(ev, 0.0, ("benign", "malignant"))
    assert everything_positive["kind"].eq(FALSE_POSITIVE).all()
    assert set(everything_positive["sample_id"]) == {"t4", "t5", "t6"}
    for table in (everything_negative, everything_positive):
        assert table["confidence"].between(0.0, 1.0).all()


def test_a_group_level_evaluation_is_refused():
    ev = RunEvaluation.from_predictions(_frame(), level="group", n_boot=10)
    with pytest.raises(ValueError, match="per image"):
        misclassified(ev, 0.4, ("benign", "malignant"))
