"""Score-CAM, run as Faster-Score-CAM (tf-keras-vis ``Scorecam`` with ``max_N``).

Gradient free: each of the ``max_n`` most varied channels of the penultimate layer becomes a mask
over the image, and the channel is weighted by the class probability of the masked image. That is
``max_n`` forward passes per image, so the masked batch is predicted in chunks, reporting progress
and checking cancel between chunks (``standins.ChunkedPredictModel``).
"""

from __future__ import annotations

import keras
import numpy as np
from tf_keras_vis.scorecam import Scorecam
from tf_keras_vis.utils.model_modifiers import ModelModifier
from tf_keras_vis.utils.scores import Score

from core.saliency.base import Explainer
from core.saliency.control import RunControl
from core.saliency.errors import SaliencyError
from core.saliency.modifiers import LinearHead, TwoClassLogits
from core.saliency.standins import ChunkedPredictModel, Compile


class ScoreCAM(Explainer):
    """Faster-Score-CAM (Wang et al. 2020; max_N variant by tabayashi0117)."""

    name = "scorecam"
    label = "Score-CAM (faster)"
    slow = True
    needs_penultimate_layer = True
    scores_clean_input = False

    def _modifiers(self) -> list[ModelModifier]:
        # Score-CAM softmaxes the output itself: give it logits, and two of them for a sigmoid.
        logits = [LinearHead(), TwoClassLogits()] if self.head == "sigmoid" else [LinearHead()]
        return [*logits, Compile(ChunkedPredictModel)]

    def _make_visualizer(self, model: keras.Model, modifiers: list[ModelModifier]) -> Scorecam:
        return Scorecam(model, model_modifier=modifiers, clone=False)

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
