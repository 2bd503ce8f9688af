"""Stand-ins for the Keras model inside tf-keras-vis objects: same model, faster or observable.

tf-keras-vis calls its model eagerly, and Keras 3 runs an eager call layer by layer in Python:
a gradient through ResNet50 at 224 px takes about 4x longer eagerly than as one traced graph,
and 5x longer for the small IDC net (measured, benchmarks/saliency_speed.py). A ``ModelModifier``
may return any object that behaves like the model, so these stand-ins forward every attribute
(``inputs``, ``outputs``, ``layers``...) to the real model and change only how it is run. The
gradient tape still sees the whole forward pass (a traced function is differentiable), so the
tf-keras-vis algorithms are unchanged.

Tracing costs seconds once per explainer (about 3 s for the IDC net and 10-25 s for ResNet50 at
224 px on a busy 2-core machine), so the multi-pass methods use it (SmoothGrad: one gradient per
noise sample; Score-CAM: one forward pass per mask: they recover it within their first map), and
vanilla gradients only on large models (``base.TRACE_ABOVE_LAYERS``).

Not usable for Grad-CAM/Grad-CAM++: the gradient with respect to the penultimate layer's output
needs that tensor outside the traced call; ``core.saliency.split`` cuts the model there instead.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tf_keras_vis.utils.model_modifiers import ModelModifier

from core.saliency.control import RunControl


class CompiledModel:
    """The model with its inference forward pass traced once (first call) and reused."""

    def __init__(self, model: keras.Model) -> None:
        self._model = model
        spec = tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32)
        self._forward = tf.function(lambda x: model([x], training=False), input_signature=[spec])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def __call__(self, inputs: Any, training: bool = False, **_: Any) -> tf.Tensor:
        if training:
            raise ValueError("saliency maps are computed in inference mode only")
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return self._forward(tf.convert_to_tensor(x, tf.float32))


class ChunkedPredictModel(CompiledModel):
    """For tf-keras-vis's ``Scorecam``, which predicts all masked images in one ``predict``
    call and offers no hook: ``predict`` runs the batch in chunks, reporting progress and
    checking cancel through ``control`` (set by the explainer for the duration of one map)."""

    def __init__(self, model: keras.Model) -> None:
        super().__init__(model)
        self.control = RunControl()

    def predict(self, x: Any, batch_size: int = 32, **_: Any) -> np.ndarray:
        batch = x[0] if isinstance(x, (list, tuple)) else x
        parts = []
        for start in range(0, len(batch), batch_size):
            self.control.check()
            parts.append(np.asarray(self(batch[start:start + batch_size])))
            self.control.report(0.05 + 0.9 * min(start + batch_size, len(batch)) / len(batch))
        return np.concatenate(parts, axis=0)


class Compile(ModelModifier):
    """Model modifier: replace the model by its ``CompiledModel`` stand-in (apply last)."""

    def __init__(self, standin: type[CompiledModel] = CompiledModel) -> None:
        self.standin = standin

    def __call__(self, model: keras.Model) -> CompiledModel:
        return self.standin(model)
