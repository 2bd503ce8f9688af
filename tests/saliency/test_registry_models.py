"""Every registry architecture, built at its minimum input size, gets maps from our explainers.

Grad-CAM and vanilla gradients for all (the flat transfer models, SeparableConv2D nets, sigmoid
heads); every method for the own CNNs with small inputs. At the minimum size the applications'
last feature map is 1x1, so their CAMs are legitimately constant: here we check that each method
runs on each architecture and returns a valid map; map quality is tested on trained models.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.saliency import METHODS

registry = pytest.importorskip("models.registry")

SMALL_OPTIONS = {"smoothgrad": {"samples": 3}, "scorecam": {"max_n": 8}}


def _is_application(entry) -> bool:
    return entry.builder.startswith("models.transfer")


def _is_small(entry) -> bool:
    return not _is_application(entry) and entry.min_input_size <= 128


def _params():
    for name, entry in registry.REGISTRY.items():
        marks = [pytest.mark.slow] if _is_application(entry) else []
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_params()))
def test_methods_run_on_registry_model(name):
    entry = registry.get_entry(name)
    size = entry.min_input_size
    model = entry.build((size, size, 3), 2, weights=None)
    image = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    before = np.asarray(model(image, training=False))  # eager: predict() would trace
    methods = list(METHODS) if _is_small(entry) else ["gradcam", "vanilla"]
    for method in methods:
        explainer = METHODS[method](model, head=entry.head,
                                    penultimate_layer=entry.last_conv_layer)
        maps = explainer.explain(image, **SMALL_OPTIONS.get(method, {}))
        assert maps.shape == (1, size, size), method
        assert np.isfinite(maps).all() and maps.min() >= 0.0 and maps.max() <= 1.0, method
    np.testing.assert_array_equal(np.asarray(model(image, training=False)), before)
    assert model.layers[-1].activation is keras.activations.get(entry.head)
