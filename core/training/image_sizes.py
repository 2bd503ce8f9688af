"""The typical size and shape of a run's training images, for the run record.

Why it is recorded: training resizes every image to the model's square input without keeping
the aspect ratio (:func:`core.datasets.images.resize_tensor`), so a model learns tissue at the
scale and with the distortion of *its* images. The Explain page warns when an uploaded image is
of another size class or shape (:func:`core.explain.input_warnings`), and for that it needs to
know what the training images looked like before the resize; the record says it here.

The sizes come from the dataset scan that training has just made (:mod:`core.datasets.usable`
scans every file, and the scan is cached by the dataset's content), so this costs one read of
the cached scan. It is tolerant: anything that goes wrong yields ``None`` (the record then says
nothing, as records of older engines do), never a failed run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["size_summary", "training_image_size"]


def size_summary(widths: Any, heights: Any) -> dict | None:
    """Median width, height and aspect ratio (width / height) of images, and how many.

    Medians, not means: one odd scan among thousands of patches must not move the typical size.
    Images of zero size (unreadable files, which training leaves out) are ignored; ``None`` when
    none is left.
    """
    w = np.asarray(widths, dtype=np.float64)
    h = np.asarray(heights, dtype=np.float64)
    keep = (w > 0) & (h > 0)
    if not keep.any():
        return None
    w, h = w[keep], h[keep]
    return {"median_width": float(np.median(w)), "median_height": float(np.median(h)),
            "median_aspect": float(np.median(w / h)), "images": int(keep.sum())}


def training_image_size(resolved: Any) -> dict | None:
    """:func:`size_summary` of the training split of a resolved run (``None`` if unknown)."""
    from core.datasets.imagescan import scan_images

    try:
        ds, splits = resolved.dataset, resolved.splits
        scan = scan_images(ds, fingerprint=resolved.identity["dataset_fingerprint"])
        train = pd.Series(splits).reindex(ds.table.index).astype(str) == "train"
        return size_summary(scan.loc[train, "width"], scan.loc[train, "height"])
    except Exception:  # noqa: BLE001 - a missing fact must never fail a finished training run
        return None
