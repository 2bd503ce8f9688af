"""Which warnings belong on a prediction: is this image, or this model, far from what it learned?

Why on the prediction itself: a call on an image unlike the training images, or from a model
that never saw a patient, looks exactly as confident as any other call. The sanity checks of
the saliency maps are optional and say nothing about this; the Explain page shows these
sentences beside the call (``dashboard/explain/predictions.py``). This module decides which
apply, from the run's record (:class:`~core.store.record.RunRecord`) and the input's size:

* **size class**: the input's long side is :data:`SIZE_FACTOR` times larger or smaller than
  the training images' typical (median) long side. Training resizes every image to the model's
  square input, so a 3000 px photograph of a slide shows tissue at another scale than the
  50 px patches the model learned from.
* **shape**: the input's width:height differs from the training images' median by more than
  :data:`ASPECT_FACTOR`. The resize does not keep the aspect ratio
  (:func:`core.datasets.images.resize_tensor`), so the image is distorted differently.
* **synthetic**: the run trained on generated demo data.
* **from scratch**: the run started from random weights (stronger when the architecture can
  start from ImageNet weights, as transfer-learning studies do).

A record written before training recorded image sizes (``data.image_size`` is ``None``) gets
no size or shape warning: nothing is claimed that the record cannot support.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.store.record import RunRecord

__all__ = ["ASPECT_FACTOR", "SIZE_FACTOR", "InputWarning", "input_warnings", "shape_words"]

#: Long sides this many times apart are another size class (3: 50 px patch vs 150 px crop).
SIZE_FACTOR = 3.0
#: Width:height ratios this many times apart are another shape (1.3: 4:3 vs square).
ASPECT_FACTOR = 1.3


@dataclass(frozen=True)
class InputWarning:
    """One sentence for the prediction card; ``kind`` names the rule (for tests and styling)."""

    kind: str  # "size" | "shape" | "synthetic" | "scratch"
    text: str


def shape_words(aspect: float) -> str:
    """Width / height in words: portrait, landscape, or about square."""
    if aspect < 0.8:
        return "taller than wide"
    if aspect > 1.25:
        return "wider than tall"
    return "about square"


def input_warnings(record: RunRecord, width: int, height: int) -> tuple[InputWarning, ...]:
    """The warnings that apply to this run's call on an image of ``width`` x ``height`` px,
    in the order the card shows them: the image first, then the model."""
    found = [_size(record, width, height), _shape(record, width, height),
             _synthetic(record), _scratch(record)]
    return tuple(w for w in found if w is not None)


def _size(record: RunRecord, width: int, height: int) -> InputWarning | None:
    typical = record.data.image_size
    if typical is None or width <= 0 or height <= 0:
        return None
    ratio = max(width, height) / max(typical.median_width, typical.median_height)
    if 1.0 / SIZE_FACTOR < ratio < SIZE_FACTOR:
        return None
    factor, direction = (ratio, "larger") if ratio >= 1 else (1.0 / ratio, "smaller")
    side = record.model.input_size
    resized = f" once resized to the model's {side}x{side} px input" if side else ""
    return InputWarning("size", (
        f"Another size class: this image is {width}x{height} px, about {factor:.0f} times "
        f"{direction} than the images this model trained on (typically "
        f"{typical.median_width:.0f}x{typical.median_height:.0f} px). Its content appears at "
        f"another scale{resized}, so the call may not carry over."))


def _shape(record: RunRecord, width: int, height: int) -> InputWarning | None:
    typical = record.data.image_size
    if typical is None or width <= 0 or height <= 0:
        return None
    aspect, trained = width / height, typical.median_aspect
    if 1.0 / ASPECT_FACTOR < aspect / trained < ASPECT_FACTOR:
        return None
    return InputWarning("shape", (
        f"Another shape: this image is {shape_words(aspect)} (width:height {aspect:.2f}), the "
        f"training images are {shape_words(trained)} ({trained:.2f}). Every image is "
        "stretched to a square without keeping its shape, so this one is distorted "
        "differently from anything the model saw."))


def _synthetic(record: RunRecord) -> InputWarning | None:
    if not record.synthetic_data:
        return None
    return InputWarning("synthetic", (
        "Trained on SYNTHETIC demo data (generated patterns, not patients): this call says "
        "nothing about real tissue."))


def _scratch(record: RunRecord) -> InputWarning | None:
    if record.weights.used != "random":
        return None
    count = sum(int(n) for n in record.data.split_counts("train").values())
    learned = f"its {count} training images" if count else "its training images"
    if record.model.supports_imagenet:
        text = (f"Trained from random initial weights, although this architecture can start "
                f"from ImageNet weights as transfer-learning studies do: it learned only from "
                f"{learned}, so an image unlike them is a weaker bet.")
    else:
        text = (f"Trained from scratch (random initial weights): it knows only what {learned} "
                "show.")
    note = record.weights.note
    return InputWarning("scratch", f"{text} ({note})" if note else text)
