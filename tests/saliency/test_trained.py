"""On a model really trained on the bright-square task, the maps must find the square."""

from __future__ import annotations

import numpy as np
import pytest

from core.saliency import deletion_curve, get_explainer, randomization_check
from tests.saliency.conftest import SQUARE, square_images

DILATE = 3  # px around the square that still count as "on the square" (CAMs are coarse)


@pytest.fixture(scope="module")
def positives():
    images, _, boxes = square_images(6, seed=3, positive=True)
    return images, boxes


def _square_region(shape, box) -> np.ndarray:
    r, c = box
    region = np.zeros(shape, dtype=bool)
    region[max(r - DILATE, 0):r + SQUARE + DILATE, max(c - DILATE, 0):c + SQUARE + DILATE] = True
    return region


def test_gradcam_mass_is_on_the_square(trained_square_model, positives):
    images, boxes = positives
    explainer = get_explainer(trained_square_model, "gradcam", head="softmax",
                              penultimate_layer="last_conv")
    maps = explainer.explain(images)
    for saliency, box in zip(maps, boxes):
        region = _square_region(saliency.shape, box)
        on_square = saliency[region].sum() / saliency.sum()
        assert on_square > 0.5, f"only {on_square:.0%} of the map on the square"
        assert on_square > 3 * region.mean(), "no better than spreading the map evenly"


def test_gradcam_of_class_zero_avoids_the_square(trained_square_model, positives):
    images, boxes = positives
    explainer = get_explainer(trained_square_model, "gradcam", head="softmax",
                              penultimate_layer="last_conv")
    class1, class0 = explainer.explain(images, 1), explainer.explain(images, 0)
    for one, zero, box in zip(class1, class0, boxes):
        region = _square_region(one.shape, box)
        assert zero[region].sum() / max(zero.sum(), 1e-9) < one[region].sum() / one.sum()


def test_randomized_model_gives_an_unrelated_gradcam(trained_square_model, positives):
    images, _ = positives
    check = randomization_check(trained_square_model, images, method="gradcam", head="softmax",
                                penultimate_layer="last_conv")
    assert check.randomized == "all layers" and len(check.rank_correlations) == len(images)
    assert check.passes(), f"maps barely changed: {check.rank_correlations}"
    assert check.mean_correlation < 0.3


def test_deletion_curve_drops_faster_than_random(trained_square_model, positives):
    images, _ = positives
    maps = get_explainer(trained_square_model, "gradcam", head="softmax",
                         penultimate_layer="last_conv").explain(images)
    for image, saliency in zip(images[:3], maps[:3]):
        curve = deletion_curve(trained_square_model, image, saliency, head="softmax")
        assert curve.class_index == 1 and len(curve.scores) == 21
        assert curve.scores[0] > 0.9 and min(curve.scores) < curve.scores[0] - 0.5
        assert curve.verdict == "faster" and curve.area < 0.5 * curve.random_area
        assert 0.0 <= curve.area <= 1.0
