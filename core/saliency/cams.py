"""Class activation maps from gradients: Grad-CAM and Grad-CAM++ (tf-keras-vis classes).

Both weight the channels of the penultimate conv layer by the class score's gradient and upsample
the weighted sum to the image size: coarse (one cell per conv-grid position) but class specific.
Grad-CAM++ weights the gradients by higher-order terms, which helps when a class appears in
several places. The penultimate layer is used exactly as named (``seek_penultimate_conv_layer``
off), because the block output of a ResNet is an ``Activation``, not a conv layer. Large models
are split at that layer into two traced graphs (``core.saliency.split``): same maps, faster.
"""

from __future__ import annotations

import keras
import numpy as np
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
from tf_keras_vis.utils.model_modifiers import ModelModifier
from tf_keras_vis.utils.scores import Score

from core.saliency.base import Explainer
from core.saliency.control import RunControl
from core.saliency.modifiers import LinearHead
from core.saliency.split import SplitAtLayer


class GradCAM(Explainer):
    """Grad-CAM (Selvaraju et al. 2017)."""

    name = "gradcam"
    label = "Grad-CAM"
    needs_penultimate_layer = True
    visualizer_class: type[Gradcam] = Gradcam

    def _modifiers(self) -> list[ModelModifier]:
        # A large model runs as two traced graphs meeting at the CAM layer, whose output the
        # gradient is taken against (see ``split``); a small one stays eager.
        if self.traced:
            return [LinearHead(), SplitAtLayer(self.penultimate_layer)]
        return [LinearHead()]

    def _make_visualizer(self, model: keras.Model, modifiers: list[ModelModifier]) -> Gradcam:
        return self.visualizer_class(model, model_modifier=modifiers, clone=False)

    def _compute(self, score: Score, images: np.ndarray, control: RunControl) -> np.ndarray:
        return np.asarray(self.visualizer(score, images, penultimate_layer=self.penultimate_layer,
                                          seek_penultimate_conv_layer=False,
                                          normalize_cam=False))


class GradCAMPlusPlus(GradCAM):
    """Grad-CAM++ (Chattopadhyay et al. 2018)."""

    name = "gradcam++"
    label = "Grad-CAM++"
    visualizer_class = GradcamPlusPlus
