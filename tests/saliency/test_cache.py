"""Explainers are built once per (model, method) and the cache is bounded."""

from __future__ import annotations

import numpy as np

from core.saliency import clear_explainer_cache, explainer_cache_info, get_explainer
from core.saliency.registry import CACHE_SIZE
from tests.saliency.conftest import SIZE, tiny_cnn


def test_second_request_reuses_the_built_explainer():
    clear_explainer_cache()
    model = tiny_cnn()
    first = get_explainer(model, "gradcam", head="softmax", penultimate_layer="last_conv")
    misses = explainer_cache_info().misses
    again = get_explainer(model, "gradcam", head="softmax", penultimate_layer="last_conv")
    assert again is first
    assert explainer_cache_info().misses == misses  # nothing was rebuilt
    image = np.full((1, SIZE, SIZE, 3), 100, np.float32)
    np.testing.assert_array_equal(first.explain(image), again.explain(image))


def test_each_method_and_each_model_gets_its_own_explainer():
    clear_explainer_cache()
    model, other = tiny_cnn(), tiny_cnn()
    gradcam = get_explainer(model, "gradcam", head="softmax", penultimate_layer="last_conv")
    assert get_explainer(model, "gradcam++", head="softmax",
                         penultimate_layer="last_conv") is not gradcam
    assert get_explainer(other, "gradcam", head="softmax",
                         penultimate_layer="last_conv") is not gradcam


def test_cache_is_bounded_and_evicts_the_least_recently_used():
    clear_explainer_cache()
    models = [tiny_cnn() for _ in range(CACHE_SIZE + 1)]
    first = get_explainer(models[0], "vanilla", head="softmax")
    for model in models[1:]:
        get_explainer(model, "vanilla", head="softmax")
    assert explainer_cache_info().currsize == CACHE_SIZE
    assert get_explainer(models[0], "vanilla", head="softmax") is not first
    clear_explainer_cache()
