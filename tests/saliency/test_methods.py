"""Every method on tiny real CNNs: softmax head, sigmoid head, separable convolutions."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.saliency import METHODS, SaliencyError, get_explainer
from tests.saliency.conftest import SIZE, tiny_cnn

NETS = {
    "softmax": ("softmax", False),
    "sigmoid": ("sigmoid", False),
    "separable": ("softmax", True),
}
FAST = {"smoothgrad": {"samples": 4}, "scorecam": {"max_n": 8}}


@pytest.fixture(scope="module")
def nets():
    return {key: tiny_cnn(head, separable=sep, n_classes=3) for key, (head, sep) in NETS.items()}


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 255, (2, SIZE, SIZE, 3)).astype(np.float32)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("net", list(NETS))
def test_map_has_image_size_is_finite_normalized_and_not_constant(nets, images, net, method):
    model, head = nets[net], NETS[net][0]
    explainer = get_explainer(model, method, head=head, penultimate_layer="last_conv")
    for class_index in (None, 0, 1):
        maps = explainer.explain(images, class_index, **FAST.get(method, {}))
        assert maps.shape == (2, SIZE, SIZE) and maps.dtype == np.float32
        assert np.isfinite(maps).all()
        assert maps.min() >= 0.0 and maps.max() <= 1.0
        for one in maps:
            assert one.std() > 1e-3, f"{method} on {net}: constant map for class {class_index}"


@pytest.mark.parametrize("net", list(NETS))
def test_callers_model_keeps_its_probability_head(nets, images, net):
    model, head = nets[net], NETS[net][0]
    before = model.predict(images, verbose=0)
    for method in METHODS:
        get_explainer(model, method, head=head, penultimate_layer="last_conv").explain(
            images, **FAST.get(method, {}))
    after = model.predict(images, verbose=0)
    np.testing.assert_array_equal(before, after)
    assert model.get_layer("predictions").activation is keras.activations.get(head)
    if head == "softmax":
        np.testing.assert_allclose(after.sum(axis=1), 1.0, rtol=1e-5)
    assert ((after > 0) & (after < 1)).all()


def _flipped(model: keras.Model) -> keras.Model:
    """Same network with the sigmoid's logit negated: it predicts class 0 where model says 1."""
    flipped = tiny_cnn("sigmoid")
    flipped.set_weights(model.get_weights())
    kernel, bias = flipped.get_layer("predictions").get_weights()
    flipped.get_layer("predictions").set_weights([-kernel, -bias])
    return flipped


@pytest.mark.parametrize("method", list(METHODS))
def test_sigmoid_class_zero_is_the_complement_of_the_output(nets, images, method):
    """Class 0 of a sigmoid model must be explained as 1 - p: its map must equal class 1's map
    of the same network with the logit negated. Catches Score-CAM's one-output softmax trap,
    which weighs every mask by 1 (class 1) or -1 (class 0) regardless of the model."""
    model = nets["sigmoid"]
    params = FAST.get(method, {})
    np.random.seed(0)  # SmoothGrad's noise comes from numpy's global generator
    class0 = METHODS[method](model, head="sigmoid", penultimate_layer="last_conv").explain(
        images, 0, **params)
    np.random.seed(0)
    flipped1 = METHODS[method](_flipped(model), head="sigmoid",
                               penultimate_layer="last_conv").explain(images, 1, **params)
    np.testing.assert_allclose(class0, flipped1, atol=1e-4)
    assert all(m.std() > 1e-3 for m in class0)


def test_predicted_class_default_matches_explicit_class(nets, images):
    model = nets["softmax"]
    explainer = get_explainer(model, "gradcam", head="softmax", penultimate_layer="last_conv")
    predicted = np.argmax(model.predict(images, verbose=0), axis=1)
    assert explainer.predicted_classes(images) == predicted.tolist()
    np.testing.assert_allclose(explainer.explain(images), explainer.explain(images, predicted),
                               atol=1e-6)


def test_options_are_discoverable_and_unknown_ones_refused(nets, images):
    assert METHODS["smoothgrad"].options() == {"samples": 20, "noise": 0.2, "chunk": 4}
    assert METHODS["scorecam"].options() == {"max_n": 64, "batch_size": 32}
    assert METHODS["gradcam"].options() == {}
    explainer = get_explainer(nets["softmax"], "gradcam", head="softmax",
                              penultimate_layer="last_conv")
    with pytest.raises(SaliencyError, match="no option 'samples'"):
        explainer.explain(images, samples=3)


def test_bad_requests_are_refused_with_a_reason(nets, images):
    model = nets["softmax"]
    with pytest.raises(SaliencyError, match="unknown saliency method"):
        get_explainer(model, "lime", head="softmax")
    with pytest.raises(SaliencyError, match="needs penultimate_layer"):
        METHODS["gradcam"](model, head="softmax")
    with pytest.raises(SaliencyError, match="no layer 'conv9'"):
        METHODS["gradcam"](model, head="softmax", penultimate_layer="conv9")
    with pytest.raises(SaliencyError, match="needs a \\(B, H, W, C\\) map"):
        METHODS["gradcam"](model, head="softmax", penultimate_layer="gap")
    with pytest.raises(SaliencyError, match="sigmoid head has 1 output"):
        METHODS["vanilla"](model, head="sigmoid")
    explainer = METHODS["vanilla"](model, head="softmax")
    with pytest.raises(SaliencyError, match="takes 32x32 px"):
        explainer.explain(np.zeros((1, 16, 16, 3), np.float32))
    with pytest.raises(SaliencyError, match="shape \\(B, S, S, 3\\)"):
        explainer.explain(images[0])
    with pytest.raises(SaliencyError, match="out of range"):
        explainer.explain(images, 3)
    with pytest.raises(SaliencyError, match="1 class indices for 2 images"):
        explainer.explain(images, [0])
