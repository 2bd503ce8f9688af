"""Class-imbalance handling: per-epoch resampling plans, a stratified cap, and class weights.

Cancer data sets are imbalanced (BUSI 210 malignant vs 570 other; IDC about 1 : 3), and the
papers the tool reproduces either resample or weight the loss. This module only does the
arithmetic; :mod:`core.datasets.pipeline` turns a plan into a tf.data stream.

``oversample``  every class is drawn as often as the majority class, each epoch.
``undersample`` every class is drawn as often as the minority class, each epoch.

Why exact per-epoch counts rather than ``tf.data.Dataset.sample_from_datasets``: weighted
sampling is balanced only *in expectation*; on a small medical set an epoch of a few hundred
images can be visibly off, and the epoch length is then undefined (the trainer needs it for
``steps_per_epoch`` and progress). The pipeline therefore draws exactly ``per_class_counts``
images per class per epoch. Within a class, images come from a fresh seeded permutation that
is cycled, so an oversampled class shows each image ``k`` or ``k + 1`` times (never one image
five times and another none), and an undersampled majority shows a different subset each epoch,
so no image is thrown away for good. Why not a plain index list drawn with numpy per epoch:
tf.data caches have no random access, and materialising every decoded image in a numpy array
would defeat the on-disk cache for data sets larger than memory.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight

from core.datasets.errors import DatasetError

SAMPLINGS = ("none", "oversample", "undersample")


def check_sampling(sampling: str) -> str:
    if sampling not in SAMPLINGS:
        raise ValueError(
            f"Unknown sampling {sampling!r}. Fix: use one of {', '.join(map(repr, SAMPLINGS))}."
        )
    return sampling


def per_class_counts(
    targets: ArrayLike, sampling: str = "none", *, cap: int | None = None
) -> dict[int, int]:
    """Images drawn per class in one epoch, ``{target: count}`` in target order.

    ``cap`` bounds the epoch (the quick profile): when the plan exceeds it, every class is
    scaled to ``cap // n_classes`` so the balance the sampling asked for survives the cap.
    """
    check_sampling(sampling)
    classes, counts = np.unique(np.asarray(targets, dtype=np.int64), return_counts=True)
    if classes.size == 0:
        raise ValueError("No targets: the rows to sample from are empty.")
    if sampling == "oversample":
        counts = np.full_like(counts, counts.max())
    elif sampling == "undersample":
        counts = np.full_like(counts, counts.min())
    if cap is not None and sampling != "none" and counts.sum() > cap:
        counts = np.full_like(counts, max(1, cap // classes.size))
    return {int(c): int(n) for c, n in zip(classes, counts)}


def stratified_subset(targets: ArrayLike, n: int, seed: int = 0) -> np.ndarray:
    """Sorted positions of ``n`` samples keeping the class proportions, reproducible from ``seed``.

    Used for ``max_images`` (a quick run on part of the training set): a plain ``head(n)``
    would take only the first class folder. All positions come back when ``n`` covers them.
    """
    y = np.asarray(targets, dtype=np.int64)
    if n >= y.size:
        return np.arange(y.size)
    n_classes = np.unique(y).size
    if n < n_classes:
        raise ValueError(
            f"max_images={n} is smaller than the number of classes ({n_classes}). "
            f"Fix: use at least {n_classes} (a few hundred for a meaningful quick run)."
        )
    try:
        picked, _ = train_test_split(np.arange(y.size), train_size=n, stratify=y,
                                     random_state=seed)
    except ValueError as exc:
        raise DatasetError(
            f"Cannot draw a stratified subset of {n} images: {exc}",
            fix="raise max_images, or leave it unset to use every training image",
        ) from exc
    return np.sort(picked)


def class_weights(
    targets: ArrayLike, mode: str | Mapping[int, float] | None = "balanced"
) -> dict[int, float]:
    """Loss weight per class for Keras ``fit(class_weight=...)``.

    ``"balanced"`` weighs each class by ``n_samples / (n_classes * n_class)`` (scikit-learn's
    definition, so a run's weights can be checked by hand); a mapping gives explicit weights
    (validated against the classes present); ``None`` or ``"none"`` gives 1.0 each.
    """
    y = np.asarray(targets, dtype=np.int64)
    classes = np.unique(y)
    if classes.size == 0:
        raise ValueError("No targets to compute class weights from.")
    if mode is None or mode == "none":
        return {int(c): 1.0 for c in classes}
    if isinstance(mode, str) and mode != "balanced":
        raise ValueError(
            f"Unknown class weight mode {mode!r}. Fix: use 'balanced', 'none' or a dict "
            "{class_index: weight}."
        )
    spec = mode if isinstance(mode, str) else {int(k): float(v) for k, v in mode.items()}
    try:
        weights = compute_class_weight(spec, classes=classes, y=y)
    except ValueError as exc:
        raise ValueError(f"Invalid class weights {mode!r}: {exc}") from exc
    return {int(c): float(w) for c, w in zip(classes, weights)}
