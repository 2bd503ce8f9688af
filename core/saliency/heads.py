"""What "the score of class c" means for each kind of classifier head.

Registry models end in either a K-way softmax or a single sigmoid that gives the probability of
class 1. The explainers run on a copy of the model whose head outputs logits (see
``modifiers.LinearHead``), because gradients of a saturated softmax/sigmoid vanish. On logits:

* softmax: class c's score is logit c (``CategoricalScore``);
* sigmoid: class 1's score is the logit z, and class 0's is -z, the logit of 1 - p
  (``BinaryScore(False)`` multiplies by -1). Both are tf-keras-vis score classes.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import tensorflow as tf
from tf_keras_vis.utils.scores import BinaryScore, CategoricalScore, Score

from core.saliency.errors import SaliencyError

Head = Literal["softmax", "sigmoid"]
HEADS: tuple[str, ...] = ("softmax", "sigmoid")
ClassIndex = int | Sequence[int] | None


def check_head(head: str, n_outputs: int) -> None:
    """Refuse a head that does not match the model's output width: the scores would be wrong."""
    if head not in HEADS:
        raise SaliencyError(f"unknown head {head!r}; expected one of {HEADS}")
    if head == "sigmoid" and n_outputs != 1:
        raise SaliencyError(f"a sigmoid head has 1 output, this model has {n_outputs}")
    if head == "softmax" and n_outputs < 2:
        raise SaliencyError(f"a softmax head has 2 or more outputs, this model has {n_outputs}")


def n_classes(head: str, n_outputs: int) -> int:
    return 2 if head == "sigmoid" else n_outputs


def target_list(class_index: int | Sequence[int], batch: int, n_cls: int) -> list[int]:
    """One class per image: an int applies to every image, a sequence gives one per image."""
    targets = [int(class_index)] * batch if np.ndim(class_index) == 0 else \
        [int(c) for c in class_index]  # type: ignore[union-attr]
    if len(targets) != batch:
        raise SaliencyError(f"{len(targets)} class indices for {batch} images")
    bad = [c for c in targets if not 0 <= c < n_cls]
    if bad:
        raise SaliencyError(f"class index {bad[0]} out of range for {n_cls} classes")
    return targets


def score_for(head: str, targets: list[int]) -> Score:
    """The tf-keras-vis score that selects each image's class from the logits."""
    if head == "sigmoid":
        return BinaryScore([c == 1 for c in targets])
    return CategoricalScore(targets)


class PredictedClassScore(Score):
    """Score of whichever class the model predicts, chosen inside the score function.

    Gradient methods see the unmodified image, so the argmax can be taken on the same forward
    pass that the gradient needs: this saves one forward pass (~0.25 s for ResNet50 at 224 px).
    Not for methods that score perturbed inputs (SmoothGrad, Score-CAM): there the prediction
    may flip from one perturbation to the next.
    """

    def __init__(self, head: str) -> None:
        super().__init__("PredictedClassScore")
        self.head = head

    def __call__(self, output: tf.Tensor) -> tf.Tensor:
        if self.head == "sigmoid":
            return tf.abs(tf.reshape(output, (-1,)))  # z if z > 0 (class 1), else -z (class 0)
        return tf.gather(output, tf.argmax(output, axis=-1), axis=-1, batch_dims=1)


def predicted_from_logits(logits: np.ndarray, head: str) -> list[int]:
    """Predicted class per image from the logit head (same argmax as the probability head)."""
    logits = np.asarray(logits)
    if head == "sigmoid":
        return [int(z > 0) for z in logits.reshape(-1)]
    return [int(i) for i in np.argmax(logits, axis=-1)]


def class_probability(probs: np.ndarray, head: str, class_index: int) -> np.ndarray:
    """Probability of ``class_index`` per row from the caller's (probability) model output."""
    probs = np.asarray(probs, dtype=np.float64)
    if head == "sigmoid":
        p1 = probs.reshape(-1)
        return p1 if class_index == 1 else 1.0 - p1
    return probs[:, class_index]


def predicted_from_probabilities(probs: np.ndarray, head: str) -> list[int]:
    """Predicted class per row of the caller's model output (probabilities)."""
    probs = np.asarray(probs)
    if head == "sigmoid":
        return [int(p > 0.5) for p in probs.reshape(-1)]
    return [int(i) for i in np.argmax(probs, axis=-1)]
