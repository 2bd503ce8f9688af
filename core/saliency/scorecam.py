"""Score-CAM, run as Faster-Score-CAM (tf-keras-vis ``Scorecam`` with ``max_N``).

Gradient free: each of the ``max_n`` most varied channels of the penultimate layer becomes a mask
over the image, and the channel is weighted by the class probability of the masked image. That is
``max_n`` forward passes per image, so the masked batch is predicted in chunks, reporting progress
and checking cancel between chunks.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from tf_keras_vis.scorecam import Scorecam
from tf_keras_vis.utils.model_modifiers import ModelModifier
from tf_keras_vis.utils.scores import Score

from core.saliency.base import Explainer
from core.saliency.control import RunControl
from core.saliency.errors import SaliencyError
from core.saliency.modifiers import LinearHead, TwoClassLogits


class _ChunkedPredict:
    """Stands in for the Keras model inside tf-keras-vis's ``Scorecam``.

    ``Scorecam`` predicts all masked images in one ``model.predict`` call and offers no hook;
    this proxy is the same model (every attribute is forwarded), except that ``predict`` runs the
    batch in chunks and reports through ``control``. The forward pass is an eager call: unlike
    ``predict`` it does not trace a graph first, which costs seconds on a large model.
    """

    def __init__(self, model: keras.Model) -> None:
        self._model = model
        self.control = RunControl()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._model(*args, **kwargs)

    def predict(self, x: Any, batch_size: int = 32, **_: Any) -> np.ndarray:
        batch = x[0] if isinstance(x, list) else x
        parts = []
        for start in range(0, len(batch), batch_size):
            self.control.check()
            chunk = [batch[start:start + batch_size]]  # a list, like the model's inputs
            parts.append(np.asarray(self._model(chunk, training=False)))
            self.control.report(0.05 + 0.9 * min(start + batch_size, len(batch)) / len(batch))
        return np.concatenate(parts, axis=0)


class ScoreCAM(Explainer):
    """Faster-Score-CAM (Wang et al. 2020; max_N variant by tabayashi0117)."""

    name = "scorecam"
    label = "Score-CAM (faster)"
    slow = True
    needs_penultimate_layer = True
    scores_clean_input = False

    def _modifiers(self) -> list[ModelModifier]:
        # Score-CAM softmaxes the output itself: give it logits, and two of them for a sigmoid.
        return [LinearHead(), TwoClassLogits()] if self.head == "sigmoid" else [LinearHead()]

    def _make_visualizer(self, model: keras.Model, modifiers: list[ModelModifier]) -> Scorecam:
        visualizer = Scorecam(model, model_modifier=modifiers, clone=False)
        visualizer.model = _ChunkedPredict(visualizer.model)
        return visualizer

    def _compute(self, score: Score, images: np.ndarray, control: RunControl, *,
                 max_n: int | None = 64, batch_size: int = 32) -> np.ndarray:
        """``max_n``: channels used (None = all, i.e. plain Score-CAM); ``batch_size``: masked
        images per forward pass, i.e. how often progress is reported."""
        channels = int(self.visualizer.model.get_layer(self.penultimate_layer).output.shape[-1])
        if max_n is not None and max_n < 1:
            raise SaliencyError(f"max_n must be >= 1 or None, got {max_n}")
        n = channels if max_n is None else min(max_n, channels)
        self.visualizer.model.control = control
        try:
            return np.asarray(self.visualizer(score, images,
                                              penultimate_layer=self.penultimate_layer,
                                              seek_penultimate_conv_layer=False, max_N=n,
                                              batch_size=batch_size, normalize_cam=False))
        finally:
            self.visualizer.model.control = RunControl()
