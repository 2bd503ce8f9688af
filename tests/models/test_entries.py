"""Every registry entry, built for real at its smallest input: it trains, predicts
probabilities, exposes its Grad-CAM layer, and survives a save/reload in safe mode.

One module-scoped fixture per entry builds, fits, saves and reloads once; the tests then
inspect the result. Application entries (ImageNet architectures) are marked ``slow``.
The training step runs eagerly: tracing a DenseNet201 train step into a graph costs minutes on
a 2-core CPU while an eager step costs seconds, and the layers are the same (graph mode of our
one custom layer is covered in test_preprocessing.py).
"""

from __future__ import annotations

import math

from dataclasses import dataclass

import keras
import numpy as np
import pytest

import models
from models import REGISTRY, ModelEntry, make_loss, make_optimizer
from models.preprocessing import ImagePreprocessing

CONV_TYPES = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)


def _params():
    for name, entry in REGISTRY.items():
        marks = [pytest.mark.slow] if entry.supports_imagenet else []
        yield pytest.param(name, marks=marks, id=name)


@dataclass
class Trained:
    entry: ModelEntry
    model: keras.Model
    n_classes: int
    images: np.ndarray
    loss: float
    head_before: list[np.ndarray]
    probs: np.ndarray
    reloaded: keras.Model
    reloaded_probs: np.ndarray


def _targets(entry: ModelEntry, labels: np.ndarray, n_classes: int) -> np.ndarray:
    if entry.head == "sigmoid":
        return labels.astype("float32")[:, None]
    return np.eye(n_classes, dtype="float32")[labels]


