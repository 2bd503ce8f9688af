"""Sanity checks for a saliency map: does it depend on the model, and does it find what matters?

Model randomization (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): explain the same
images with a copy of the model whose weights are re-initialized. If the map barely changes
(high Spearman rank correlation), it reflects the image (edges, bright spots), not what the
model learned. We re-initialize *all* learned layers by default (the paper's "full"
randomization, the strongest test); ``top_layers=n`` re-initializes only the last n layers with
weights (the paper's cascading test, one step of it). Data-statistics layers (``Normalization``)
keep their values: they are preprocessing, not learning.

Deletion (Petsiuk et al. 2018, RISE): remove the most salient pixels first, in ``steps`` equal
steps, and watch the class probability. A map that finds the evidence makes it drop fast (small
area under the curve). "Removed" pixels take the image's mean colour (``baseline="mean"``, the
default): a flat colour carries no evidence at all and stays in the image's colour range, unlike
black. ``baseline="blur"`` (Gaussian, sigma = ``blur_sigma`` x image side) is offered because
it looks more natural, but it keeps low-frequency evidence: on our bright-square test task a
fully blurred image is still called positive at p = 0.8, and a blurred melanoma is still a dark
blob. The same curve for a random pixel order is computed in the same forward pass, as the
reference the map must beat. :attr:`DeletionCurve.verdict` says, once for the whole project,
whether it did: faster, the same, slower, or a model that ignores the image ("flat").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import keras
import numpy as np
from scipy import ndimage
from scipy.stats import spearmanr

from core.saliency import heads
from core.saliency.errors import SaliencyError
from core.saliency.registry import METHODS, get_explainer

DEFAULT_MAX_CORRELATION = 0.5
#: Deletion areas closer than this count as equal: they are shown to 3 decimals, and a
#: 20-step curve cannot resolve finer differences.
DELETION_MARGIN = 0.01
#: A model whose probability moves less than this while every pixel is removed ignores the image.
FLAT_CURVE = 0.01


@dataclass(frozen=True)
class RandomizationCheck:
    """Rank correlation between the trained and randomized model's maps, one per image.

    A correlation is NaN when one of the two maps is constant (nothing to rank): the map
    changed completely, which counts as passing.
    """

    method: str
    randomized: str  # "all layers" or "top n layers"
    rank_correlations: tuple[float, ...]

    @property
    def mean_correlation(self) -> float:
        finite = [c for c in self.rank_correlations if np.isfinite(c)]
        return float(np.mean(finite)) if finite else float("nan")

    def passes(self, max_correlation: float = DEFAULT_MAX_CORRELATION) -> bool:
        """True when every image's map changed enough to say it depends on the weights."""
        return all(not np.isfinite(c) or c <= max_correlation for c in self.rank_correlations)


@dataclass(frozen=True)
class DeletionCurve:
    """Class probability as the most salient pixels are removed; x runs from 0 to 1."""

    class_index: int
    baseline: str
    fractions: tuple[float, ...]
    scores: tuple[float, ...]
    random_scores: tuple[float, ...]
    area: float  # lower is better
    random_area: float  # the same curve with a random pixel order

    @property
    def verdict(self) -> str:
        """"faster", "same", "slower" than the random order (areas within
        :data:`DELETION_MARGIN` are the same), or "flat": neither curve moves by
        :data:`FLAT_CURVE`, so the model ignores the image and no map can point at evidence."""
        if (max(self.scores) - min(self.scores) < FLAT_CURVE
                and max(self.random_scores) - min(self.random_scores) < FLAT_CURVE):
            return "flat"
        if self.area < self.random_area - DELETION_MARGIN:
            return "faster"
        if self.area > self.random_area + DELETION_MARGIN:
            return "slower"
        return "same"


def randomized_copy(model: keras.Model, *, top_layers: int | None = None) -> keras.Model:
    """A copy of ``model`` with fresh initial weights in its learned layers (see module doc)."""
    copy = keras.models.clone_model(model, clone_function=_clone_layer)
    learned = [i for i, layer in enumerate(model.layers) if _is_learned(layer)]
    if top_layers is not None and top_layers < 1:
        raise SaliencyError(f"top_layers must be >= 1 or None, got {top_layers}")
    fresh = set(learned if top_layers is None else learned[-top_layers:])
    for i, (original, clone) in enumerate(zip(model.layers, copy.layers)):
        if original.weights and clone is not original and i not in fresh:
            clone.set_weights(original.get_weights())
    return copy


