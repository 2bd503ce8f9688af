"""Mechanics of the sanity checks on small untrained models."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.saliency import SaliencyError, deletion_curve, randomized_copy
from tests.saliency.conftest import SIZE, tiny_cnn


def _weights_equal(a: keras.layers.Layer, b: keras.layers.Layer) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def test_randomized_copy_reinitializes_every_learned_layer_and_leaves_the_original():
    model = tiny_cnn()
    original = [w.copy() for w in model.get_weights()]
    copy = randomized_copy(model)
    for name in ("conv1", "last_conv", "predictions"):
        assert not _weights_equal(model.get_layer(name), copy.get_layer(name)), name
    for kept, now in zip(original, model.get_weights()):
        np.testing.assert_array_equal(kept, now)


def test_top_layers_reinitializes_only_the_last_ones():
    model = tiny_cnn()
    copy = randomized_copy(model, top_layers=1)
    assert not _weights_equal(model.get_layer("predictions"), copy.get_layer("predictions"))
    assert _weights_equal(model.get_layer("last_conv"), copy.get_layer("last_conv"))
    assert _weights_equal(model.get_layer("conv1"), copy.get_layer("conv1"))
    with pytest.raises(SaliencyError):
        randomized_copy(model, top_layers=0)


def test_randomized_copy_handles_lambda_and_keeps_normalization_statistics():
    inputs = keras.Input((SIZE, SIZE, 3))
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(np.random.default_rng(0).uniform(0, 255, (8, SIZE, SIZE, 3)).astype(np.float32))
    x = keras.layers.Lambda(lambda t: t * 1.0, name="identity")(norm(inputs))
    x = keras.layers.Conv2D(4, 3, name="conv")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    copy = randomized_copy(model)
    assert _weights_equal(model.get_layer("norm"), copy.get_layer("norm"))
    assert not _weights_equal(model.get_layer("conv"), copy.get_layer("conv"))


def test_deletion_curve_ends_on_the_baseline_image():
    model = tiny_cnn()
    image = np.random.default_rng(0).uniform(0, 255, (SIZE, SIZE, 3)).astype(np.float32)
    saliency = np.random.default_rng(1).random((SIZE, SIZE)).astype(np.float32)
    curve = deletion_curve(model, image, saliency, head="softmax", class_index=0, steps=10)
    assert curve.fractions[0] == 0.0 and curve.fractions[-1] == 1.0 and len(curve.scores) == 11
    intact = model.predict(image[None], verbose=0)[0, 0]
    flat = np.broadcast_to(image.mean(axis=(0, 1)), image.shape)[None]
    assert curve.scores[0] == pytest.approx(intact, abs=1e-5)
    assert curve.scores[-1] == pytest.approx(model.predict(flat, verbose=0)[0, 0], abs=1e-5)
    assert curve.random_scores[-1] == pytest.approx(curve.scores[-1], abs=1e-6)
    assert curve.area == pytest.approx(np.trapezoid(curve.scores, curve.fractions))


def test_deletion_curve_sigmoid_class_zero_is_the_complement():
    model = tiny_cnn("sigmoid")
    image = np.random.default_rng(0).uniform(0, 255, (SIZE, SIZE, 3)).astype(np.float32)
    saliency = np.random.default_rng(1).random((SIZE, SIZE)).astype(np.float32)
    one = deletion_curve(model, image, saliency, head="sigmoid", class_index=1)
    zero = deletion_curve(model, image, saliency, head="sigmoid", class_index=0)
    np.testing.assert_allclose(np.add(one.scores, zero.scores), 1.0, atol=1e-6)
    with pytest.raises(SaliencyError, match="unknown baseline"):
        deletion_curve(model, image, saliency, head="sigmoid", baseline="zeros")  # type: ignore
