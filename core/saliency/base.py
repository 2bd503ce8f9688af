"""The one interface behind every saliency method: ``Explainer``.

An explainer is built once per (model, method) and reused: building wires a logit head onto the
model and constructs the tf-keras-vis visualizer, which is the part worth caching
(``registry.get_explainer``). ``explain`` then does only the per-image work.

Each subclass wraps exactly one tf-keras-vis class and says how to call it; the shared work
(checking inputs, resolving "the predicted class", progress/cancel, normalizing the result) lives
here so that every method behaves the same for the dashboard.
"""

from __future__ import annotations

import inspect
import threading
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Sequence

import keras
import numpy as np
from tf_keras_vis import ModelVisualization
from tf_keras_vis.utils.model_modifiers import ModelModifier
from tf_keras_vis.utils.scores import Score

from core.saliency import heads
from core.saliency.control import ProgressFn, RunControl
from core.saliency.errors import SaliencyError
from core.saliency.modifiers import LinearHead


#: Above this many layers, eager Keras' per-layer Python cost dominates a gradient map
#: (ResNet50, 177 layers at 224 px: ~1.2 s eager, ~0.3-0.6 s traced, measured at load 4-7 on
#: 2 cores), so the fast methods run traced and the first map pays a few seconds of tracing;
#: below it (the IDC and melanoma CNNs, < 30 layers) eager maps already take < 0.1 s.
TRACE_ABOVE_LAYERS = 50


def is_large(model: keras.Model) -> bool:
    return len(model.layers) > TRACE_ABOVE_LAYERS


