"""Large models explained as two traced graphs give the same maps as the eager model.

``core.saliency.split`` re-wires a model at its CAM layer (ResNet50's cut crosses a skip
connection, DenseNet201's a concatenation, MobileNetV2's neither) to make Grad-CAM and vanilla
gradients fast; the maps must not change, and the caller's model must stay untouched.
"""

from __future__ import annotations

import numpy as np
import pytest
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.saliency import Saliency
from tf_keras_vis.utils.scores import CategoricalScore

from core.saliency import METHODS
from core.saliency.base import is_large
from core.saliency.modifiers import LinearHead
from core.saliency.split import SplitAtLayer, TracedPart
from models.registry import get_entry

SIZE = 64


@pytest.mark.slow
@pytest.mark.parametrize("name", ["breakhis_resnet50", "breakhis_densenet201", "mobilenet_v2"])
@pytest.mark.filterwarnings("error:The structure of `inputs`:UserWarning")
def test_split_model_gives_the_eager_models_maps(name):
    entry = get_entry(name)
    model = entry.build((SIZE, SIZE, 3), 2, weights=None)
    logits = LinearHead()(model)
    split = SplitAtLayer(entry.last_conv_layer)(logits)
    assert any(isinstance(layer, TracedPart) for layer in split.layers)  # really split
    image = np.random.default_rng(1).uniform(0, 255, (1, SIZE, SIZE, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(split([image])), np.asarray(logits([image])),
                               rtol=1e-5, atol=1e-5)

    score = CategoricalScore([1])
    cam = dict(penultimate_layer=entry.last_conv_layer, seek_penultimate_conv_layer=False,
               normalize_cam=False)
    eager_cam = np.asarray(Gradcam(logits, clone=False)(score, image, **cam))
    split_cam = np.asarray(Gradcam(split, clone=False)(score, image, **cam))
    np.testing.assert_allclose(split_cam, eager_cam, rtol=1e-4, atol=1e-6 * eager_cam.max())
    eager_grad = np.asarray(Saliency(logits, clone=False)(score, image, normalize_map=False))
    split_grad = np.asarray(Saliency(split, clone=False)(score, image, normalize_map=False))
    np.testing.assert_allclose(split_grad, eager_grad, rtol=1e-4, atol=1e-6 * eager_grad.max())


@pytest.mark.slow
def test_explainers_trace_large_models_only():
    large = get_entry("breakhis_resnet50")
    small = get_entry("idc_own")
    big_model = large.build((32, 32, 3), 2, weights=None)
    small_model = small.build((50, 50, 3), 2, weights=None)
    assert is_large(big_model) and not is_large(small_model)
    traced = METHODS["gradcam"](big_model, head=large.head,
                                penultimate_layer=large.last_conv_layer)
    assert any(isinstance(layer, TracedPart) for layer in traced.visualizer.model.layers)
    eager = METHODS["gradcam"](small_model, head=small.head,
                               penultimate_layer=small.last_conv_layer)
    assert not any(isinstance(layer, TracedPart) for layer in eager.visualizer.model.layers)


def test_a_graph_that_cannot_be_cut_is_left_as_it_was():
    import keras

    shared = keras.layers.Dense(4, name="shared")
    x = keras.Input((3,))
    h = keras.layers.Dense(4, name="cam")(x)
    out = shared(shared(h))  # one layer called twice: no clean cut
    model = keras.Model(x, out)
    assert SplitAtLayer("cam")(model) is model
