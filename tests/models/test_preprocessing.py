"""The in-model preprocessing layer: each mode's mapping, float32 output, serialization."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from models.preprocessing import ImagePreprocessing

# One pixel per row: black, white, and an RGB colour whose channel order is visible.
PIXELS = np.array([[[[0, 0, 0], [255, 255, 255], [255, 0, 10]]]], dtype="float32")
IMAGENET_MEAN_RGB = np.array([123.68, 116.779, 103.939])  # Keras' caffe constants (BGR reversed)
TORCH_MEAN = np.array([0.485, 0.456, 0.406])
TORCH_STD = np.array([0.229, 0.224, 0.225])


def _apply(mode: str) -> np.ndarray:
    return keras.ops.convert_to_numpy(ImagePreprocessing(mode)(PIXELS))[0, 0]


def test_scale01_divides_by_255():
    assert _apply("scale01") == pytest.approx(PIXELS[0, 0] / 255.0)


def test_tf_mode_maps_to_minus_one_one():
    assert _apply("tf") == pytest.approx(PIXELS[0, 0] / 127.5 - 1.0, abs=1e-6)


def test_caffe_mode_swaps_to_bgr_and_subtracts_the_imagenet_mean():
    expected = (PIXELS[0, 0] - IMAGENET_MEAN_RGB)[:, ::-1]
    assert _apply("caffe") == pytest.approx(expected, abs=1e-3)


def test_torch_mode_standardises_with_imagenet_mean_and_std():
    expected = (PIXELS[0, 0] / 255.0 - TORCH_MEAN) / TORCH_STD
    assert _apply("torch") == pytest.approx(expected, abs=1e-5)


def test_none_mode_leaves_pixels_alone():
    assert _apply("none") == pytest.approx(PIXELS[0, 0])


@pytest.mark.parametrize("mode", ["scale01", "tf", "caffe", "torch", "none"])
def test_every_mode_runs_inside_a_traced_graph(mode):
    """predict() traces the model with tf.function: symbolic tensors, not eager arrays."""
    inputs = keras.Input((1, 3, 3))
    model = keras.Model(inputs, ImagePreprocessing(mode)(inputs))
    traced = model.predict(PIXELS, verbose=0)
    assert traced[0, 0] == pytest.approx(_apply(mode), abs=1e-5)


def test_unknown_mode_is_refused_with_the_allowed_modes():
    with pytest.raises(ValueError, match="'imagenet' is not one of scale01, tf, caffe"):
        ImagePreprocessing("imagenet")


def test_output_stays_float32_under_mixed_precision():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        layer = ImagePreprocessing("caffe")
        out = layer(PIXELS)
    finally:
        keras.config.set_dtype_policy(previous)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


def test_a_saved_model_keeps_the_mode_and_loads_in_safe_mode(tmp_path):
    inputs = keras.Input((1, 3, 3))
    model = keras.Model(inputs, ImagePreprocessing("torch", name="preprocessing")(inputs))
    path = tmp_path / "pre.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert restored.get_layer("preprocessing").mode == "torch"
    assert keras.ops.convert_to_numpy(restored(PIXELS)) == pytest.approx(
        keras.ops.convert_to_numpy(model(PIXELS)))
