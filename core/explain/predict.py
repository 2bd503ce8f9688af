"""One image through one run's model: the probabilities, the model's call, and the call at a
decision threshold, in words.

Why here and only from the real model: every number the Explain page shows comes from
``model.predict`` on exactly what the training pipeline would feed the model
(``resize_for_model``). Probabilities follow the model's head (``record["model"]["head"]``): a
softmax gives one column per class; a sigmoid gives P(class 1), so class 0 is ``1 - p``. The
score the decision threshold applies to is the probability of the record's ``positive_index``
(the sigmoid output itself for the usual binary task), decided by the project's one rule,
:func:`core.evaluation.decide`, and the other side is named by
:func:`core.evaluation.negative_class_name`, as on every other page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from core.datasets.images import resize_for_model
from core.datasets.reduced import pixel_digest
from core.evaluation.decision import decide, negative_class_name
from core.store.record import RunRecord

__all__ = ["Prediction", "RunModel", "class_probabilities", "decision_text", "image_digest",
           "model_inputs", "predict"]


@dataclass(frozen=True)
class RunModel:
    """What the page needs to know about one run's model, read from its stored record."""

    run_id: str
    label: str
    class_names: tuple[str, ...]
    positive_index: int | None  # None for a multiclass task without a positive class
    head: str  # "softmax" | "sigmoid"
    last_conv_layer: str | None
    input_size: int
    title: str
    synthetic_data: bool

    @classmethod
    def from_record(cls, run_id: str, label: str,
                    record: RunRecord | Mapping[str, Any]) -> RunModel:
        """From the run's record (its typed view, or the stored dict); a record without a
        model head or input size cannot be explained and raises ``ValueError`` naming it."""
        view = RunRecord.of(record)
        model = view.model
        if model.head is None or model.input_size is None:
            raise ValueError(f"run {run_id} has no model head or input size in its record")
        positive = view.positive_index
        return cls(run_id=run_id, label=label, class_names=view.class_names,
                   positive_index=None if positive is None else int(positive),
                   head=str(model.head), last_conv_layer=model.last_conv_layer,
                   input_size=int(model.input_size), title=str(model.title or ""),
                   synthetic_data=view.synthetic_data)

    @property
    def positive_class(self) -> str | None:
        return None if self.positive_index is None else self.class_names[self.positive_index]


@dataclass(frozen=True, eq=False)
class Prediction:
    """One model's output on one image, and the input it was computed on."""

    probabilities: tuple[float, ...]  # one per class, in the record's class order
    predicted: int  # the model's own call (argmax; a sigmoid says class 1 when p > 0.5)
    model_input: np.ndarray  # float32 (S, S, 3) 0..255: what the model saw

    @property
    def probability(self) -> float:
        """Probability of the predicted class."""
        return self.probabilities[self.predicted]

    def score(self, positive_index: int | None) -> float | None:
        """The thresholded score: probability of the positive class (None without one)."""
        return None if positive_index is None else self.probabilities[positive_index]


#: Content key of a decoded image (its shape and pixels), for the page's result cache.
image_digest = pixel_digest


def model_inputs(run: RunModel, images: Sequence[np.ndarray]) -> np.ndarray:
    """(B, S, S, 3) float32: each image as the training pipeline would feed this model."""
    return np.stack([resize_for_model(image, run.input_size) for image in images])


def class_probabilities(raw: np.ndarray, head: str, n_classes: int) -> np.ndarray:
    """(B, K) probabilities from a model's output: a sigmoid's p becomes (1 - p, p)."""
    raw = np.asarray(raw, dtype=np.float64)
    if head == "sigmoid":
        p = raw.reshape(-1)
        return np.stack([1.0 - p, p], axis=1)
    if raw.ndim != 2 or raw.shape[1] != n_classes:
        raise ValueError(f"the model outputs shape {raw.shape}, its record lists {n_classes} "
                         "classes")
    return raw


def predict(model: Any, run: RunModel, images: Sequence[np.ndarray]) -> list[Prediction]:
    """The model's predictions for decoded (H, W, 3) uint8 images, in one ``predict`` call."""
    from core.saliency import heads  # TensorFlow import deferred to the first prediction

    inputs = model_inputs(run, images)
    raw = model.predict(inputs, verbose=0)
    probs = class_probabilities(raw, run.head, len(run.class_names))
    predicted = heads.predicted_from_probabilities(raw, run.head)
    return [Prediction(tuple(float(p) for p in row), int(c), x)
            for row, c, x in zip(probs, predicted, inputs)]


def decision_text(run: RunModel, prediction: Prediction, threshold: float | None) -> str:
    """The call at the threshold in words, naming the class, e.g. "malignant (0.83 >= 0.41)"."""
    score = prediction.score(run.positive_index)
    call = decide(score, threshold)
    if call is None:
        return "no threshold (multiclass run): " + run.class_names[prediction.predicted]
    name = (run.positive_class if call
            else negative_class_name(run.class_names, run.positive_index))
    sign = ">=" if call else "<"
    return f"{name} ({score:.3f} {sign} {threshold:.3f})"
