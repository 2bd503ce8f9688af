"""Method names -> explainer classes, and a bounded cache of built explainers.

The dashboard asks for a map by method name; building an explainer (logit head, tf-keras-vis
object) is the expensive, reusable part, so explainers are cached per (model, method, head,
layer). The cache holds its models strongly, so it is bounded (least recently used evicted):
a dashboard that compares a few models never holds more than ``CACHE_SIZE`` explainers.
"""

from __future__ import annotations

from functools import lru_cache

import keras

from core.saliency.base import Explainer
from core.saliency.cams import GradCAM, GradCAMPlusPlus
from core.saliency.errors import SaliencyError
from core.saliency.gradients import SmoothGrad, VanillaSaliency
from core.saliency.scorecam import ScoreCAM

METHODS: dict[str, type[Explainer]] = {
    cls.name: cls for cls in (VanillaSaliency, SmoothGrad, GradCAM, GradCAMPlusPlus, ScoreCAM)
}
CACHE_SIZE = 16


def get_explainer(model: keras.Model, method: str, *, head: str,
                  penultimate_layer: str | None = None) -> Explainer:
    """The cached explainer for this model and method; built on first use.

    Keyed on the model object itself (identity), not ``id(model)``: an id can be reused by a new
    model after the old one is garbage collected, and the cached explainer would then explain
    the wrong model.
    """
    if method not in METHODS:
        raise SaliencyError(f"unknown saliency method {method!r}; expected one of {list(METHODS)}")
    return _build(model, method, head, penultimate_layer)


@lru_cache(maxsize=CACHE_SIZE)
def _build(model: keras.Model, method: str, head: str,
           penultimate_layer: str | None) -> Explainer:
    return METHODS[method](model, head=head, penultimate_layer=penultimate_layer)


def clear_explainer_cache() -> None:
    """Drop every cached explainer (e.g. when the dashboard unloads its models)."""
    _build.cache_clear()


def explainer_cache_info():  # noqa: ANN201 - functools' own named tuple
    """Hits, misses and size of the cache, as ``functools.lru_cache`` reports them."""
    return _build.cache_info()
