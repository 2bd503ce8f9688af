"""Per-epoch resampling plans, the stratified cap and class weights (pure numpy/sklearn)."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets.sampling import class_weights, per_class_counts, stratified_subset

TARGETS = np.array([0] * 30 + [1] * 10 + [2] * 5)


def test_per_class_counts() -> None:
    assert per_class_counts(TARGETS) == {0: 30, 1: 10, 2: 5}
    assert per_class_counts(TARGETS, "oversample") == {0: 30, 1: 30, 2: 30}
    assert per_class_counts(TARGETS, "undersample") == {0: 5, 1: 5, 2: 5}
    assert per_class_counts(TARGETS, "oversample", cap=60) == {0: 20, 1: 20, 2: 20}
    assert per_class_counts(TARGETS, "undersample", cap=60) == {0: 5, 1: 5, 2: 5}
    with pytest.raises(ValueError, match="'oversample'"):
        per_class_counts(TARGETS, "smote")


def test_stratified_subset_keeps_proportions_and_seed() -> None:
    picked = stratified_subset(TARGETS, 18, seed=3)
    assert len(picked) == 18 and np.all(np.diff(picked) > 0)
    assert np.bincount(TARGETS[picked]).tolist() == [12, 4, 2]
    np.testing.assert_array_equal(picked, stratified_subset(TARGETS, 18, seed=3))
    assert not np.array_equal(picked, stratified_subset(TARGETS, 18, seed=4))
    np.testing.assert_array_equal(stratified_subset(TARGETS, 100), np.arange(45))
    with pytest.raises(ValueError, match="at least 3"):
        stratified_subset(TARGETS, 2)


def test_balanced_class_weights_follow_the_textbook_formula() -> None:
    weights = class_weights(TARGETS)
    for c, n_c in ((0, 30), (1, 10), (2, 5)):
        assert weights[c] == pytest.approx(45 / (3 * n_c))
    # balanced weights make every class contribute the same total weight
    totals = [weights[c] * (TARGETS == c).sum() for c in weights]
    assert max(totals) == pytest.approx(min(totals))


def test_explicit_and_no_class_weights() -> None:
    assert class_weights(TARGETS, {0: 1.0, 1: 2.5, 2: 4}) == {0: 1.0, 1: 2.5, 2: 4.0}
    assert class_weights(TARGETS, None) == {0: 1.0, 1: 1.0, 2: 1.0}
    with pytest.raises(ValueError, match="Invalid class weights"):
        class_weights(TARGETS, {0: 1.0, 7: 2.0})
    with pytest.raises(ValueError, match="'balanced'"):
        class_weights(TARGETS, "inverse")
