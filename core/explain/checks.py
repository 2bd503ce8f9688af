"""Saliency maps of one image and the two sanity checks that say whether a map can be read.

Why a module above ``core.saliency``: the Explain page needs a map for *one* model input and
class, with progress and Stop, and both checks of that map with their verdicts in plain words
for a reader who is not an ML expert. ``core.saliency`` computes; this module calls it the way
the page does, and the words say what :attr:`core.saliency.DeletionCurve.verdict` (the one
deletion verdict) and the randomization test found. TensorFlow is imported on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from core.explain.predict import RunModel

if TYPE_CHECKING:  # core.saliency imports TensorFlow
    from core.saliency import DeletionCurve

__all__ = ["DELETION_VERDICT_WORDS", "ProgressFn", "Sanity", "deletion_words", "explain",
           "randomization_words", "sanity_check"]

ProgressFn = Callable[[float], None]


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
    deletion: DeletionCurve

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


#: What each deletion verdict (:attr:`core.saliency.DeletionCurve.verdict`) means, in words.
DELETION_VERDICT_WORDS = {
    "faster": "the probability falls faster than when random pixels are removed, so the "
              "map points at evidence the model uses",
    "same": "the probability falls no faster than when random pixels are removed, so the "
            "map does not point at the evidence the model uses",
    "slower": "the probability falls more slowly than when random pixels are removed: the "
              "map points away from the evidence the model uses",
    "flat": "the probability hardly changes even when every pixel is gone: this model's "
            "output does not depend on the image, so no map can show evidence",
}


def deletion_words(curve: DeletionCurve) -> str:
    """The deletion area in plain words (lower is better, compared with a random order)."""
    return (f"Deletion: area {curve.area:.3f} (random order {curve.random_area:.3f}; lower is "
            f"better). Removing the most salient pixels first, "
            f"{DELETION_VERDICT_WORDS[curve.verdict]}.")
