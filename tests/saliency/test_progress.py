"""Progress reports and cancellation for the slow methods (SmoothGrad, Score-CAM)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.saliency import METHODS, SaliencyCancelled
from tests.saliency.conftest import SIZE, tiny_cnn

SLOW = {"smoothgrad": {"samples": 6, "chunk": 2}, "scorecam": {"max_n": 16, "batch_size": 4}}


@pytest.fixture(scope="module")
def model():
    return tiny_cnn()


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(1).uniform(0, 255, (1, SIZE, SIZE, 3)).astype(np.float32)


def _explainer(model, method):
    return METHODS[method](model, head="softmax", penultimate_layer="last_conv")


@pytest.mark.parametrize("method", list(SLOW))
def test_progress_rises_in_chunks_to_one(model, image, method):
    seen: list[float] = []
    _explainer(model, method).explain(image, progress=seen.append, **SLOW[method])
    assert len(set(seen)) >= 3, f"progress reported only {seen}"
    assert seen == sorted(seen) and 0.0 < seen[0] < 1.0 and seen[-1] == 1.0


@pytest.mark.parametrize("method", list(SLOW))
def test_cancel_before_start_computes_nothing(model, image, method):
    cancel, seen = threading.Event(), []
    cancel.set()
    with pytest.raises(SaliencyCancelled):
        _explainer(model, method).explain(image, progress=seen.append, cancel=cancel,
                                          **SLOW[method])
    assert seen == []


@pytest.mark.parametrize("method", list(SLOW))
def test_cancel_mid_run_stops_and_explainer_stays_usable(model, image, method):
    explainer = _explainer(model, method)
    cancel, seen = threading.Event(), []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if fraction > 0.3:
            cancel.set()  # what the dashboard's cancel button does, from another thread

    with pytest.raises(SaliencyCancelled):
        explainer.explain(image, progress=progress, cancel=cancel, **SLOW[method])
    assert seen and max(seen) < 1.0
    maps = explainer.explain(image, **SLOW[method])  # no cancel left behind, lock released
    assert maps.shape == (1, SIZE, SIZE)


def test_chunking_does_not_change_the_map(model, image):
    """Chunks exist for progress only: the map must equal the one-call result."""
    scorecam = _explainer(model, "scorecam")
    np.testing.assert_allclose(scorecam.explain(image, max_n=16, batch_size=3),
                               scorecam.explain(image, max_n=16, batch_size=32), atol=1e-5)
    smoothgrad = _explainer(model, "smoothgrad")
    np.random.seed(0)
    chunked = smoothgrad.explain(image, samples=6, chunk=4)  # chunks of 4 and 2
    np.random.seed(0)
    whole = smoothgrad.explain(image, samples=6, chunk=6)
    # Same noise draws in a different grouping: equal up to float32 summation order.
    np.testing.assert_allclose(chunked, whole, atol=1e-4)


def test_smoothgrad_without_noise_is_vanilla(model, image):
    """SmoothGrad runs a traced forward pass, vanilla an eager one: same gradients expected."""
    smooth = _explainer(model, "smoothgrad").explain(image, samples=2, noise=0.0)
    np.testing.assert_allclose(smooth, _explainer(model, "vanilla").explain(image), atol=1e-5)
