"""What the Explain page computes, with no Streamlit in it: predictions, maps, sanity checks.

Why a separate, Streamlit-free module: the page and its widgets only lay things out; every number
they show comes from here, and here only from the real model (``model.predict`` on exactly what
the training pipeline would feed it, ``resize_for_model``) and from ``core.saliency``. Nothing in
this file imports Streamlit, so it can move to ``core/`` unchanged and is tested without a server.

Probabilities follow the model's head (``record["model"]["head"]``): a softmax gives one column
per class; a sigmoid gives P(class 1), so class 0 is ``1 - p``. The score that the decision
threshold applies to is the probability of the record's ``positive_index`` (the sigmoid output
itself for the usual binary task), and the rule is Lesionlab's everywhere: positive when
``score >= threshold``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from core.datasets.images import resize_for_model
from core.datasets.reduced import pixel_digest

ProgressFn = Callable[[float], None]


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
    def from_record(cls, run_id: str, label: str, record: Mapping[str, Any]) -> RunModel:
        model = record["model"]
        positive = record.get("positive_index")
        return cls(run_id=run_id, label=label, class_names=tuple(record["class_names"]),
                   positive_index=None if positive is None else int(positive),
                   head=str(model["head"]), last_conv_layer=model.get("last_conv_layer"),
                   input_size=int(model["input_size"]), title=str(model.get("title") or ""),
                   synthetic_data=bool(record.get("synthetic_data")))

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


def decide(score: float | None, threshold: float | None) -> bool | None:
    """Positive when ``score >= threshold`` (the project's rule); None when not applicable."""
    if score is None or threshold is None:
        return None
    return bool(score >= threshold)


def decision_text(run: RunModel, prediction: Prediction, threshold: float | None) -> str:
    """The call at the threshold in words, naming the class, e.g. "malignant (0.83 >= 0.41)"."""
    score = prediction.score(run.positive_index)
    call = decide(score, threshold)
    if call is None:
        return "no threshold (multiclass run): " + run.class_names[prediction.predicted]
    negative = [n for i, n in enumerate(run.class_names) if i != run.positive_index]
    name = run.positive_class if call else " / ".join(negative)
    sign = ">=" if call else "<"
    return f"{name} ({score:.3f} {sign} {threshold:.3f})"


# --- saliency --------------------------------------------------------------------------------


def method_label(method: str) -> str:
    from core.saliency import METHODS

    return METHODS[method].label


def explain(model: Any, run: RunModel, method: str, model_input: np.ndarray, class_index: int,
            options: Mapping[str, Any], *, progress: ProgressFn | None = None,
            cancel: threading.Event | None = None) -> np.ndarray:
    """One (S, S) map in [0, 1] from the cached explainer (built once per model and method)."""
    from core.saliency import get_explainer

    explainer = get_explainer(model, method, head=run.head,
                              penultimate_layer=run.last_conv_layer)
    return explainer.explain(model_input[None], class_index, progress=progress, cancel=cancel,
                             **dict(options))[0]


@dataclass(frozen=True, eq=False)
class Sanity:
    """Both sanity checks of one map: model randomization and deletion."""

    method: str
    class_index: int
    rank_correlation: float  # NaN: one map was flat, i.e. it changed completely
    passes_randomization: bool
    deletion: Any  # core.saliency.DeletionCurve

    @property
    def randomization_words(self) -> str:
        return randomization_words(self.rank_correlation, self.passes_randomization)

    @property
    def deletion_words(self) -> str:
        return deletion_words(self.deletion)


def sanity_check(model: Any, run: RunModel, method: str, model_input: np.ndarray,
                 saliency_map: np.ndarray, class_index: int, options: Mapping[str, Any], *,
                 progress: ProgressFn | None = None,
                 cancel: threading.Event | None = None) -> Sanity:
    """Randomization test (every learned layer re-initialized) and deletion curve of one map.

    The randomization test explains the image again with the trained and a randomized copy of
    the model (two maps: ``progress`` runs 0..1 over both).
    """
    from core.saliency import deletion_curve, randomization_check

    check = randomization_check(model, model_input[None], method=method, head=run.head,
                                penultimate_layer=run.last_conv_layer,
                                class_index=[class_index], progress=_two_phases(progress),
                                cancel=cancel, **dict(options))
    curve = deletion_curve(model, model_input, saliency_map, head=run.head,
                           class_index=class_index)
    return Sanity(method=method, class_index=class_index,
                  rank_correlation=float(check.rank_correlations[0]),
                  passes_randomization=check.passes(), deletion=curve)


def _two_phases(progress: ProgressFn | None) -> ProgressFn | None:
    """Report two successive 0..1 runs (trained map, then randomized map) as one 0..1 run."""
    if progress is None:
        return None
    state = {"phase": 0, "last": 0.0}

    def report(fraction: float) -> None:
        if fraction < state["last"] and state["phase"] == 0:
            state["phase"] = 1
        state["last"] = fraction
        progress((state["phase"] + fraction) / 2.0)

    return report


def randomization_words(correlation: float, passes: bool) -> str:
    """What the rank correlation means, in plain words, for a reader who is not an ML expert."""
    if not np.isfinite(correlation):
        return ("Randomized model: one of the two maps is flat, so the map changed completely "
                "when the learned weights were replaced by random ones. Passes.")
    if passes:
        return (f"Randomized model: rank correlation {correlation:.2f}. The map changed when the "
                "learned weights were replaced by random ones, so it depends on what the model "
                "learned. Passes.")
    return (f"Randomized model: rank correlation {correlation:.2f} (high). The map barely changed "
            "when the learned weights were replaced by random ones: it does not depend on what "
            "the model learned and mostly shows the image itself (edges, bright or dark spots). "
            "Do not read it as the model's reasoning.")


#: Deletion areas closer than this count as equal: they are shown to 3 decimals, and a
#: 20-step curve cannot resolve finer differences.
DELETION_MARGIN = 0.01
#: A model whose probability moves less than this while every pixel is removed ignores the image.
FLAT_CURVE = 0.01


def deletion_verdict(curve: Any) -> str:
    """"faster", "same", "slower" than the random order, or "flat" (the probability never
    moves, so no map can point at evidence)."""
    if (max(curve.scores) - min(curve.scores) < FLAT_CURVE
            and max(curve.random_scores) - min(curve.random_scores) < FLAT_CURVE):
        return "flat"
    if curve.area < curve.random_area - DELETION_MARGIN:
        return "faster"
    if curve.area > curve.random_area + DELETION_MARGIN:
        return "slower"
    return "same"


def deletion_words(curve: Any) -> str:
    """The deletion area in plain words (lower is better, compared with a random order)."""
    verdict = {
        "faster": "the probability falls faster than when random pixels are removed, so the "
                  "map points at evidence the model uses",
        "same": "the probability falls no faster than when random pixels are removed, so the "
                "map does not point at the evidence the model uses",
        "slower": "the probability falls more slowly than when random pixels are removed: the "
                  "map points away from the evidence the model uses",
        "flat": "the probability hardly changes even when every pixel is gone: this model's "
                "output does not depend on the image, so no map can show evidence",
    }[deletion_verdict(curve)]
    return (f"Deletion: area {curve.area:.3f} (random order {curve.random_area:.3f}; lower is "
            f"better). Removing the most salient pixels first, {verdict}.")
