"""Gradient saliency: Vanilla Saliency and SmoothGrad, both tf-keras-vis ``Saliency``.

Vanilla: |d score / d pixel|, max over colour channels (Simonyan et al. 2014). SmoothGrad: the
same gradient averaged over noisy copies of the image (Smilkov et al. 2017); it is the slowest
method (one gradient per noise sample), so it runs in chunks of samples to report progress.
"""

from __future__ import annotations

import keras
import numpy as np
from tf_keras_vis.saliency import Saliency
from tf_keras_vis.utils.model_modifiers import ModelModifier
from tf_keras_vis.utils.scores import Score

from core.saliency.base import Explainer
from core.saliency.control import RunControl
from core.saliency.errors import SaliencyError
from core.saliency.modifiers import LinearHead
from core.saliency.standins import Compile


class _SaliencyExplainer(Explainer):
    def _make_visualizer(self, model: keras.Model,
                         modifiers: list[ModelModifier]) -> Saliency:
        return Saliency(model, model_modifier=modifiers, clone=False)


class VanillaSaliency(_SaliencyExplainer):
    """Pixel-level gradients: sharp but noisy; cheap (one backward pass). A large model runs
    as one traced graph (see ``base.TRACE_ABOVE_LAYERS``): the gradient is w.r.t. the input."""

    name = "vanilla"
    label = "Vanilla gradients"

    def _modifiers(self) -> list[ModelModifier]:
        return [LinearHead(), Compile()] if self.traced else [LinearHead()]

    def _compute(self, score: Score, images: np.ndarray, control: RunControl) -> np.ndarray:
        return np.asarray(self.visualizer(score, images, normalize_map=False))


class SmoothGrad(_SaliencyExplainer):
    """Gradients averaged over noisy copies of the image: less noise, ``samples`` times the cost.

    ``samples``: number of noisy copies (20 is the paper's default). ``noise``: noise standard
    deviation as a fraction of each image's value range (0.2 as in tf-keras-vis). ``chunk``:
    samples per tf-keras-vis call, i.e. how often progress is reported and cancel checked.
    Chunks are averaged with their channels kept and the max over channels taken at the end,
    so the result equals one tf-keras-vis call with ``smooth_samples=samples``.
    """

    name = "smoothgrad"
    label = "SmoothGrad"
    slow = True
    scores_clean_input = False

    def _modifiers(self) -> list[ModelModifier]:
        # One gradient per sample: tracing the forward pass once (seconds, on the first map)
        # pays for itself within that map, whatever the model's size.
        return [LinearHead(), Compile()]

    def _compute(self, score: Score, images: np.ndarray, control: RunControl, *,
                 samples: int = 20, noise: float = 0.20, chunk: int = 4) -> np.ndarray:
        if samples < 1 or chunk < 1:
            raise SaliencyError(f"samples and chunk must be >= 1, got {samples} and {chunk}")
        total = np.zeros(images.shape, dtype=np.float64)
        done = 0
        while done < samples:
            n = min(chunk, samples - done)
            mean_grads = self.visualizer(score, images, smooth_samples=n, smooth_noise=noise,
                                         keepdims=True, normalize_map=False)
            total += np.asarray(mean_grads, dtype=np.float64) * n
            done += n
            control.report(done / samples)
        return np.max(total / samples, axis=-1)