def randomization_check(model: keras.Model, images: np.ndarray, *, method: str, head: str,
                        penultimate_layer: str | None = None,
                        class_index: int | Sequence[int] | None = None,
                        top_layers: int | None = None, **params: Any) -> RandomizationCheck:
    """Explain ``images`` with the trained and a randomized model; compare ranks per image.

    Both maps explain the same class: the trained model's prediction when ``class_index`` is
    None (the randomized model's own prediction would be a coin toss).
    """
    trained = get_explainer(model, method, head=head, penultimate_layer=penultimate_layer)
    targets = trained.predicted_classes(images) if class_index is None else class_index
    random_model = randomized_copy(model, top_layers=top_layers)
    randomized = METHODS[method](random_model, head=head, penultimate_layer=penultimate_layer)
    maps = trained.explain(images, targets, **params)
    random_maps = randomized.explain(images, targets, **params)
    correlations = tuple(_rank_correlation(a, b) for a, b in zip(maps, random_maps))
    scope = "all layers" if top_layers is None else f"top {top_layers} layers"
    return RandomizationCheck(method=method, randomized=scope, rank_correlations=correlations)


def deletion_curve(model: keras.Model, image: np.ndarray, saliency_map: np.ndarray, *,
                   head: str, class_index: int | None = None, steps: int = 20,
                   baseline: Literal["mean", "blur"] = "mean", blur_sigma: float = 0.125,
                   seed: int = 0) -> DeletionCurve:
    """Deletion curve of one image (S, S, 3, 0..255) under its map (S, S), in one forward pass.

    ``class_index`` None means the class the model predicts for the intact image.
    """
    image = np.asarray(image, dtype=np.float32)
    saliency_map = np.asarray(saliency_map, dtype=np.float32)
    if image.ndim != 3 or saliency_map.shape != image.shape[:2]:
        raise SaliencyError(f"need image (S, S, 3) and map (S, S); got {image.shape} and "
                            f"{saliency_map.shape}")
    if steps < 1:
        raise SaliencyError(f"steps must be >= 1, got {steps}")
    fill = _baseline(image, baseline, blur_sigma)
    fractions = np.linspace(0.0, 1.0, steps + 1)
    salient_order = np.argsort(-saliency_map.ravel(), kind="stable")
    random_order = np.random.default_rng(seed).permutation(saliency_map.size)
    batch = np.concatenate([_deleted(image, fill, salient_order, fractions),
                            _deleted(image, fill, random_order, fractions)])
    probs = model.predict(batch, verbose=0)  # reuses the dashboard's traced predict function
    if class_index is None:
        class_index = heads.predicted_from_probabilities(probs[:1], head)[0]
    scores = heads.class_probability(probs, head, class_index)
    curve, random_curve = scores[:steps + 1], scores[steps + 1:]
    return DeletionCurve(class_index=int(class_index), baseline=baseline,
                         fractions=tuple(fractions.tolist()), scores=tuple(curve.tolist()),
                         random_scores=tuple(random_curve.tolist()),
                         area=float(np.trapezoid(curve, fractions)),
                         random_area=float(np.trapezoid(random_curve, fractions)))


def _deleted(image: np.ndarray, fill: np.ndarray, order: np.ndarray,
             fractions: np.ndarray) -> np.ndarray:
    """One copy of the image per fraction, with that fraction of pixels (first in ``order``)
    replaced by ``fill``."""
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    rank = rank.reshape(image.shape[:2])
    counts = np.round(fractions * order.size).astype(np.int64)
    masks = rank[None, :, :] < counts[:, None, None]
    return np.where(masks[..., None], fill[None], image[None]).astype(np.float32)


def _baseline(image: np.ndarray, baseline: str, blur_sigma: float) -> np.ndarray:
    if baseline == "blur":
        sigma = blur_sigma * max(image.shape[:2])
        return ndimage.gaussian_filter(image, sigma=(sigma, sigma, 0), mode="reflect")
    if baseline == "mean":
        return np.broadcast_to(image.mean(axis=(0, 1)), image.shape).astype(np.float32)
    raise SaliencyError(f"unknown baseline {baseline!r}; expected 'mean' or 'blur'")


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a.ravel(), b.ravel()).statistic)


def _is_learned(layer: keras.layers.Layer) -> bool:
    return bool(layer.weights) and not isinstance(layer, keras.layers.Normalization)


def _clone_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A fresh layer from its config (new initial weights). A weightless layer that Keras
    refuses to rebuild from config (a ``Lambda`` holding a Python function, refused in safe
    mode) is shared instead: it has nothing to re-initialize."""
    try:
        return layer.__class__.from_config(layer.get_config())
    except (ValueError, TypeError):
        if layer.weights:
            raise
        return layer