def _call(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Inference by direct call: ``predict`` would trace a graph (minutes for DenseNet201)."""
    return keras.ops.convert_to_numpy(model(images, training=False))


@pytest.fixture(scope="module", params=list(_params()))
def trained(request, tmp_path_factory) -> Trained:
    entry = REGISTRY[request.param]
    size = entry.min_input_size
    # softmax heads are built multi-class (3) to prove n_classes is honoured; sigmoid is binary
    n_classes = 2 if entry.head == "sigmoid" else 3
    # 4 images, not 2: at the minimum input the last stages see 1x1 maps, and BatchNorm
    # statistics over 2 values make one SGD step blow activations up to inf/NaN.
    batch = 4
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
    labels = np.arange(batch) % n_classes

    model = entry.build((size, size, 3), n_classes)
    recipe = entry.recipe("quick")
    model.compile(optimizer=make_optimizer(recipe, steps_per_epoch=1), loss=make_loss(recipe),
                  run_eagerly=True)
    head_before = [w.copy() for w in model.get_layer("predictions").get_weights()]
    history = model.fit(images, _targets(entry, labels, n_classes), batch_size=batch, epochs=1,
                        verbose=0)
    probs = _call(model, images)

    path = tmp_path_factory.mktemp(entry.name) / f"{entry.name}.keras"
    model.save(path)
    reloaded = models.load_model(path, compile=False)  # optimizer reload: test_saving.py
    result = Trained(entry, model, n_classes, images, float(history.history["loss"][0]),
                     head_before, probs, reloaded, _call(reloaded, images))
    yield result
    path.unlink()
    keras.backend.clear_session()


def test_last_conv_layer_exists_and_is_a_conv_layer(trained):
    layer = trained.model.get_layer(trained.entry.last_conv_layer)
    assert isinstance(layer, CONV_TYPES)
    assert len(layer.output.shape) == 4  # a spatial map Grad-CAM can weight


def test_model_is_flat_so_grad_cam_reaches_the_conv_layer(trained):
    model = trained.model
    assert isinstance(model, keras.Model) and not isinstance(model, keras.Sequential)
    assert not [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
    # What Grad-CAM builds: a model from the input to (conv map, prediction). A nested base
    # would fail here with "Graph disconnected".
    conv = model.get_layer(trained.entry.last_conv_layer).output
    grad_model = keras.Model(model.input, [conv, model.output])
    conv_map, probs = grad_model(trained.images[:1], training=False)
    assert conv_map.shape[0] == 1 and probs.shape == (1, trained.probs.shape[1])


def test_first_layer_preprocesses_with_the_entrys_mode(trained):
    first = trained.model.layers[1]
    assert isinstance(first, ImagePreprocessing)
    assert first.mode == trained.entry.preprocessing


def test_one_training_step_updates_the_head(trained):
    assert np.isfinite(trained.loss)
    after = trained.model.get_layer("predictions").get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(after, trained.head_before, strict=True))


def test_outputs_are_float32_probabilities_of_the_right_shape(trained):
    width = 1 if trained.entry.head == "sigmoid" else trained.n_classes
    assert trained.probs.shape == (len(trained.images), width)
    assert trained.model.output.dtype == "float32"
    assert np.all((trained.probs >= 0) & (trained.probs <= 1))
    if trained.entry.head == "softmax":
        assert trained.probs.sum(axis=1) == pytest.approx(np.ones(len(trained.images)), abs=1e-5)


def test_reloaded_model_has_the_same_weights_and_predictions(trained):
    original, reloaded = trained.model.get_weights(), trained.reloaded.get_weights()
    assert len(original) == len(reloaded)
    assert all(np.array_equal(a, b) for a, b in zip(original, reloaded, strict=True))
    assert trained.reloaded_probs == pytest.approx(trained.probs, abs=1e-5)
    assert trained.reloaded.get_layer("preprocessing").mode == trained.entry.preprocessing


@pytest.mark.slow
def test_breakhis_head_matches_the_studys_model_summary():
    """Chiha's Fig. 14: ResNet50 23,587,712 + BatchNorm 8,192 + Dense(2) 4,098 parameters."""
    model = REGISTRY["breakhis_resnet50"].build((32, 32, 3), 2)
    assert model.count_params() == 23_587_712 + 8_192 + 4_098
    keras.backend.clear_session()



def test_output_stays_float32_under_mixed_precision():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = REGISTRY["idc_initial"].build(16, 2)
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.get_layer("block3_sepconv3").compute_dtype == "float16"
    assert model.output.dtype == "float32"
    probs = _call(model, np.full((1, 16, 16, 3), 128.0, "float32"))
    assert probs.dtype == np.float32 and probs.sum() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.filterwarnings("ignore:Please import `zoom`:DeprecationWarning")  # tf-keras-vis
@pytest.mark.parametrize("name, size", [("idc_initial", 50), ("melanoma_cnn_v1", 94)])
def test_tf_keras_vis_grad_cam_runs_on_the_named_layer(name, size):
    """The Grad-CAM page's call. tf-keras-vis does not count SeparableConv2D as a conv layer:
    even given its name it "seeks" onward and fails unless ``seek_penultimate_conv_layer`` is
    False. So: the entry's ``last_conv_layer``, no seeking; BinaryScore for a sigmoid head."""
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
    from tf_keras_vis.utils.scores import BinaryScore, CategoricalScore

    entry = REGISTRY[name]
    keras.utils.set_random_seed(0)
    model = entry.build(size, 2)
    score = BinaryScore(1.0) if entry.head == "sigmoid" else CategoricalScore(1)
    images = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype("float32")
    cam = Gradcam(model, model_modifier=ReplaceToLinear(), clone=True)(
        score, images, penultimate_layer=entry.last_conv_layer,
        seek_penultimate_conv_layer=False)
    assert cam.shape == (1, size, size) and np.isfinite(cam).all()
    assert model.layers[-1].activation.__name__ == entry.head  # clone=True left ours intact


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_declared_feature_stride_is_the_built_networks(name):
    """``feature_stride`` (which bounds the budget planner's smallest input, at a 2x2 last map)
    is the largest power of two within the input/last-map ratio of the real network at 256 px
    (valid convolutions shrink the map a little more than the poolings alone)."""
    entry = REGISTRY[name]
    model = entry.build((256, 256, 3), 2)
    side = model.get_layer(entry.last_conv_layer).output.shape[1]
    assert entry.feature_stride == 2 ** math.floor(math.log2(256 / side))
    assert entry.useful_min_size >= max(entry.min_input_size, 2 * entry.feature_stride)
    keras.backend.clear_session()