class Explainer(ABC):
    """Saliency maps for one model and one method.

    ``head`` is "softmax" (K probabilities) or "sigmoid" (one probability, of class 1).
    ``penultimate_layer`` names the conv layer that CAM methods read; it is required for them
    because tf-keras-vis's automatic search misses ``SeparableConv2D`` layers. It is used exactly
    as named, also when it is not a conv layer (e.g. a ResNet block output, an ``Activation``),
    instead of being searched back to the nearest conv. The registry knows each
    architecture's layer (``entry.last_conv_layer``).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    slow: ClassVar[bool] = False  # worth a progress bar and a cancel button
    needs_penultimate_layer: ClassVar[bool] = False
    # Whether the score function only ever sees the unmodified image (see PredictedClassScore).
    scores_clean_input: ClassVar[bool] = True

    def __init__(self, model: keras.Model, *, head: str,
                 penultimate_layer: str | None = None) -> None:
        self.head = head
        self.penultimate_layer = penultimate_layer
        self.input_shape: tuple = tuple(model.inputs[0].shape[1:])
        heads.check_head(head, int(model.outputs[0].shape[-1]))
        self.n_classes = heads.n_classes(head, int(model.outputs[0].shape[-1]))
        if self.needs_penultimate_layer:
            self._check_penultimate_layer(model)
        self.traced = is_large(model)
        self.visualizer = self._make_visualizer(model, self._modifiers())
        self._lock = threading.Lock()  # one map at a time: tf-keras-vis objects keep state

    def _modifiers(self) -> list[ModelModifier]:
        return [LinearHead()]

    @abstractmethod
    def _make_visualizer(self, model: keras.Model,
                         modifiers: list[ModelModifier]) -> ModelVisualization:
        """Construct the wrapped tf-keras-vis object (``clone=False``: LinearHead copies nothing
        the caller owns, see ``modifiers``)."""

    @abstractmethod
    def _compute(self, score: Score, images: np.ndarray, control: RunControl) -> np.ndarray:
        """Raw (B, S, S) map from the tf-keras-vis object, in any non-negative scale. A method's
        options are keyword-only parameters with defaults (see ``options``)."""

    @classmethod
    def options(cls) -> dict[str, Any]:
        """The method's options and their defaults, e.g. {"samples": 20, "noise": 0.2} for
        SmoothGrad: what the Explain page may offer as controls."""
        parameters = inspect.signature(cls._compute).parameters.values()
        return {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY}

    def explain(self, images: np.ndarray, class_index: int | Sequence[int] | None = None, *,
                progress: ProgressFn | None = None, cancel: threading.Event | None = None,
                **params: Any) -> np.ndarray:
        """Maps (B, S, S) float32 in [0, 1], one per image, each scaled to its own min..max.

        ``images``: float32 (B, S, S, 3) RGB in 0..255, the model's own input (the models
        preprocess inside themselves). ``class_index``: the class to explain, one int for all
        images or one per image; None means each image's predicted class. ``params`` are the
        method's own options (see each subclass's ``_compute``). Raises ``SaliencyCancelled``
        when ``cancel`` is set before the map is finished.
        """
        control = RunControl(progress, cancel)
        unknown = sorted(set(params) - set(self.options()))
        if unknown:
            raise SaliencyError(f"{self.label} has no option {unknown[0]!r}; its options are "
                                f"{self.options() or 'none'}")
        batch = self._check_images(images)
        with self._lock:
            control.check()
            score = self._score(batch, class_index)
            raw = self._compute(score, batch, control, **params)
            control.report(1.0)
        return _normalized(raw, batch.shape[1:3])

    def predicted_classes(self, images: np.ndarray) -> list[int]:
        """The model's predicted class per image, read from the logit head."""
        # A one-element list: modifiers build models on ``model.inputs``, a list.
        logits = self.visualizer.model([self._check_images(images)], training=False)
        return heads.predicted_from_logits(np.asarray(logits)[:, -1:] if self._two_logits()
                                           else np.asarray(logits), self.head)

    def _two_logits(self) -> bool:
        return self.head == "sigmoid" and int(self.visualizer.model.outputs[0].shape[-1]) == 2

    def _score(self, images: np.ndarray, class_index: int | Sequence[int] | None) -> Score:
        if class_index is None and self.scores_clean_input:
            return heads.PredictedClassScore(self.head)
        if class_index is None:
            class_index = self.predicted_classes(images)
        targets = heads.target_list(class_index, len(images), self.n_classes)
        if self._two_logits():  # Score-CAM's two-logit view of a sigmoid: a categorical score
            return heads.score_for("softmax", targets)
        return heads.score_for(self.head, targets)

    def _check_images(self, images: np.ndarray) -> np.ndarray:
        batch = np.asarray(images, dtype=np.float32)
        if batch.ndim != 4 or batch.shape[-1] != 3:
            raise SaliencyError(f"expected images of shape (B, S, S, 3), got {batch.shape}")
        expected = tuple(self.input_shape[:2])
        if None not in expected and batch.shape[1:3] != expected:
            raise SaliencyError(f"this model takes {expected[0]}x{expected[1]} px images, got "
                                f"{batch.shape[1]}x{batch.shape[2]}: resize them first")
        return batch

    def _check_penultimate_layer(self, model: keras.Model) -> None:
        if self.penultimate_layer is None:
            raise SaliencyError(f"{self.label} needs penultimate_layer (the registry entry's "
                                "last_conv_layer)")
        try:
            layer = model.get_layer(self.penultimate_layer)
        except ValueError as error:
            raise SaliencyError(f"model {model.name!r} has no layer "
                                f"{self.penultimate_layer!r}") from error
        if len(layer.output.shape) != 4:
            raise SaliencyError(f"layer {self.penultimate_layer!r} outputs shape "
                                f"{layer.output.shape}; {self.label} needs a (B, H, W, C) map")


def _normalized(raw: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Per-image min-max to [0, 1]; a constant map (e.g. Grad-CAM all zero after ReLU) stays 0."""
    maps = np.nan_to_num(np.asarray(raw, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if maps.shape[1:] != tuple(size):
        raise SaliencyError(f"internal: map shape {maps.shape[1:]} != image size {size}")
    # Not tf-keras-vis' ``normalize``: it adds 1e-7 to the range, so a map whose raw values span
    # less than that (a saturated softmax) came out squeezed far below 1 and looked flat.
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (maps - low) / safe, 0.0).astype(np.float32)
